#include "gfl_fast_oracle.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

static double Phi(double t) { return 0.5 * erfc(-t / M_SQRT2); }
static double phi(double t) { return exp(-0.5 * t * t) / sqrt(2.0 * M_PI); }

/* SPEC 7 mog [derived]: with u = w/|w|, t_j = (<w,mu_j> - b) / (s_j |w|),
 * G(w,b) = sum_j pi_j y_j (mu_j Phi(t_j) + s_j phi(t_j) u). */
static void G_mixture(const gfl_problem *pb, const double *w, double b, double *G)
{
    const gfl_mixture *mx = &pb->mix;
    int d = pb->cfg.d;
    double nw = 0.0;
    for (int i = 0; i < d; i++)
        nw += w[i] * w[i];
    nw = sqrt(nw);
    memset(G, 0, (size_t)d * sizeof(double));
    for (int j = 0; j < mx->ncomp; j++) {
        const double *mu = mx->mu + (size_t)j * d;
        double c = mx->pi[j] * mx->y[j];
        if (nw == 0.0) {
            /* 1[0 > b] is constant: G = E[y x] when b < 0, else 0. */
            if (b < 0)
                for (int i = 0; i < d; i++)
                    G[i] += c * mu[i];
            continue;
        }
        double dot = 0.0;
        for (int i = 0; i < d; i++)
            dot += w[i] * mu[i];
        double t = (dot - b) / (mx->s[j] * nw);
        double P = Phi(t), p = mx->s[j] * phi(t) / nw;
        for (int i = 0; i < d; i++)
            G[i] += c * (mu[i] * P + p * w[i]);
    }
}

/* G_Z for K neurons over rows [0, n) of X, accumulated unscaled into acc
 * (K x d), and, when acc2 != NULL, sum_k x_kj^2 1[.] into acc2 (K x d).
 * Weights wt (n, may be NULL = 1) multiply y_k. */
static gfl_status emp_accumulate(int d, const double *X, const double *Y, const double *wt, int n, int K,
                                 const double *w, const double *b, double *acc, double *acc2, double *accA)
{
    gfl_status st = GFL_OK;
    double *H = malloc((size_t)CHUNK * (size_t)K * sizeof(double));
    double *X2 = acc2 ? malloc((size_t)CHUNK * (size_t)d * sizeof(double)) : NULL;
    double *Ind = acc2 ? malloc((size_t)CHUNK * (size_t)K * sizeof(double)) : NULL;
    if (!H || (acc2 && (!X2 || !Ind))) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the oracle");
        goto cleanup;
    }
    for (int k0 = 0; k0 < n; k0 += CHUNK) {
        int c = n - k0 < CHUNK ? n - k0 : CHUNK;
        const double *Xc = X + (size_t)k0 * d;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, K, d, 1.0, Xc, d, w, d, 0.0, H, K);
        for (int k = 0; k < c; k++) {
            double yk = Y[k0 + k] * (wt ? wt[k0 + k] : 1.0);
            for (int q = 0; q < K; q++) {
                /* fl(<w,x>) > b iff fl(fl(<w,x>) - b) > 0: the comparison is exact */
                int on = H[(size_t)k * K + q] > b[q];
                if (accA && on)
                    accA[q] += yk * (H[(size_t)k * K + q] - b[q]);
                if (Ind)
                    Ind[(size_t)k * K + q] = on ? 1.0 : 0.0;
                H[(size_t)k * K + q] = on ? yk : 0.0;
            }
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, d, c, 1.0, H, K, Xc, d, 1.0, acc, d);
        if (acc2) {
            for (size_t q = 0; q < (size_t)c * d; q++)
                X2[q] = Xc[q] * Xc[q];
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, d, c, 1.0, Ind, K, X2, d, 1.0, acc2, d);
        }
    }
cleanup:
    free(H);
    free(X2);
    free(Ind);
    return st;
}

static gfl_status fast_G_emp(const gfl_problem *pb, const double *X, const double *Y, int n, int K,
                             const double *w, const double *b, double *G, double *A)
{
    int d = pb->cfg.d;
    memset(G, 0, (size_t)K * d * sizeof(double));
    if (A)
        memset(A, 0, (size_t)K * sizeof(double));
    GFL_TRY(emp_accumulate(d, X, Y, NULL, n, K, w, b, G, NULL, A));
    for (size_t q = 0; q < (size_t)K * d; q++)
        G[q] /= n;
    for (int q = 0; A && q < K; q++)
        A[q] /= n;
    return GFL_OK;
}

/* Exact enumeration of {+-1}^d: P(x) = c(x) / 2^(d+2) with integer c(x), so
 * every partial sum c y x_j is an integer below 2^(d+2) + ... < 2^53 and the
 * double accumulation is exact; only the indicator can differ from the exact
 * one at a near-tie of <w,x> and b. */
