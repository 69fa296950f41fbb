#include "gfl_ref_oracle.h"

#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#define RND MPFR_RNDN

/* SPEC 7 mog [derived]: G(w,b) = sum_j pi_j y_j (mu_j Phi(t_j) + s_j phi(t_j) u),
 * u = w/|w|, t_j = (<w,mu_j> - b) / (s_j |w|), Phi(t) = erfc(-t/sqrt2)/2. */
static gfl_status G_mixture(const gfl_problem *pb, mpfr_prec_t p, const double *w, double b, double *G)
{
    const gfl_mixture *mx = &pb->mix;
    int d = pb->cfg.d;
    mpfr_t nw, dot, t, P, ph, c, tmp, s2pi, *acc = malloc((size_t)d * sizeof(mpfr_t));
    if (!acc)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the mixture oracle");
    mpfr_inits2(p, nw, dot, t, P, ph, c, tmp, s2pi, (mpfr_ptr)0);
    for (int i = 0; i < d; i++)
        mpfr_init2(acc[i], p), mpfr_set_zero(acc[i], 1);
    mpfr_const_pi(s2pi, RND);
    mpfr_mul_ui(s2pi, s2pi, 2, RND);
    mpfr_sqrt(s2pi, s2pi, RND); /* sqrt(2 pi) */
    mpfr_set_zero(nw, 1);
    for (int i = 0; i < d; i++) {
        mpfr_set_d(tmp, w[i], RND);
        mpfr_sqr(tmp, tmp, RND);
        mpfr_add(nw, nw, tmp, RND);
    }
    mpfr_sqrt(nw, nw, RND);
    for (int j = 0; j < mx->ncomp; j++) {
        const double *mu = mx->mu + (size_t)j * d;
        mpfr_set_d(c, mx->pi[j], RND);
        mpfr_mul_d(c, c, mx->y[j], RND);
        if (mpfr_zero_p(nw)) {
            if (b < 0) /* 1[0 > b] = 1: G = E[y x] */
                for (int i = 0; i < d; i++) {
                    mpfr_mul_d(tmp, c, mu[i], RND);
                    mpfr_add(acc[i], acc[i], tmp, RND);
                }
            continue;
        }
        mpfr_set_zero(dot, 1);
        for (int i = 0; i < d; i++) {
            mpfr_set_d(tmp, w[i], RND);
            mpfr_mul_d(tmp, tmp, mu[i], RND);
            mpfr_add(dot, dot, tmp, RND);
        }
        mpfr_sub_d(t, dot, b, RND);
        mpfr_div(t, t, nw, RND);
        mpfr_div_d(t, t, mx->s[j], RND);
        /* Phi(t) = erfc(-t / sqrt 2) / 2 */
        mpfr_sqrt_ui(tmp, 2, RND);
        mpfr_div(P, t, tmp, RND);
        mpfr_neg(P, P, RND);
        mpfr_erfc(P, P, RND);
        mpfr_div_ui(P, P, 2, RND);
        /* s_j phi(t) / |w| = s_j exp(-t^2/2) / (sqrt(2 pi) |w|) */
        mpfr_sqr(ph, t, RND);
        mpfr_div_ui(ph, ph, 2, RND);
        mpfr_neg(ph, ph, RND);
        mpfr_exp(ph, ph, RND);
        mpfr_div(ph, ph, s2pi, RND);
        mpfr_mul_d(ph, ph, mx->s[j], RND);
        mpfr_div(ph, ph, nw, RND);
        for (int i = 0; i < d; i++) {
            mpfr_mul_d(tmp, P, mu[i], RND);
            mpfr_mul_d(dot, ph, w[i], RND);
            mpfr_add(tmp, tmp, dot, RND);
            mpfr_mul(tmp, tmp, c, RND);
            mpfr_add(acc[i], acc[i], tmp, RND);
        }
    }
    for (int i = 0; i < d; i++) {
        G[i] = mpfr_get_d(acc[i], RND);
        mpfr_clear(acc[i]);
    }
    free(acc);
    mpfr_clears(nw, dot, t, P, ph, c, tmp, s2pi, (mpfr_ptr)0);
    return GFL_OK;
}

/* Exact enumeration: G_j = sum_x c(x) y(x) x_j 1[<w,x> > b] / 2^(d+2) with
 * integer c(x); the sums are integers (|sum| < 2^(2d+4) fits in int64 for
 * d <= 24) and the result is a dyadic number, exact in a double.
 *
 * The decision 1[<w,x> > b] must be exact.  With x in {+-1}^d the d + 1
 * terms x_j w_j and -b are doubles (exact), and their recursive sum s in
 * double satisfies |s - (<w,x> - b)| <= gamma_d A, A = sum_j |w_j| + |b|,
 * gamma_d = d u / (1 - d u), u = 2^-53 (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., eq. (4.4)); A is the same for every x.
 * Where |s| exceeds the rounded-up bound thr >= gamma_d A, s has the exact
 * sign; elsewhere (and for non-finite values) the correctly rounded sum of
 * the terms (mpfr_sum) decides, as it decided every point before: the
 * decisions, hence G, are the same bits. */
