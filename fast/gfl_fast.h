/* gfl_fast: the double-precision path (SPEC 9 "fast"), BLAS-backed.
 * Batch products go through CBLAS (dgemm for X W^T and for the W-gradient,
 * dgemv for the a-gradient); everything else is plain loops.  All workspaces
 * are allocated in create(): the training loop allocates nothing. */
#ifndef GFL_FAST_H
#define GFL_FAST_H

#include "gfl_engine.h"

extern const gfl_engine_vt gfl_fast_engine;

const char *gfl_fast_blas_version(void);

#endif
