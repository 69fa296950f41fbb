#include "gfl_bench.h"

#include <cblas.h>
#include <stdlib.h>

#include "gfl_train.h"

gfl_status gfl_bench_dgemm(int N, double min_seconds, double *gflops, int *reps)
{
    if (N < GFL_BENCH_DGEMM_MIN || N > GFL_BENCH_DGEMM_MAX)
        GFL_ERROR(GFL_EINVAL, "dgemm size %d outside [%d, %d]", N, GFL_BENCH_DGEMM_MIN, GFL_BENCH_DGEMM_MAX);
    size_t nn = (size_t)N * (size_t)N;
    double *A = malloc(3 * nn * sizeof(double));
    if (!A)
        GFL_ERROR(GFL_ENOMEM, "out of memory for three %d x %d matrices", N, N);
    double *B = A + nn, *C = B + nn;
    for (size_t q = 0; q < nn; q++) { /* values of order 1, no denormals */
        A[q] = 1.0 + (double)(q % 17) / 16.0;
        B[q] = 1.0 - (double)(q % 13) / 16.0;
        C[q] = 0.0;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, A, N, B, N, 0.0, C, N);
    double best = 0.0, total = 0.0;
    int r = 0;
    while (r < 3 || total < min_seconds) {
        double t0 = gfl_clock_seconds();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, A, N, B, N, 0.0, C, N);
        double dt = gfl_clock_seconds() - t0;
        total += dt;
        r++;
        if (dt > 0.0 && 2.0 * (double)N * (double)N * (double)N / dt / 1e9 > best)
            best = 2.0 * (double)N * (double)N * (double)N / dt / 1e9;
    }
    free(A);
    *gflops = best;
    *reps = r;
    return GFL_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

gfl_status gfl_bench_steps(const gfl_engine_vt *vt, const gfl_problem *pb, double *seconds, double *median)
{
    const gfl_config *c = &pb->cfg;
    void *eng = NULL;
    gfl_status st;
    double *X = malloc((size_t)c->n * (size_t)c->d * sizeof(double)), *Y = malloc((size_t)c->n * sizeof(double));
    double *dt = malloc((size_t)c->T * sizeof(double));
    *seconds = *median = 0.0;
    if (!X || !Y || !dt) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for a batch of %d", c->n);
        goto done;
    }
    if ((st = vt->create(&eng, c, c->n)) != GFL_OK || (st = vt->load(eng, pb->a0, pb->W0, pb->b)) != GFL_OK)
        goto done;
    for (int t = 1; t <= c->T; t++) {
        double eta, lam;
        int lam_inv_eta, update_w;
        gfl_step_info info;
        gfl_train_step_params(c, t, &eta, &lam, &lam_inv_eta, &update_w);
        gfl_problem_batch(pb, t, X, Y);
        double t0 = gfl_clock_seconds();
        if ((st = vt->step(eng, X, Y, c->n, eta, lam, lam_inv_eta, update_w, &info)) != GFL_OK)
            goto done;
        dt[t - 1] = gfl_clock_seconds() - t0;
        *seconds += dt[t - 1];
    }
    qsort(dt, (size_t)c->T, sizeof *dt, cmp_double);
    *median = c->T % 2 ? dt[c->T / 2] : 0.5 * (dt[c->T / 2 - 1] + dt[c->T / 2]);
done:
    if (eng)
        vt->destroy(eng);
    free(X);
    free(Y);
    free(dt);
    return st;
}