static double enum_threshold(const double *w, double b, int d)
{
    double A = fabs(b);
    for (int j = 0; j < d; j++)
        A += fabs(w[j]);
    /* A computed with d roundings up to a factor 1 + 2 d u; gamma_d <= 2 d u for
     * d u <= 1/2; (d + 2) 2^-51 A covers both with room */
    return (double)(d + 2) * 0x1p-51 * A;
}

static gfl_status G_enum(const gfl_problem *pb, mpfr_prec_t p, const double *w, double b, double *G)
{
    int d = pb->cfg.d;
    if (d > GFL_ENUM_MAX_D)
        GFL_ERROR(GFL_EINVAL, "enumeration of {+-1}^%d is too large (d <= %d)", d, GFL_ENUM_MAX_D);
    /* acc: the uniform component's integer sums, acc + d: the structured one's */
    int64_t *acc = calloc((size_t)2 * d, sizeof(int64_t));
    mpfr_t *terms = malloc((size_t)(d + 1) * sizeof(mpfr_t));
    mpfr_ptr *ptrs = malloc((size_t)(d + 1) * sizeof(mpfr_ptr));
    double *x = malloc((size_t)d * sizeof(double));
    mpfr_t s;
    if (!acc || !terms || !ptrs || !x) {
        free(acc), free(terms), free(ptrs), free(x);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the enumeration");
    }
    mpfr_init2(s, p);
    for (int j = 0; j <= d; j++) {
        mpfr_init2(terms[j], 64); /* +-w_j and -b are doubles: exact at 53 bits */
        ptrs[j] = terms[j];
    }
    uint64_t npts = UINT64_C(1) << d;
    double thr = enum_threshold(w, b, d);
    for (uint64_t idx = 0; idx < npts; idx++) {
        gfl_parity_point(d, idx, x);
        double sd = -b;
        for (int j = 0; j < d; j++)
            sd += x[j] * w[j];
        int sgn = sd > thr ? 1 : sd < -thr ? -1 : 0;
        if (!sgn || !isfinite(sd) || !isfinite(thr)) {
            for (int j = 0; j < d; j++)
                mpfr_set_d(terms[j], x[j] * w[j], RND);
            mpfr_set_d(terms[d], -b, RND);
            mpfr_sum(s, ptrs, (unsigned long)(d + 1), RND); /* correctly rounded: exact sign */
            sgn = mpfr_sgn(s);
        }
        if (sgn <= 0)
            continue;
        uint64_t cu, cs;
        gfl_parity_weight_parts(pb, idx, &cu, &cs);
        int64_t sy = gfl_parity_label(pb, idx) > 0 ? 1 : -1, yu = (int64_t)cu * sy, ys = (int64_t)cs * sy;
        for (int j = 0; j < d; j++) {
            acc[j] += x[j] > 0 ? yu : -yu;
            acc[d + j] += x[j] > 0 ? ys : -ys;
        }
    }
    /* G_j = ((1 - p) acc_u + p acc_s) / 2^(d+2), exact in MPFR at p = 1/2 */
    mpfr_t ps, qs;
    mpfr_inits2(p, ps, qs, (mpfr_ptr)0);
    for (int j = 0; j < d; j++) {
        mpfr_set_d(ps, gfl_parity_p_struct(pb), RND);
        mpfr_ui_sub(qs, 1, ps, RND);
        mpfr_mul_si(qs, qs, (long)acc[j], RND);
        mpfr_mul_si(ps, ps, (long)acc[d + j], RND);
        mpfr_add(s, qs, ps, RND);
        mpfr_div_2ui(s, s, (unsigned long)(d + 2), RND);
        G[j] = mpfr_get_d(s, RND);
    }
    mpfr_clears(ps, qs, (mpfr_ptr)0);
    for (int j = 0; j <= d; j++)
        mpfr_clear(terms[j]);
    mpfr_clear(s);
    free(acc), free(terms), free(ptrs), free(x);
    return GFL_OK;
}

/* (1/n) sum_k y_k x_k 1[<w,x_k> > b] in MPFR, with the dot product summed in
 * the order and precision of the ref engine (so G_Z matches its first step). */
