#include "gfl_pool.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct {
    struct gfl_pool *pool;
    int tid;
} worker_arg;

struct gfl_pool {
    int nthreads;
    worker_arg *args;     /* the workers' arguments (freed with the pool, so a
                           * worker allocates and frees nothing itself) */
    int started;          /* worker threads created (indices 1..started) */
    pthread_t *tids;
    pthread_mutex_t mu;
    pthread_cond_t go;    /* a new job or the stop request */
    pthread_cond_t done;  /* the last worker finished the job */
    unsigned long gen;    /* job counter: a change means a new job */
    int pending;          /* workers still running the current job */
    int stop;
    gfl_pool_job job;
    void *ctx;
};

static void *worker(void *p)
{
    const worker_arg *w = p;
    gfl_pool *pool = w->pool;
    int tid = w->tid;
    pthread_mutex_lock(&pool->mu);
    unsigned long seen = 0; /* gen starts at 0: a job posted before this line is not missed */
    for (;;) {
        while (pool->gen == seen && !pool->stop)
            pthread_cond_wait(&pool->go, &pool->mu);
        if (pool->stop)
            break;
        seen = pool->gen;
        gfl_pool_job job = pool->job;
        void *ctx = pool->ctx;
        pthread_mutex_unlock(&pool->mu);
        job(ctx, tid, pool->nthreads);
        pthread_mutex_lock(&pool->mu);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

void gfl_pool_destroy(gfl_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->stop = 1;
    pthread_cond_broadcast(&pool->go);
    pthread_mutex_unlock(&pool->mu);
    for (int t = 0; t < pool->started; t++)
        pthread_join(pool->tids[t], NULL);
    pthread_cond_destroy(&pool->go);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->mu);
    free(pool->tids);
    free(pool->args);
    free(pool);
}

gfl_status gfl_pool_create(gfl_pool **out, int nthreads)
{
    *out = NULL;
    if (nthreads < 1)
        GFL_ERROR(GFL_EINVAL, "a worker pool needs at least one thread (got %d)", nthreads);
    gfl_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the worker pool");
    pool->nthreads = nthreads;
    pool->tids = malloc((size_t)nthreads * sizeof *pool->tids);
    pool->args = malloc((size_t)nthreads * sizeof *pool->args);
    if (!pool->tids || !pool->args) {
        free(pool->tids);
        free(pool->args);
        free(pool);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the worker pool");
    }
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->go, NULL);
    pthread_cond_init(&pool->done, NULL);
    for (int t = 1; t < nthreads; t++) {
        worker_arg *w = &pool->args[t];
        w->pool = pool;
        w->tid = t;
        if (pthread_create(&pool->tids[t - 1], NULL, worker, w) != 0) { /* LCOV_EXCL_START: needs exhausted threads */
            gfl_pool_destroy(pool);
            GFL_ERROR(GFL_ENOMEM, "cannot start worker thread %d of %d", t, nthreads);
        } /* LCOV_EXCL_STOP */
        pool->started = t;
    }
    *out = pool;
    return GFL_OK;
}

int gfl_pool_size(const gfl_pool *pool) { return pool->nthreads; }

void gfl_pool_start(gfl_pool *pool, gfl_pool_job job, void *ctx)
{
    if (pool->nthreads == 1)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->job = job;
    pool->ctx = ctx;
    pool->pending = pool->nthreads - 1;
    pool->gen++;
    pthread_cond_broadcast(&pool->go);
    pthread_mutex_unlock(&pool->mu);
}

void gfl_pool_wait(gfl_pool *pool)
{
    if (pool->nthreads == 1)
        return;
    pthread_mutex_lock(&pool->mu);
    while (pool->pending > 0)
        pthread_cond_wait(&pool->done, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
}

void gfl_pool_run(gfl_pool *pool, gfl_pool_job job, void *ctx)
{
    gfl_pool_start(pool, job, ctx);
    job(ctx, 0, pool->nthreads);
    gfl_pool_wait(pool);
}

void gfl_pool_part(int len, int tid, int nthreads, int *lo, int *hi)
{
    *lo = (int)((long long)len * tid / nthreads);
    *hi = (int)((long long)len * (tid + 1) / nthreads);
}
