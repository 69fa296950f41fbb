/* gfl_pool: a fixed set of threads that run one job at a time (SPEC 9 "ref").
 * (A thread's library state, such as MPFR's per-thread caches, is its jobs'
 * to free: the ref engine runs a job that frees them before the pool goes.)
 *
 * The ref path splits every step into jobs (the forward pass over samples,
 * the gradients and updates over neurons).  A job is a function called once
 * on every thread of the pool with its index tid in [0, nthreads); index 0 is
 * the caller's own thread.  The pool decides nothing about the arithmetic: a
 * job that gives every output to exactly one index, computed in the order of
 * the single-threaded code, gives the same bits on any number of threads.
 * The threads are created once (with the engine) and wait on a condition
 * variable between jobs; run() returns when every index has finished, and
 * everything the job wrote is then visible to the caller. */
#ifndef GFL_POOL_H
#define GFL_POOL_H

#include "gfl_status.h"

typedef struct gfl_pool gfl_pool;
typedef void (*gfl_pool_job)(void *ctx, int tid, int nthreads);

/* nthreads >= 1 (1: no thread is created, jobs run in the caller).
 * GFL_EINVAL for nthreads < 1, GFL_ENOMEM when memory or threads run out. */
gfl_status gfl_pool_create(gfl_pool **pool, int nthreads);
/* Stops and joins the threads; NULL is a no-op. */
void gfl_pool_destroy(gfl_pool *pool);
int gfl_pool_size(const gfl_pool *pool);
/* job(ctx, tid, nthreads) on every index, the caller's thread as index 0. */
void gfl_pool_run(gfl_pool *pool, gfl_pool_job job, void *ctx);
/* The job on indices 1 .. nthreads - 1 only, in the background: start()
 * returns at once, the caller does other work (index 0's share, or anything
 * else), then wait() returns when those indices have finished.  No other job
 * may be started or run in between; with one thread both do nothing. */
void gfl_pool_start(gfl_pool *pool, gfl_pool_job job, void *ctx);
void gfl_pool_wait(gfl_pool *pool);
/* [lo, hi): the tid-th of nthreads contiguous, nearly equal parts of [0, len). */
void gfl_pool_part(int len, int tid, int nthreads, int *lo, int *hi);

#endif