static gfl_status G_emp_one(int d, mpfr_prec_t p, const double *X, const double *Y, int n, const double *w,
                            double b, double *G, double *se, double *A)
{
    mpfr_t dot, tmp, accA, *acc = malloc((size_t)d * sizeof(mpfr_t)), *acc2 = NULL;
    if (se)
        acc2 = malloc((size_t)d * sizeof(mpfr_t));
    if (!acc || (se && !acc2)) {
        free(acc);
        free(acc2);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the empirical oracle");
    }
    mpfr_inits2(p, dot, tmp, accA, (mpfr_ptr)0);
    mpfr_set_zero(accA, 1);
    for (int j = 0; j < d; j++) {
        mpfr_init2(acc[j], p), mpfr_set_zero(acc[j], 1);
        if (acc2)
            mpfr_init2(acc2[j], p), mpfr_set_zero(acc2[j], 1);
    }
    for (int k = 0; k < n; k++) {
        const double *x = X + (size_t)k * d;
        mpfr_set_zero(dot, 1);
        for (int j = 0; j < d; j++) {
            mpfr_set_d(tmp, w[j], RND);
            mpfr_mul_d(tmp, tmp, x[j], RND);
            mpfr_add(dot, dot, tmp, RND);
        }
        mpfr_sub_d(dot, dot, b, RND);
        if (mpfr_sgn(dot) <= 0)
            continue;
        mpfr_mul_d(tmp, dot, Y[k], RND); /* y_k sigma(h) */
        mpfr_add(accA, accA, tmp, RND);
        for (int j = 0; j < d; j++) {
            mpfr_set_d(tmp, x[j], RND);
            mpfr_mul_d(tmp, tmp, Y[k], RND);
            mpfr_add(acc[j], acc[j], tmp, RND);
            if (acc2) {
                mpfr_sqr(tmp, tmp, RND);
                mpfr_add(acc2[j], acc2[j], tmp, RND);
            }
        }
    }
    mpfr_set_zero(dot, 1);
    for (int j = 0; j < d; j++) {
        mpfr_div_ui(acc[j], acc[j], (unsigned long)n, RND);
        G[j] = mpfr_get_d(acc[j], RND);
        if (acc2) {
            /* per-coordinate variance E[v^2] - G^2 over (n - 1): standard error */
            mpfr_div_ui(acc2[j], acc2[j], (unsigned long)n, RND);
            mpfr_sqr(tmp, acc[j], RND);
            mpfr_sub(acc2[j], acc2[j], tmp, RND);
            if (mpfr_sgn(acc2[j]) < 0)
                mpfr_set_zero(acc2[j], 1);
            mpfr_div_ui(acc2[j], acc2[j], (unsigned long)(n - 1), RND);
            mpfr_add(dot, dot, acc2[j], RND);
            mpfr_clear(acc2[j]);
        }
        mpfr_clear(acc[j]);
    }
    if (se) {
        mpfr_sqrt(dot, dot, RND);
        *se = mpfr_get_d(dot, RND);
    }
    if (A) {
        mpfr_div_ui(accA, accA, (unsigned long)n, RND);
        *A = mpfr_get_d(accA, RND);
    }
    free(acc);
    free(acc2);
    mpfr_clears(dot, tmp, accA, (mpfr_ptr)0);
    return GFL_OK;
}

static gfl_status ref_G_emp(const gfl_problem *pb, const double *X, const double *Y, int n, int K,
                            const double *w, const double *b, double *G, double *A)
{
    int d = pb->cfg.d;
    for (int q = 0; q < K; q++)
        GFL_TRY(G_emp_one(d, (mpfr_prec_t)pb->cfg.prec, X, Y, n, w + (size_t)q * d, b[q], G + (size_t)q * d,
                          NULL, A ? &A[q] : NULL));
    return GFL_OK;
}

static gfl_status ref_G(const gfl_problem *pb, const gfl_sample *mc, int K, const double *w,
                        const double *b, double *G, double *se)
{
    int d = pb->cfg.d;
    mpfr_prec_t p = (mpfr_prec_t)pb->cfg.prec;
    gfl_oracle_kind kind = gfl_oracle_kind_of(pb->cfg.case_id, GFL_Q_G);
    if (kind == GFL_ORACLE_MONTE_CARLO && (!mc || mc->N <= 1))
        GFL_ERROR(GFL_EINVAL, "case %s needs a Monte Carlo sample", gfl_case_name(pb->cfg.case_id));
    for (int q = 0; q < K; q++) {
        const double *wq = w + (size_t)q * d;
        double *Gq = G + (size_t)q * d;
        se[q] = 0.0;
        if (kind == GFL_ORACLE_CLOSED_FORM)
            GFL_TRY(G_mixture(pb, p, wq, b[q], Gq));
        else if (kind == GFL_ORACLE_ENUMERATION)
            GFL_TRY(G_enum(pb, p, wq, b[q], Gq));
        else
            GFL_TRY(G_emp_one(d, p, mc->X, mc->Y, mc->N, wq, b[q], Gq, &se[q], NULL));
    }
    return GFL_OK;
}