static gfl_status G_enum(const gfl_problem *pb, int K, const double *w, const double *b, double *G)
{
    int d = pb->cfg.d;
    if (d > GFL_ENUM_MAX_D)
        GFL_ERROR(GFL_EINVAL, "enumeration of {+-1}^%d is too large (d <= %d)", d, GFL_ENUM_MAX_D);
    uint64_t npts = UINT64_C(1) << d;
    double pstr = gfl_parity_p_struct(pb);
    gfl_status st = GFL_OK;
    double *P = malloc((size_t)CHUNK * d * sizeof(double)), *Yc = malloc(CHUNK * sizeof(double));
    double *Wt = malloc(CHUNK * sizeof(double));
    if (!P || !Yc || !Wt) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the enumeration");
        goto cleanup;
    }
    memset(G, 0, (size_t)K * d * sizeof(double));
    for (uint64_t i0 = 0; i0 < npts; i0 += CHUNK) {
        int c = (int)(npts - i0 < CHUNK ? npts - i0 : CHUNK);
        for (int k = 0; k < c; k++) {
            gfl_parity_point(d, i0 + (uint64_t)k, P + (size_t)k * d);
            Yc[k] = gfl_parity_label(pb, i0 + (uint64_t)k);
            uint64_t cu, cs;
            gfl_parity_weight_parts(pb, i0 + (uint64_t)k, &cu, &cs);
            /* exact at p = 0, 1/2, 1 (the integer c(x)); rounded once otherwise */
            Wt[k] = (1.0 - pstr) * (double)cu + pstr * (double)cs;
        }
        if ((st = emp_accumulate(d, P, Yc, Wt, c, K, w, b, G, NULL, NULL)) != GFL_OK)
            goto cleanup;
    }
    for (size_t q = 0; q < (size_t)K * d; q++)
        G[q] = ldexp(G[q], -(d + 2));
cleanup:
    free(P);
    free(Yc);
    free(Wt);
    return st;
}

static gfl_status fast_G(const gfl_problem *pb, const gfl_sample *mc, int K, const double *w,
                         const double *b, double *G, double *se)
{
    int d = pb->cfg.d;
    switch (gfl_oracle_kind_of(pb->cfg.case_id, GFL_Q_G)) {
    case GFL_ORACLE_CLOSED_FORM:
        for (int q = 0; q < K; q++) {
            G_mixture(pb, w + (size_t)q * d, b[q], G + (size_t)q * d);
            se[q] = 0.0;
        }
        return GFL_OK;
    case GFL_ORACLE_ENUMERATION:
        for (int q = 0; q < K; q++)
            se[q] = 0.0;
        return G_enum(pb, K, w, b, G);
    default: {
        /* Monte Carlo: the mean of v = y x 1[.] with per-coordinate variance
         * E[x_j^2 1[.]] - G_j^2; se is the standard error in Euclidean norm. */
        if (!mc || mc->N <= 1)
            GFL_ERROR(GFL_EINVAL, "case %s needs a Monte Carlo sample", gfl_case_name(pb->cfg.case_id));
        double *S2 = calloc((size_t)K * d, sizeof(double));
        if (!S2)
            GFL_ERROR(GFL_ENOMEM, "out of memory for the oracle");
        memset(G, 0, (size_t)K * d * sizeof(double));
        gfl_status st = emp_accumulate(d, mc->X, mc->Y, NULL, mc->N, K, w, b, G, S2, NULL);
        if (st == GFL_OK)
            for (int q = 0; q < K; q++) {
                double v = 0.0;
                for (int j = 0; j < d; j++) {
                    double g = G[(size_t)q * d + j] / mc->N, m2 = S2[(size_t)q * d + j] / mc->N;
                    G[(size_t)q * d + j] = g;
                    v += fmax(m2 - g * g, 0.0) / (mc->N - 1);
                }
                se[q] = sqrt(v);
            }
        free(S2);
        return st;
    }
    }
}

static gfl_status fast_moments(const gfl_problem *pb, const gfl_sample *mc, gfl_moments *o)
{
    const gfl_config *c = &pb->cfg;
    int d = c->d;
    memset(o, 0, sizeof *o);
    switch (c->case_id) {
    case GFL_CASE_MOG:
    case GFL_CASE_XOR:
        /* B_x2 = sum_j pi_j (|mu_j|^2 + d s_j^2) [derived, SPEC 7] */
        for (int j = 0; j < pb->mix.ncomp; j++) {
            double n2 = 0.0;
            for (int i = 0; i < d; i++)
                n2 += pb->mix.mu[(size_t)j * d + i] * pb->mix.mu[(size_t)j * d + i];
            o->Bx2 += pb->mix.pi[j] * (n2 + d * pb->mix.s[j] * pb->mix.s[j]);
        }
        break;
    case GFL_CASE_PARITY:
    case GFL_CASE_PARITY_UNIFORM:
        o->Bx2 = d; /* |x| = sqrt(d) exactly */
        break;
    case GFL_CASE_LINEAR: {
        /* E[z^2 | |z| >= m] = 1 + m phi(m) / Q(m) for z ~ N(0,1) [derived] */
        double m = c->margin, Q = 0.5 * erfc(m / M_SQRT2);
        o->Bx2 = (d - 1) + 1.0 + m * phi(m) / Q;
        break;
    }
    case GFL_CASE_SLABS:
        o->Bx2 = gfl_slabs_Bx2(c);
        break;
    default:
        o->Bx2 = d;
        break;
    }
    o->kind_Bx2 = gfl_oracle_kind_of(c->case_id, GFL_Q_BX2);
    o->kind_Bx1 = gfl_oracle_kind_of(c->case_id, GFL_Q_BX1);
    o->Bx1 = sqrt(o->Bx2); /* exact for parity, the Jensen bound otherwise */
    if (mc && mc->N > 1) {
        double s = 0.0, s2 = 0.0;
        for (int k = 0; k < mc->N; k++) {
            double r = cblas_dnrm2(d, mc->X + (size_t)k * d, 1);
            s += r;
            s2 += r * r;
        }
        o->Bx1_mc = s / mc->N;
        o->Bx1_se = sqrt(fmax(s2 / mc->N - o->Bx1_mc * o->Bx1_mc, 0.0) / (mc->N - 1));
    }
    return GFL_OK;
}

const gfl_oracle_vt gfl_fast_oracle = {
    .name = "fast",
    .G = fast_G,
    .G_emp = fast_G_emp,
    .moments = fast_moments,
};
