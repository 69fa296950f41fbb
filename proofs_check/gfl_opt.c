#include "gfl_opt.h"

#include "gfl_fast.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double bias_grid[] = {1.0, 0.5, 1.5};
#define NGRID 3
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
 * the fast path's loss; the bound itself comes from the path's engine. */
static gfl_status refit(const gfl_problem *pb, const gfl_witness *w, const gfl_sample *s, double B1,
                        double B2, double *a_best)
{
    int r = w->r * NGRID, d = pb->cfg.d, N = s->N;
    double *Phi = malloc((size_t)N * r * sizeof(double)), *a = calloc((size_t)r, sizeof(double));
    double *g = malloc((size_t)r * sizeof(double));
    if (!Phi || !a || !g) {
        free(Phi), free(a), free(g);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the refit");
    }
    for (int k = 0; k < N; k++)
        for (int j = 0; j < r; j++) {
            int q = j % w->r;
            double dot = 0;
            for (int i = 0; i < d; i++)
                dot += w->D[(size_t)q * d + i] * s->X[(size_t)k * d + i];
            Phi[(size_t)k * r + j] = fmax(dot - w->bstar[q] * bias_grid[j / w->r], 0.0);
        }
    memcpy(a, w->astar, (size_t)w->r * sizeof(double)); /* start at the witness */
    double best = INFINITY;
    double step0 = B2 / 4;
    for (int it = 0; it <= ITERS; it++) {
        double L = 0;
        memset(g, 0, (size_t)r * sizeof(double));
        for (int k = 0; k < N; k++) {
            double f = 0;
            for (int j = 0; j < r; j++)
                f += a[j] * Phi[(size_t)k * r + j];
            double z = s->Y[k] * f, dl = gfl_fast_loss_deriv(pb->cfg.loss, z) * s->Y[k];
            L += gfl_fast_loss(pb->cfg.loss, z);
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

gfl_status gfl_opt_run(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_witness *wit,
                       const gfl_sample *mc_fit, const gfl_sample *mc_eval, double level,
                       gfl_opt_result *out)
{
    memset(out, 0, sizeof *out);
    out->r = wit->r;
    out->level = level;
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
    out->opt_hat = out->witness_upper;
    if (out->exact && out->witness.loss == 0.0)
        return GFL_OK; /* nothing beats an exact zero */
    if (!mc_fit && !mc_eval)
        return GFL_OK; /* enumeration cases: the refit needs a sample to fit on */
    /* refit over directions x bias grid */
    int r = wit->r * NGRID, mm = r + (r % 2), d = pb->cfg.d;
    double *ar = calloc((size_t)mm, sizeof(double)), *Wr = calloc((size_t)mm * d, sizeof(double));
    double *br = calloc((size_t)mm, sizeof(double));
    if (!ar || !Wr || !br) {
        free(ar), free(Wr), free(br);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the refit");
    }
    if ((st = refit(pb, wit, mc_fit ? mc_fit : mc_eval, out->Ba1, out->Ba2, ar)) == GFL_OK) {
        for (int j = 0; j < r; j++) {
            memcpy(Wr + (size_t)j * d, wit->D + (size_t)(j % wit->r) * d, (size_t)d * sizeof(double));
            br[j] = wit->bstar[j % wit->r] * bias_grid[j / wit->r];
            out->refit_Bb = fmax(out->refit_Bb, fabs(br[j]));
        }
        if (mm > r)
            br[r] = 1.0;
        st = gfl_population_loss(vt, pb, mc_eval, mm, ar, Wr, br, &out->refit);
    }
    free(ar), free(Wr), free(br);
    GFL_TRY(st);
    out->refit_done = 1;
    out->r_refit = r;
    out->refit_upper = out->refit.loss + z * out->refit.loss_se;
    if (out->refit_upper < out->opt_hat)
        out->opt_hat = out->refit_upper;
    return GFL_OK;
}
