#include "gfl_limits.h"

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define MB (1024.0 * 1024.0)

double gfl_limits_mpfr_bytes(long prec)
{
    /* mpfr_init2 mallocs ceil(prec / 64) limbs plus one limb that records the
     * size; glibc's malloc adds 8 bytes and rounds up to 16, at least 32. */
    double req = (double)((prec + 63) / 64 + 1) * 8.0;
    double chunk = fmax(32.0, 16.0 * ceil((req + 8.0) / 16.0));
    return 32.0 + chunk; /* sizeof(mpfr_t) is 32 bytes on LP64 */
}

/* One engine's parameters and workspaces for batches of nb samples
 * (ref/gfl_ref.c and fast/gfl_fast.c, create()): a, b, grad_a (m), W and
 * grad_W (m d), and per sample the outputs, the hidden layer (m) and, in the
 * ref path, the batch itself (d), read into MPFR. */
static double engine_bytes(const gfl_config *c, int ref, double nb, long prec)
{
    double m = c->m, d = c->d;
    if (ref)
        return gfl_limits_mpfr_bytes(prec) * (3 * m + 2 * m * d + nb * d + nb * m + 2 * nb) +
               8.0 * (3 * m + 2 * m * d + nb * d + nb * m + 2 * nb); /* the arrays of mpfr_t */
    return 8.0 * (3 * m + 2 * m * d + 2 * nb * m + 2 * nb);
}

double gfl_limits_need(const gfl_config *c, const gfl_limits_job *job)
{
    double m = c->m, d = c->d, n = c->n, nt = c->n_test, md = m * d;
    double nmax = fmax(n, nt);
    /* the instance: a0, b, W0 and the test set (core/gfl_problem.c) */
    double bytes = 8.0 * (2 * m + md + nt * d + nt);
    switch (job->work) {
    case GFL_WORK_TRAIN: /* core/gfl_train.c: one engine, the final a and W, a batch, the trace */
        bytes += engine_bytes(c, job->ref, nmax, c->prec) + 8.0 * (m + md + n * d + n) + 64.0 * c->T;
        break;
    case GFL_WORK_FEATURES: { /* proofs_check/gfl_features.c */
        double N = (double)job->n_init, mc = (double)job->n_mc;
        bytes += engine_bytes(c, job->ref, n, c->prec) + 8.0 * (2 * N * d + N * (d + 4)) +
                 8.0 * (mc * d + mc) + 8.0 * (n * d + n + 2 * md + m);
        break;
    }
    case GFL_WORK_CHECK: /* the features of one seed, then proofs_check/gfl_chain.c:
                          * three engines (the witness network, two copies of the model) */
        bytes += 8.0 * ((double)job->n_init * (3 * d + 4) + (double)job->n_mc * (d + 1)) +
                 3 * engine_bytes(c, job->ref, n, c->prec) + 8.0 * (8 * md + 12 * m + n * d + n);
        break;
    default: /* compare (proofs_check/gfl_compare.c): both paths, the ref one again
              * with extra precision for the self-check, four copies of (a, W) */
        bytes += engine_bytes(c, 0, nmax, c->prec) + engine_bytes(c, 1, nmax, c->prec) +
                 engine_bytes(c, 1, n, c->prec + 128) + 8.0 * (4 * m + 4 * md + n * d + n) +
                 2 * (nmax * m + nmax) + 64.0 * c->T;
        break;
    }
    /* what is not modelled (JSON documents, reports, small buffers) */
    return bytes * 1.05 + 8 * MB;
}

void gfl_limits_env_read(gfl_limits_env *env, unsigned long buffer_bytes)
{
    struct rlimit rl;
    env->as_limit = INFINITY;
    env->as_used = 0;
    env->phys = INFINITY;
    env->buffers = 0;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        env->as_limit = (double)rl.rlim_cur;
    long psz = sysconf(_SC_PAGE_SIZE), pages = sysconf(_SC_PHYS_PAGES);
    if (psz > 0 && pages > 0)
        env->phys = (double)pages * (double)psz;
    /* "start-end perms offset dev inode [path]": anonymous ones have inode 0
     * and no path; the sizes add up to VmSize, what RLIMIT_AS limits */
    FILE *f = fopen("/proc/self/maps", "r");
    char line[600];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, inode;
        int end = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %lu %n", &lo, &hi, &inode, &end) != 3)
            continue;
        env->as_used += (double)(hi - lo);
        env->buffers += inode == 0 && line[end] == '\0' && hi - lo == buffer_bytes;
    }
    if (f)
        fclose(f);
    /* a container's memory.max (cgroup v2) is the machine as far as we are concerned */
    double cg;
    f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (f) {
        if (fscanf(f, "%lf", &cg) == 1 && cg > 0 && cg < env->phys)
            env->phys = cg;
        fclose(f);
    }
}

gfl_status gfl_limits_fit(double need, double reserve, const gfl_limits_env *env, const char *what)
{
    if (need > env->phys)
        GFL_ERROR(GFL_ENOMEM, "%s needs about %.0f MB of memory, more than the %.0f MB of this machine",
                  what, need / MB, env->phys / MB);
    double left = env->as_limit - env->as_used;
    if (need + reserve > left)
        GFL_ERROR(GFL_ENOMEM, "%s needs about %.0f MB of address space (%.0f MB of arrays, %.0f MB "
                  "of OpenBLAS buffers), but the limit (ulimit -v) leaves %.0f MB",
                  what, (need + reserve) / MB, need / MB, reserve / MB, fmax(left, 0.0) / MB);
    return GFL_OK;
}

gfl_status gfl_limits_check(const gfl_config *cfg, const gfl_limits_job *job, int buffers,
                            unsigned long buffer_bytes)
{
    return gfl_limits_check_path(cfg, job, job->ref ? "ref" : "fast", buffers, buffer_bytes);
}

gfl_status gfl_limits_check_path(const gfl_config *cfg, const gfl_limits_job *job, const char *path,
                                 int buffers, unsigned long buffer_bytes)
{
    static const char *const names[] = {"train", "features", "check"};
    char what[64];
    gfl_limits_env env;
    gfl_limits_env_read(&env, buffer_bytes);
    double reserve = buffers > env.buffers ? (double)(buffers - env.buffers) * (double)buffer_bytes : 0.0;
    if (job->work == GFL_WORK_COMPARE)
        snprintf(what, sizeof what, "compare");
    else
        snprintf(what, sizeof what, "%s on the %s path", names[job->work], path);
    return gfl_limits_fit(gfl_limits_need(cfg, job), reserve, &env, what);
}
