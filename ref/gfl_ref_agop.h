/* The ref path's average gradient outer product (gfl_engine_vt.agop). */
#ifndef GFL_REF_AGOP_H
#define GFL_REF_AGOP_H

#include <mpfr.h>

#include "gfl_engine.h"

/* The engine's parameters, read in place (defined in gfl_ref.c). */
void gfl_ref_params(void *eng, int *m, int *d, long *prec, mpfr_t **a, mpfr_t **W, mpfr_t **b);
gfl_status gfl_ref_agop(void *eng, const double *X, int n, double *M);

#endif
