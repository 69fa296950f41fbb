#include "gfl_recompute.h"

#include <math.h>
#include <mpfr.h>
#include <stdlib.h>

#define RN MPFR_RNDN

/* Working precision: the path's precision plus 64 guard bits, so that the
 * recomputation's own rounding is negligible next to the path's bound. */
static mpfr_prec_t work_prec(const gfl_config *cfg, int at_prec)
{
    long p = at_prec && cfg->prec > 53 ? cfg->prec : 53;
    return (mpfr_prec_t)(p + 64);
}

static double unit_of(const gfl_config *cfg, int at_prec) { return at_prec ? ldexp(1.0, (int)-cfg->prec) : 0x1p-53; }

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

gfl_status gfl_recompute_c1(const gfl_config *cfg, int at_prec, int n, const double *X, const double *Y,
                            const double *a0, const double *W0, const double *b, int parts, const double *a1,
                            const double *W1, gfl_c1_check *out)
{
    int m = cfg->m, d = cfg->d;
    mpfr_prec_t P = work_prec(cfg, at_prec);
    double u = unit_of(cfg, at_prec), eta1 = cfg->eta1;
    /* SPEC 6 C1: ref -- 2^(8-prec) times the sum of the absolute values of the
     * terms that form the residual (the n gradient terms, the initial value
     * and the decay that cancels it, the right side); fast -- the engine's one
     * sum of n terms and the update that cancels the initial value up to a
     * few roundings of it: 2 gamma_{n+d+8} scale + 8u |init| (SPEC 9). */
    double gam = gfl_cert_gamma(n + d + 8, u), gam_h = gfl_cert_gamma(d + 2, u);
    double cond = ldexp(1.0, (int)(8 - (at_prec ? cfg->prec : 53))), own = ldexp(1.0, (int)(4 - P));
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
            double tol = at_prec ? cond * (scale + 2 * fabs(init) + vr) : 2 * gam * scale + 8 * u * fabs(init);
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

/* SPEC 6 C5g.  The bound, with u the path's unit roundoff,
 * gam = gamma_{n+d+m+8}(u), S_ik = sum_j |w_ij x_kj| + |b_i| (the terms of
 * h_ik) and F_k = sum_i |a_i| S_ik (the terms of f_k):
 *   |h~_ik - h_ik| <= gam S_ik, so |sigma(h~) - sigma(h)| <= gam S_ik;
 *   |f~_k - f_k|   <= gam F_k = ef_k;
 *   |g~_k - g_k|   <= dg_k: 0 for the hinge off its kink, and
 *                     ef_k / (4 ln 2) + gam |g_k| for the logistic loss
 *                     (|l''| <= 1/(4 ln 2), then the evaluation of l');
 *   the engine's i-th entry of g_t = (1/n) sum_k g_k sigma(h_ik) + lam a_i
 *   then differs from the exact one by at most
 *   E_i = (1/n) sum_k (3 gam |g_k| + 2 dg_k) S_ik + gam (|g_i| + 2 |lam a_i|)
 *   (the products, the sum of n terms and the decay term; second-order terms
 *   absorbed by the factors 3 and 2).  A hinge decision with |1 - z_k| <= ef_k
 *   is ambiguous: the engine may have taken either branch, which changes its
 *   term by up to sigma(h_ik), so (1/n)(sigma(h_ik) + gam S_ik) joins E_i.
 *   ReLU decisions within gam S_ik of the kink are counted; sigma is
 *   continuous, so they need nothing more.
 * Norm:   | |g~| - |g^re| | <= |E|_2 + gamma_{m+2}(u) |g^re| (+ 2^-53 |g~| when
 *         the trace holds a ref value rounded to double).
 * Update: a~^(t) = fl(a - fl(eta g~)), so
 *         |a~^(t)_i - (a_i - eta g^re_i)| <= eta E_i + 4u (|a_i| + |a~^(t)_i| + eta (|g^re_i| + E_i)). */
gfl_status gfl_recompute_c5g(const gfl_config *cfg, int at_prec, int t, int n, const double *X, const double *Y,
                             const double *b, int parts, const double *a_prev, const double *W_prev,
                             const double *a_next, double eta, double lam, double grad_norm, gfl_c5g_check *acc)
{
    int m = cfg->m, d = cfg->d;
    size_t md = (size_t)m * d, nm = (size_t)n * m;
    mpfr_prec_t P = work_prec(cfg, at_prec);
    double u = unit_of(cfg, at_prec), gam = gfl_cert_gamma(n + d + m + 8, u), gam_m = gfl_cert_gamma(m + 2, u);
    double lip2 = gfl_cert_lipschitz(GFL_LOSS_LOGISTIC) / 4; /* 1/(4 ln 2) >= |l''| */
    mpfr_t *W = malloc(md * sizeof(mpfr_t)), *a = malloc((size_t)m * sizeof(mpfr_t)),
           *H = malloc(nm * sizeof(mpfr_t)), *g = malloc((size_t)n * sizeof(mpfr_t));
    double *S = malloc(nm * sizeof(double)), *dg = malloc((size_t)n * sizeof(double)),
           *ag = malloc((size_t)n * sizeof(double)), *E = malloc((size_t)m * sizeof(double));
    unsigned char *amb = malloc((size_t)n);
    if (!W || !a || !H || !g || !S || !dg || !ag || !E || !amb) {
        free(W), free(a), free(H), free(g), free(S), free(dg), free(ag), free(E), free(amb);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the gradient recomputation");
    }
    mpfr_t t1, f, gi, nrm, ln2;
    mpfr_inits2(P, t1, f, gi, nrm, ln2, (mpfr_ptr)0);
    mpfr_const_log2(ln2, RN);
    for (size_t q = 0; q < md; q++) {
        mpfr_init2(W[q], P);
        set_parts(W[q], W_prev + q * parts, parts);
    }
    for (int i = 0; i < m; i++) {
        mpfr_init2(a[i], P);
        set_parts(a[i], a_prev + (size_t)i * parts, parts);
    }
    for (size_t q = 0; q < nm; q++)
        mpfr_init2(H[q], P);
    for (int k = 0; k < n; k++)
        mpfr_init2(g[k], P);
    int nonfinite = 0;
    /* forward pass and g_k = l'(y_k f_k) y_k */
    for (int k = 0; k < n; k++) {
        double Fk = 0;
        mpfr_set_zero(f, 1);
        for (int i = 0; i < m; i++) {
            mpfr_ptr h = H[(size_t)k * m + i];
            double s = dot_h(h, t1, W + (size_t)i * d, X + (size_t)k * d, b[i], d);
            S[(size_t)k * m + i] = s;
            Fk += fabs(mpfr_get_d(a[i], MPFR_RNDA)) * s;
            acc->amb_relu += fabs(mpfr_get_d(h, MPFR_RNDZ)) <= gam * s;
            if (mpfr_sgn(h) > 0) {
                mpfr_mul(t1, a[i], h, RN);
                mpfr_add(f, f, t1, RN);
            }
        }
        double ef = gam * Fk * (1 + (m + 2) * 0x1p-52);
        mpfr_mul_d(f, f, Y[k], RN); /* the margin z_k */
        amb[k] = 0;
        if (cfg->loss == GFL_LOSS_HINGE) {
            mpfr_ui_sub(t1, 1, f, RN);
            amb[k] = fabs(mpfr_get_d(t1, MPFR_RNDZ)) <= ef;
            acc->amb_hinge += amb[k];
            mpfr_set_d(g[k], mpfr_sgn(t1) > 0 ? -Y[k] : 0.0, RN); /* l'(z) = -1[z < 1] */
            dg[k] = 0;
        } else {
            mpfr_exp(t1, f, RN);
            mpfr_add_ui(t1, t1, 1, RN);
            mpfr_mul(t1, t1, ln2, RN);
            mpfr_d_div(g[k], -Y[k], t1, RN); /* l'(z) y = -y / ((1 + e^z) ln 2) */
            dg[k] = lip2 * ef + gam * fabs(mpfr_get_d(g[k], MPFR_RNDA));
        }
        ag[k] = fabs(mpfr_get_d(g[k], MPFR_RNDA));
        nonfinite += !isfinite(ef) || !isfinite(dg[k]);
    }
    /* g^re_i = (1/n) sum_k g_k sigma(h_ik) + lam a_i; its bound E_i; the update */
    double maxu = 0, e2 = 0;
    int badu = 0;
    mpfr_set_zero(nrm, 1);
    for (int i = 0; i < m; i++) {
        double Ei = 0;
        mpfr_set_zero(gi, 1);
        for (int k = 0; k < n; k++) {
            mpfr_ptr h = H[(size_t)k * m + i];
            double s = S[(size_t)k * m + i];
            if (mpfr_sgn(h) > 0) {
                mpfr_mul(t1, g[k], h, RN);
                mpfr_add(gi, gi, t1, RN);
            }
            Ei += (3 * gam * ag[k] + 2 * dg[k]) * s;
            if (amb[k])
                Ei += (mpfr_sgn(h) > 0 ? mpfr_get_d(h, MPFR_RNDU) : 0.0) + gam * s;
        }
        mpfr_div_ui(gi, gi, (unsigned long)n, RN);
        mpfr_mul_d(t1, a[i], lam, RN);
        double la = fabs(mpfr_get_d(t1, MPFR_RNDA));
        mpfr_add(gi, gi, t1, RN);
        double gre = fabs(mpfr_get_d(gi, MPFR_RNDA));
        E[i] = (Ei / n * (1 + (n + 4) * 0x1p-52) + gam * (gre + 2 * la)) * (1 + 0x1p-40);
        e2 += E[i] * E[i];
        mpfr_sqr(t1, gi, RN);
        mpfr_add(nrm, nrm, t1, RN);
        /* update residual r_i = a^(t)_i - (a^(t-1)_i - eta g^re_i) */
        mpfr_mul_d(gi, gi, eta, RN);
        mpfr_sub(gi, a[i], gi, RN);
        set_parts(t1, a_next + (size_t)i * parts, parts);
        double an = fabs(mpfr_get_d(t1, MPFR_RNDA)), ap = fabs(mpfr_get_d(a[i], MPFR_RNDA));
        mpfr_sub(t1, t1, gi, RN);
        double r = fabs(mpfr_get_d(t1, MPFR_RNDA));
        double bnd = (eta * E[i] + 4 * u * (ap + an + eta * (gre + E[i]))) * (1 + 0x1p-40);
        if (!isfinite(r) || !isfinite(bnd)) {
            nonfinite++;
            continue;
        }
        badu += !(r <= bnd);
        maxu = fmax(maxu, ratio(r, bnd));
    }
    mpfr_sqrt(nrm, nrm, RN);
    double gre_norm = mpfr_get_d(nrm, MPFR_RNDN);
    double bn = (sqrt(e2) * (1 + 0x1p-50) + gam_m * gre_norm + (at_prec ? 0x1p-53 * fabs(grad_norm) : 0.0)) * (1 + 0x1p-40);
    double rn = fabs(grad_norm - gre_norm) + 0x1p-60 * gre_norm; /* + the rounding of gre_norm itself */
    if (!isfinite(rn) || !isfinite(bn) || !isfinite(grad_norm))
        nonfinite++;
    else {
        acc->bad_norm += !(rn <= bn);
        double rr = ratio(rn, bn);
        if (rr >= acc->max_norm_ratio && rr >= acc->max_update_ratio)
            acc->worst_t = t;
        acc->max_norm_ratio = fmax(acc->max_norm_ratio, rr);
    }
    if (maxu >= acc->max_update_ratio && maxu >= acc->max_norm_ratio)
        acc->worst_t = t;
    acc->max_update_ratio = fmax(acc->max_update_ratio, maxu);
    acc->bad_update += badu;
    acc->nonfinite += nonfinite > 0;
    acc->steps++;
    mpfr_clears(t1, f, gi, nrm, ln2, (mpfr_ptr)0);
    for (size_t q = 0; q < md; q++)
        mpfr_clear(W[q]);
    for (int i = 0; i < m; i++)
        mpfr_clear(a[i]);
    for (size_t q = 0; q < nm; q++)
        mpfr_clear(H[q]);
    for (int k = 0; k < n; k++)
        mpfr_clear(g[k]);
    free(W), free(a), free(H), free(g), free(S), free(dg), free(ag), free(E), free(amb);
    return GFL_OK;
}
