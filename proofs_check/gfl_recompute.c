#include "gfl_recompute.h"

#include <math.h>
#include <mpfr.h>
#include <stdlib.h>

#define RN MPFR_RNDN

/* Working precision: the path's precision plus 64 guard bits, so that the
 * recomputation's own rounding is negligible next to the path's bound. */
static mpfr_prec_t work_prec(const gfl_config *cfg, int ref)
{
    long p = ref && cfg->prec > 53 ? cfg->prec : 53;
    return (mpfr_prec_t)(p + 64);
}

static double unit_of(const gfl_config *cfg, int ref) { return ref ? ldexp(1.0, (int)-cfg->prec) : 0x1p-53; }

/* r = p_0 + ... + p_{parts-1}: exact at P bits (the parts are the exact
 * decomposition of a value of at most prec bits, and every prefix sum is a
 * truncation of it). */
static void set_parts(mpfr_t r, const double *p, int parts)
{
    mpfr_set_d(r, p[0], RN);
    for (int k = 1; k < parts; k++)
        mpfr_add_d(r, r, p[k], RN);
}

/* |l'(0)| (SPEC 1): 1 (hinge), 1 / (2 ln 2) (logistic). */
static void lp0(mpfr_t r, gfl_loss loss)
{
    if (loss == GFL_LOSS_HINGE) {
        mpfr_set_ui(r, 1, RN);
        return;
    }
    mpfr_const_log2(r, RN);
    mpfr_mul_ui(r, r, 2, RN);
    mpfr_ui_div(r, 1, r, RN);
}

/* h = <w, x> - b at the working precision (w exact from the parts) and the
 * sum of the absolute values of its terms, sum_j |w_j x_j| + |b| (rounded up
 * by the final factor): the scale of the path's rounding of h. */
static double dot_h(mpfr_t h, mpfr_t t, const mpfr_t *w, const double *x, double b, int d)
{
    double s = fabs(b);
    mpfr_set_zero(h, 1);
    for (int j = 0; j < d; j++) {
        mpfr_mul_d(t, w[j], x[j], RN);
        mpfr_add(h, h, t, RN);
        s += fabs(mpfr_get_d(t, MPFR_RNDA));
    }
    mpfr_sub_d(h, h, b, RN);
    return s * (1 + (d + 2) * 0x1p-52);
}

static double ratio(double res, double tol) { return res <= tol ? (tol > 0 ? res / tol : 0.0) : (tol > 0 ? res / tol : INFINITY); }

