/* gfl_fast: the double-precision path (SPEC 9 "fast"), BLAS-backed.
 * Batch products go through CBLAS (dgemm for X W^T and for the W-gradient,
 * dgemv for the a-gradient); everything else is plain loops.  All workspaces
 * are allocated in create(): the training loop allocates nothing. */
#ifndef GFL_FAST_H
#define GFL_FAST_H

#include "gfl_engine.h"

extern const gfl_engine_vt gfl_fast_engine;

const char *gfl_fast_blas_version(void);
/* How many buffers OpenBLAS maps by itself in this process (one per worker
 * thread, plus the calling thread's when calls_blas) and their size. */
int gfl_fast_blas_buffers(int calls_blas, unsigned long *bytes);

/* The fast path's descriptor (fast/gfl_fast_path.c; core/gfl_path.h). */
struct gfl_path;
extern const struct gfl_path gfl_fast_path;

#endif
