/* AGOP on the ref path: M = (1/n) sum_k g_k g_k^T, g_k = sum_i a_i 1[h_ik > 0] w_i,
 * h_ik = <w_i, x_k> - b_i, every operation in MPFR at the engine's precision
 * (the sign of h_ik from a correctly rounded sum, so the indicator is exact);
 * one sample at a time (memory d + d^2 numbers), M rounded to double at the end. */
#include <stdlib.h>

#include "gfl_ref_agop.h"

gfl_status gfl_ref_agop(void *eng, const double *X, int n, double *M)
{
    int m, d;
    long prec;
    mpfr_t *a, *W, *b;
    gfl_ref_params(eng, &m, &d, &prec, &a, &W, &b);
    if (n <= 0)
        GFL_ERROR(GFL_EINVAL, "AGOP needs at least one sample");
    size_t nt = (size_t)d + (size_t)d * d + (size_t)m + 1;
    mpfr_t *v = malloc(nt * sizeof(mpfr_t));
    mpfr_ptr *ptr = malloc(((size_t)d + 1) * sizeof(mpfr_ptr));
    if (!v || !ptr) {
        free(v), free(ptr);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the AGOP");
    }
    for (size_t q = 0; q < nt; q++)
        mpfr_init2(v[q], (mpfr_prec_t)prec), mpfr_set_zero(v[q], 1);
    mpfr_t *g = v, *S = v + d, *terms = v + d + (size_t)d * d, *t = terms + m;
    /* terms[0..d]: the products of one dot product and -b_i, summed by mpfr_sum */
    mpfr_t *prod = malloc(((size_t)d + 1) * sizeof(mpfr_t));
    if (!prod) {
        for (size_t q = 0; q < nt; q++)
            mpfr_clear(v[q]);
        free(v), free(ptr);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the AGOP");
    }
    for (int j = 0; j <= d; j++) {
        mpfr_init2(prod[j], 2 * (mpfr_prec_t)prec + 64); /* a product of a prec-bit number and a double: exact */
        ptr[j] = prod[j];
    }
    for (int k = 0; k < n; k++) {
        const double *x = X + (size_t)k * d;
        for (int j = 0; j < d; j++)
            mpfr_set_zero(g[j], 1);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++)
                mpfr_mul_d(prod[j], W[(size_t)i * d + j], x[j], MPFR_RNDN);
            mpfr_neg(prod[d], b[i], MPFR_RNDN);
            mpfr_sum(*t, ptr, (unsigned long)d + 1, MPFR_RNDN);
            if (mpfr_sgn(*t) <= 0)
                continue;
            for (int j = 0; j < d; j++) {
                mpfr_mul(*t, a[i], W[(size_t)i * d + j], MPFR_RNDN);
                mpfr_add(g[j], g[j], *t, MPFR_RNDN);
            }
        }
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++) {
                mpfr_mul(*t, g[r], g[c], MPFR_RNDN);
                mpfr_add(S[(size_t)r * d + c], S[(size_t)r * d + c], *t, MPFR_RNDN);
            }
    }
    for (size_t q = 0; q < (size_t)d * d; q++) {
        mpfr_div_ui(S[q], S[q], (unsigned long)n, MPFR_RNDN);
        M[q] = mpfr_get_d(S[q], MPFR_RNDN);
    }
    (void)terms;
    for (int j = 0; j <= d; j++)
        mpfr_clear(prod[j]);
    for (size_t q = 0; q < nt; q++)
        mpfr_clear(v[q]);
    free(prod), free(v), free(ptr);
    return GFL_OK;
}