static gfl_status ref_moments(const gfl_problem *pb, const gfl_sample *mc, gfl_moments *o)
{
    const gfl_config *c = &pb->cfg;
    int d = c->d;
    mpfr_prec_t p = (mpfr_prec_t)c->prec;
    mpfr_t B, t, u, s, s2;
    mpfr_inits2(p, B, t, u, s, s2, (mpfr_ptr)0);
    memset(o, 0, sizeof *o);
    mpfr_set_ui(B, (unsigned long)d, RND);
    if (c->case_id == GFL_CASE_MOG || c->case_id == GFL_CASE_XOR) {
        /* B_x2 = sum_j pi_j (|mu_j|^2 + d s_j^2) */
        mpfr_set_zero(B, 1);
        for (int j = 0; j < pb->mix.ncomp; j++) {
            mpfr_set_d(t, pb->mix.s[j], RND);
            mpfr_sqr(t, t, RND);
            mpfr_mul_ui(t, t, (unsigned long)d, RND);
            for (int i = 0; i < d; i++) {
                mpfr_set_d(u, pb->mix.mu[(size_t)j * d + i], RND);
                mpfr_sqr(u, u, RND);
                mpfr_add(t, t, u, RND);
            }
            mpfr_mul_d(t, t, pb->mix.pi[j], RND);
            mpfr_add(B, B, t, RND);
        }
    } else if (c->case_id == GFL_CASE_LINEAR) {
        /* B_x2 = d + m phi(m) / Q(m), Q(m) = erfc(m / sqrt 2) / 2 */
        mpfr_set_d(t, c->margin, RND);
        mpfr_sqr(u, t, RND);
        mpfr_div_si(u, u, -2, RND);
        mpfr_exp(u, u, RND);
        mpfr_const_pi(s, RND);
        mpfr_mul_ui(s, s, 2, RND);
        mpfr_sqrt(s, s, RND);
        mpfr_div(u, u, s, RND); /* phi(m) */
        mpfr_mul(u, u, t, RND);
        mpfr_sqrt_ui(s, 2, RND);
        mpfr_div(s, t, s, RND);
        mpfr_erfc(s, s, RND);
        mpfr_div_ui(s, s, 2, RND); /* Q(m) */
        mpfr_div(u, u, s, RND);
        mpfr_add(B, B, u, RND);
    }
    if (c->case_id == GFL_CASE_SLABS) /* a rational function of the margin, in double */
        mpfr_set_d(B, gfl_slabs_Bx2(c), RND);
    o->Bx2 = mpfr_get_d(B, RND);
    mpfr_sqrt(B, B, RND);
    o->Bx1 = mpfr_get_d(B, RND);
    o->kind_Bx2 = gfl_oracle_kind_of(c->case_id, GFL_Q_BX2);
    o->kind_Bx1 = gfl_oracle_kind_of(c->case_id, GFL_Q_BX1);
    if (mc && mc->N > 1) {
        mpfr_set_zero(s, 1);
        mpfr_set_zero(s2, 1);
        for (int k = 0; k < mc->N; k++) {
            mpfr_set_zero(t, 1);
            for (int i = 0; i < d; i++) {
                mpfr_set_d(u, mc->X[(size_t)k * d + i], RND);
                mpfr_sqr(u, u, RND);
                mpfr_add(t, t, u, RND);
            }
            mpfr_add(s2, s2, t, RND);
            mpfr_sqrt(t, t, RND);
            mpfr_add(s, s, t, RND);
        }
        mpfr_div_ui(s, s, (unsigned long)mc->N, RND);
        mpfr_div_ui(s2, s2, (unsigned long)mc->N, RND);
        o->Bx1_mc = mpfr_get_d(s, RND);
        mpfr_sqr(t, s, RND);
        mpfr_sub(s2, s2, t, RND);
        if (mpfr_sgn(s2) < 0) /* |x| constant (parity): rounding may leave -0.0x */
            mpfr_set_zero(s2, 1);
        mpfr_div_ui(s2, s2, (unsigned long)(mc->N - 1), RND);
        mpfr_sqrt(s2, s2, RND);
        o->Bx1_se = mpfr_get_d(s2, RND);
    }
    mpfr_clears(B, t, u, s, s2, (mpfr_ptr)0);
    return GFL_OK;
}

const gfl_oracle_vt gfl_ref_oracle = {
    .name = "ref",
    .G = ref_G,
    .G_emp = ref_G_emp,
    .moments = ref_moments,
};