gfl_status gfl_recompute_c1(const gfl_config *cfg, int ref, int n, const double *X, const double *Y,
                            const double *a0, const double *W0, const double *b, int parts, const double *a1,
                            const double *W1, gfl_c1_check *out)
{
    int m = cfg->m, d = cfg->d;
    mpfr_prec_t P = work_prec(cfg, ref);
    double u = unit_of(cfg, ref), eta1 = cfg->eta1;
    /* SPEC 6 C1: ref -- 2^(8-prec) times the sum of the absolute values of the
     * terms that form the residual (the n gradient terms, the initial value
     * and the decay that cancels it, the right side); fast -- the engine's one
     * sum of n terms and the update that cancels the initial value up to a
     * few roundings of it: 2 gamma_{n+d+8} scale + 8u |init| (SPEC 9). */
    double gam = gfl_cert_gamma(n + d + 8, u), gam_h = gfl_cert_gamma(d + 2, u);
    double cond = ldexp(1.0, (int)(8 - (ref ? cfg->prec : 53))), own = ldexp(1.0, (int)(4 - P));
    mpfr_t lp, h, t, sA, got, rhs, res, *w = malloc((size_t)d * sizeof(mpfr_t)),
                                             *sW = malloc((size_t)d * sizeof(mpfr_t));
    double *Sx = calloc((size_t)d, sizeof(double)), *ambW = calloc((size_t)d, sizeof(double));
    if (!w || !sW || !Sx || !ambW) {
        free(w), free(sW), free(Sx), free(ambW);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the first-step recomputation");
    }
    mpfr_inits2(P, lp, h, t, sA, got, rhs, res, (mpfr_ptr)0);
    for (int j = 0; j < d; j++)
        mpfr_init2(w[j], P), mpfr_init2(sW[j], P);
    lp0(lp, cfg->loss);
    double lpd = mpfr_get_d(lp, MPFR_RNDU);
    for (int k = 0; k < n; k++)
        for (int j = 0; j < d; j++)
            Sx[j] += fabs(X[(size_t)k * d + j]) / n;
    for (int j = 0; j < d; j++)
        Sx[j] *= 1 + (n + 2) * 0x1p-52;
    double maxres = 0, maxrhs = 0;
    out->entries = m * (d + 1);
    out->bad = out->nonfinite = out->ambiguous = 0;
    out->max_ratio = 0;
    out->worst = 0;
    out->worst_tol = 0;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < d; j++) {
            mpfr_set_d(w[j], W0[(size_t)i * d + j], RN);
            mpfr_set_zero(sW[j], 1);
            ambW[j] = 0;
        }
        mpfr_set_zero(sA, 1);
        double sumS = 0;
        for (int k = 0; k < n; k++) {
            const double *x = X + (size_t)k * d;
            double S = dot_h(h, t, w, x, b[i], d);
            sumS += S;
            /* a decision within the path's rounding of h may legitimately go
             * either way: its term joins the tolerance instead */
            int amb = fabs(mpfr_get_d(h, MPFR_RNDZ)) <= gam_h * S;
            out->ambiguous += amb;
            if (mpfr_sgn(h) > 0) {
                mpfr_mul_d(t, h, Y[k], RN);
                mpfr_add(sA, sA, t, RN); /* y_k sigma(h_ik) */
                for (int j = 0; j < d; j++)
                    mpfr_add_d(sW[j], sW[j], Y[k] * x[j], RN); /* y_k x_kj: exact, |y| = 1 */
            }
            if (amb)
                for (int j = 0; j < d; j++)
                    ambW[j] += fabs(x[j]) / n;
        }
        for (int j = 0; j <= d; j++) {
            /* j < d: w_ij = eta1 |l'(0)| a_i G_Z,j; j == d: a_i = eta1 |l'(0)| (1/n) sum_k y_k sigma(h_ik) */
            double init = j < d ? W0[(size_t)i * d + j] : a0[i], scale, amb = 0;
            mpfr_mul_d(rhs, j < d ? sW[j] : sA, eta1, RN);
            mpfr_mul(rhs, rhs, lp, RN);
            if (j < d) {
                mpfr_mul_d(rhs, rhs, a0[i], RN);
                scale = eta1 * lpd * fabs(a0[i]) * Sx[j];
                amb = eta1 * lpd * fabs(a0[i]) * ambW[j] * (1 + 0x1p-40);
            } else {
                scale = eta1 * lpd * sumS / n;
            }
            mpfr_div_ui(rhs, rhs, (unsigned long)n, RN);
            set_parts(got, j < d ? W1 + ((size_t)i * d + j) * parts : a1 + (size_t)i * parts, parts);
            mpfr_sub(res, got, rhs, RN);
            double r = fabs(mpfr_get_d(res, MPFR_RNDA)), vr = fabs(mpfr_get_d(rhs, MPFR_RNDA)),
                   vg = fabs(mpfr_get_d(got, MPFR_RNDA));
            if (!isfinite(r) || !isfinite(vr) || !isfinite(vg) || !isfinite(scale)) {
                out->nonfinite++;
                continue;
            }
            double tol = ref ? cond * (scale + 2 * fabs(init) + vr) : 2 * gam * scale + 8 * u * fabs(init);
            tol = (tol + amb + own * (vg + vr)) * (1 + 0x1p-40);
            out->bad += !(r <= tol);
            if (ratio(r, tol) >= out->max_ratio) {
                out->max_ratio = ratio(r, tol);
                out->worst = j < d ? i * d + j : m * d + i;
                out->worst_tol = tol;
            }
            maxres = fmax(maxres, r);
            maxrhs = fmax(maxrhs, vr);
        }
    }
    out->max_rel = maxrhs > 0 ? maxres / maxrhs : maxres;
    mpfr_clears(lp, h, t, sA, got, rhs, res, (mpfr_ptr)0);
    for (int j = 0; j < d; j++)
        mpfr_clear(w[j]), mpfr_clear(sW[j]);
    free(w), free(sW), free(Sx), free(ambW);
    return GFL_OK;
}
