#include "gfl_opt.h"

#include "gfl_loss.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERS 400

/* Feasible point of {|a_j| <= B1} ∩ {|a| <= B2}: clip, then scale (scaling
 * towards 0 keeps the box). */
static void make_feasible(double *a, int r, double B1, double B2)
{
    double n2 = 0;
    for (int j = 0; j < r; j++) {
        a[j] = fmax(-B1, fmin(B1, a[j]));
        n2 += a[j] * a[j];
    }
    if (n2 > B2 * B2) {
        double s = B2 / sqrt(n2) * (1 - 0x1p-50);
        for (int j = 0; j < r; j++)
            a[j] *= s;
    }
}

/* Projected subgradient descent on the fitting sample; returns the best iterate.
 * The fit is plain double arithmetic (any feasible point bounds OPT): it uses
 * the double loss of core/gfl_loss.h; the bound itself comes from the path's engine. */
static gfl_status refit(const gfl_problem *pb, const gfl_witness *w, const gfl_sample *s, double B1,
                        double B2, double *a_best)
{
    int r = w->r, d = pb->cfg.d, N = s->N;
    double *Phi = malloc((size_t)N * r * sizeof(double)), *a = calloc((size_t)r, sizeof(double));
    double *g = malloc((size_t)r * sizeof(double));
    if (!Phi || !a || !g) {
        free(Phi), free(a), free(g);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the refit");
    }
    for (int k = 0; k < N; k++)
        for (int j = 0; j < r; j++) {
            double dot = 0;
            for (int i = 0; i < d; i++)
                dot += w->D[(size_t)j * d + i] * s->X[(size_t)k * d + i];
            Phi[(size_t)k * r + j] = fmax(dot - w->bstar[j], 0.0);
        }
    memcpy(a, w->astar, (size_t)r * sizeof(double)); /* start at the witness */
    double best = INFINITY;
    double step0 = B2 / 4;
    for (int it = 0; it <= ITERS; it++) {
        double L = 0;
        memset(g, 0, (size_t)r * sizeof(double));
        for (int k = 0; k < N; k++) {
            double f = 0;
            for (int j = 0; j < r; j++)
                f += a[j] * Phi[(size_t)k * r + j];
            double z = s->Y[k] * f, dl = gfl_loss_deriv(pb->cfg.loss, z) * s->Y[k];
            L += gfl_loss_value(pb->cfg.loss, z);
            for (int j = 0; j < r; j++)
                g[j] += dl * Phi[(size_t)k * r + j];
        }
        if (L < best) {
            best = L;
            memcpy(a_best, a, (size_t)r * sizeof(double));
        }
        double gn = 0;
        for (int j = 0; j < r; j++)
            gn += g[j] * g[j];
        if (gn == 0)
            break;
        double step = step0 / sqrt(it + 1.0) / sqrt(gn);
        for (int j = 0; j < r; j++)
            a[j] -= step * g[j];
        make_feasible(a, r, B1, B2);
    }
    free(Phi), free(a), free(g);
    return GFL_OK;
}

void gfl_opt_clear(gfl_opt_result *o)
{
    free(o->refit_a);
    memset(o, 0, sizeof *o);
}

void gfl_opt_membership(gfl_opt_result *o, const gfl_features_result *feat)
{
    for (int f = 0; f < feat->nfeat; f++)
        if (!feat->feat[f].member) {
            /* SPEC 5: f* and the refit use feature f, so neither is in F(d, r, B_F, S) */
            o->available = 0;
            o->opt_hat = NAN;
            snprintf(o->na_reason, sizeof o->na_reason,
                     "witness feature %d is not a member of S(p = %g, gamma = %g, B_G = %g): p_lo = %.4g < p", f,
                     feat->fp.p, feat->fp.gamma, feat->fp.B_G, feat->feat[f].p_lo);
            return;
        }
    o->available = 1;
    o->opt_hat = o->refit_done ? fmin(o->witness_upper, o->refit_upper) : o->witness_upper;
    o->na_reason[0] = 0;
}

gfl_status gfl_opt_run(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_witness *wit,
                       const gfl_sample *mc_fit, const gfl_sample *mc_eval, double level,
                       gfl_opt_result *out)
{
    memset(out, 0, sizeof *out);
    out->r = wit->r;
    out->level = level;
    out->opt_hat = NAN;
    snprintf(out->na_reason, sizeof out->na_reason, "membership of the witness features in S not yet established");
    gfl_witness_bounds(wit, &out->Ba1, &out->Ba2, &out->Bb);
    int m;
    double *a, *W, *b;
    GFL_TRY(gfl_witness_network(wit, &m, &a, &W, &b));
    gfl_status st = gfl_population_loss(vt, pb, mc_eval, m, a, W, b, &out->witness);
    free(a), free(W), free(b);
    GFL_TRY(st);
    double z = gsl_cdf_ugaussian_Pinv(level);
    out->exact = out->witness.kind == GFL_ORACLE_ENUMERATION;
    out->witness_upper = out->witness.loss + z * out->witness.loss_se;
    if (out->exact && out->witness.loss == 0.0)
        return GFL_OK; /* nothing beats an exact zero */
    if (!mc_fit && !mc_eval)
        return GFL_OK; /* enumeration cases: the refit needs a sample to fit on */
    /* SPEC 5: the refit keeps the witness's r neurons (D_j, b*_j) and moves
     * only a, so it stays in F(d, r, B_F, S) with the same r and B_b; a bias
     * grid would need r' > r neurons and biases beyond B_b */
    int r = wit->r, mm = r + (r % 2), d = pb->cfg.d;
    double *ar = calloc((size_t)mm, sizeof(double)), *Wr = calloc((size_t)mm * d, sizeof(double));
    double *br = calloc((size_t)mm, sizeof(double)); /* an odd r's padding neuron: a = 0, w = 0, b = 0 */
    if (!ar || !Wr || !br) {
        free(ar), free(Wr), free(br);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the refit");
    }
    if ((st = refit(pb, wit, mc_fit ? mc_fit : mc_eval, out->Ba1, out->Ba2, ar)) == GFL_OK) {
        memcpy(Wr, wit->D, (size_t)r * d * sizeof(double));
        for (int j = 0; j < r; j++) {
            br[j] = wit->bstar[j];
            out->refit_Bb = fmax(out->refit_Bb, fabs(br[j]));
        }
        st = gfl_population_loss(vt, pb, mc_eval, mm, ar, Wr, br, &out->refit);
    }
    free(Wr), free(br);
    if (st != GFL_OK) {
        free(ar);
        return st;
    }
    out->refit_a = ar;
    out->refit_done = 1;
    out->r_refit = r;
    out->refit_upper = out->refit.loss + z * out->refit.loss_se;
    return GFL_OK;
}
