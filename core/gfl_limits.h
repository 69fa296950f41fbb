/* gfl_limits: how much memory a run needs, and whether this process may have
 * it -- asked before any work, so that a run too large for `ulimit -v` or for
 * the machine is refused with one line (GFL_ENOMEM, exit 3) instead of dying
 * inside a library: GMP aborts when an allocation fails, and OpenBLAS 0.3.21
 * retries a failed mmap of its buffer forever (docs/limits.md). */
#ifndef GFL_LIMITS_H
#define GFL_LIMITS_H

#include "gfl_config.h"

typedef enum { GFL_WORK_TRAIN = 0, GFL_WORK_FEATURES, GFL_WORK_CHECK, GFL_WORK_COMPARE } gfl_work;

typedef struct {
    gfl_work work;
    int ref;           /* 1: a path at cfg->prec bits, MPFR (compare always runs both) */
    long n_init, n_mc; /* features: draws of the init law, Monte Carlo sample size */
} gfl_limits_job;

/* What the process may still take, read once: the soft RLIMIT_AS, the address
 * space mapped now and, in the same snapshot of /proc/self/maps, how many
 * anonymous mappings have exactly the size of a library buffer (OpenBLAS
 * maps its buffers from threads of its own: one snapshot for both numbers
 * keeps a buffer from being counted twice or not at all); physical memory
 * (sysconf, lowered to a cgroup v2 memory.max when one is set).  as_limit
 * and phys are INFINITY when unlimited or unknown. */
typedef struct {
    double as_limit, as_used, phys;
    int buffers;
} gfl_limits_env;

/* Bytes of every array the job allocates (parameters, batches, test set,
 * engine workspaces; an MPFR number counted with its limbs and malloc
 * overhead), plus a margin for the small allocations not modelled. */
double gfl_limits_need(const gfl_config *cfg, const gfl_limits_job *job);
/* Bytes of one MPFR number of prec bits: the mpfr_t and its malloc'd limbs. */
double gfl_limits_mpfr_bytes(long prec);
void gfl_limits_env_read(gfl_limits_env *env, unsigned long buffer_bytes);
/* GFL_ENOMEM with one line when `need` bytes of arrays, plus `reserve` bytes
 * that libraries will still map on their own (OpenBLAS's buffers), do not fit
 * in env: in the address space left under RLIMIT_AS, or in physical memory. */
gfl_status gfl_limits_fit(double need, double reserve, const gfl_limits_env *env, const char *what);
/* The whole check for a job in this process: env read now; of the `buffers`
 * library buffers of buffer_bytes each that the job will have mapped (OpenBLAS:
 * gfl_fast_blas_buffers), those not mapped yet are reserved. */
gfl_status gfl_limits_check(const gfl_config *cfg, const gfl_limits_job *job, int buffers,
                            unsigned long buffer_bytes);
/* The same, the message naming the path (core/gfl_path.h) the job runs on. */
gfl_status gfl_limits_check_path(const gfl_config *cfg, const gfl_limits_job *job, const char *path,
                                 int buffers, unsigned long buffer_bytes);

#endif
