/* gfl_bench: the two speeds make bench sets against each other
 * (docs/performance.md): the training steps of a path, and the BLAS matrix
 * product the fast path is built on, measured by the same process. */
#ifndef GFL_BENCH_H
#define GFL_BENCH_H

#include "gfl_engine.h"
#include "gfl_problem.h"

#define GFL_BENCH_DGEMM_MIN 16
#define GFL_BENCH_DGEMM_MAX 4096

/* Best GFLOP/s (2 N^3 flops per product) of cblas_dgemm on N x N matrices
 * over repetitions that last at least min_seconds in all (at least 3, after
 * one untimed warm-up).  GFL_EINVAL outside [GFL_BENCH_DGEMM_MIN,
 * GFL_BENCH_DGEMM_MAX], GFL_ENOMEM. */
gfl_status gfl_bench_dgemm(int N, double min_seconds, double *gflops, int *reps);

/* Seconds spent in vt->step over steps 1..T of pb (the batches are drawn
 * outside the timed calls; no evaluation), and the median of the T step
 * times (robust to another process taking the cores for a while). */
gfl_status gfl_bench_steps(const gfl_engine_vt *vt, const gfl_problem *pb, double *seconds, double *median);

#endif
