/* The fast path as the rest of gfl sees it (core/gfl_path.h): the double /
 * OpenBLAS engine and oracles, unit roundoff 2^-53, and its a-priori bounds
 * (gfl_fast_bounds.h) behind the descriptor. */
#include "gfl_fast.h"
#include "gfl_fast_bounds.h"
#include "gfl_fast_oracle.h"
#include "gfl_path.h"

static double fast_unit(long prec)
{
    (void)prec; /* double whatever --prec says */
    return GFL_U_DOUBLE;
}

/* The calling thread maps a buffer of its own at its first BLAS call. */
static int fast_buffers(unsigned long *bytes) { return gfl_fast_blas_buffers(1, bytes); }

const gfl_path gfl_fast_path = {
    .name = "fast",
    .summary = "double with OpenBLAS",
    .engine = &gfl_fast_engine,
    .oracle = &gfl_fast_oracle,
    .unit = fast_unit,
    .at_prec = 0,
    .bounds = &gfl_fast_bounds,
    .agreement_bits = NULL,
    .buffers = fast_buffers,
    .both_preset = GFL_PRESET_DEFAULT,
    .libs = {{"blas", gfl_fast_blas_version}},
};
