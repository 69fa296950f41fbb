/* Linear algebra of the phenomena experiments: LAPACKE for the symmetric
 * eigendecompositions (AGOP^(1/2), top eigenvectors), BLAS for W^T W. */
#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_phen_util.h"

gfl_status gfl_phen_eigh(double *S, int d, double *ev)
{
    /* S symmetric: its row-major and column-major layouts agree; LAPACK's
     * column q (eigenvector q) is row q of the row-major array. */
    lapack_int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', d, S, d, ev);
    if (info != 0)
        GFL_ERROR(GFL_EINTERNAL, "LAPACKE_dsyev failed (info %d)", (int)info);
    return GFL_OK;
}

gfl_status gfl_phen_top_direction(const double *W, int m, int d, double *v)
{
    double *S = calloc((size_t)d * d, sizeof(double)), *ev = malloc((size_t)d * sizeof(double));
    gfl_status st = GFL_OK;
    if (!S || !ev) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for an eigendecomposition");
        goto done;
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, m, 1.0, W, d, W, d, 0.0, S, d);
    if ((st = gfl_phen_eigh(S, d, ev)) == GFL_OK)
        memcpy(v, S + (size_t)(d - 1) * d, (size_t)d * sizeof(double));
done:
    free(S);
    free(ev);
    return st;
}
