/* AGOP on the fast path: for a chunk of at most CHUNK samples, H = X W^T,
 * D = a 1[H > b] (chunk x m), Gx = D W (chunk x d, row k = grad_x f(x_k)),
 * M += Gx^T Gx; memory O(CHUNK (m + d) + d^2) whatever n. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_fast.h"

#define CHUNK 1024

gfl_status gfl_fast_agop(void *eng, const double *X, int n, double *M)
{
    int m, d;
    const double *a, *W, *b;
    gfl_fast_params(eng, &m, &d, &a, &W, &b);
    if (n <= 0)
        GFL_ERROR(GFL_EINVAL, "AGOP needs at least one sample");
    int c0 = n < CHUNK ? n : CHUNK;
    double *H = malloc((size_t)c0 * m * sizeof(double)), *G = malloc((size_t)c0 * d * sizeof(double));
    if (!H || !G) {
        free(H), free(G);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the AGOP");
    }
    memset(M, 0, (size_t)d * d * sizeof(double));
    for (int k0 = 0; k0 < n; k0 += CHUNK) {
        int c = n - k0 < CHUNK ? n - k0 : CHUNK;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, m, d, 1.0, X + (size_t)k0 * d, d, W, d, 0.0, H, m);
        for (int k = 0; k < c; k++)
            for (int i = 0; i < m; i++) {
                double *h = &H[(size_t)k * m + i];
                *h = *h > b[i] ? a[i] : 0.0; /* fl(<w,x>) > b: the pre-activation's sign in double */
            }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c, d, m, 1.0, H, m, W, d, 0.0, G, d);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, c, 1.0, G, d, G, d, 1.0, M, d);
    }
    for (size_t q = 0; q < (size_t)d * d; q++)
        M[q] /= n;
    free(H), free(G);
    return GFL_OK;
}
