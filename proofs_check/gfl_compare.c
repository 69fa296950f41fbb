#include "gfl_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gfl_train.h"

double gfl_compare_rel(const double *r, const double *f, size_t len)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < len; i++) {
        double e = fabs(r[i] - f[i]);
        if (e > num || isnan(e))
            num = e;
        if (fabs(r[i]) > den)
            den = fabs(r[i]);
    }
    return den > 0.0 ? num / den : num;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void gfl_compare_clear(gfl_compare_result *res)
{
    free(res->steps);
    memset(res, 0, sizeof *res);
}

gfl_status gfl_compare_run(const gfl_problem *pb, const gfl_engine_vt *ref, const gfl_engine_vt *fast,
                           gfl_compare_result *res)
{
    const gfl_config *c = &pb->cfg;
    const gfl_engine_vt *vt[2] = {ref, fast};
    void *eng[2] = {NULL, NULL};
    size_t m = (size_t)c->m, md = m * (size_t)c->d, nm = (size_t)c->n * m, n = (size_t)c->n;
    gfl_status st = GFL_OK;
    memset(res, 0, sizeof *res);
    res->T = c->T;
    res->steps = calloc((size_t)c->T + 1, sizeof *res->steps);
    double *X = malloc(n * (size_t)c->d * sizeof(double)), *Y = malloc(n * sizeof(double));
    double *a[2], *W[2];
    unsigned char *relu[2], *hinge[2];
    double *blk = malloc((2 * m + 2 * md) * sizeof(double));
    unsigned char *dec = malloc(2 * (nm + n));
    if (!res->steps || !X || !Y || !blk || !dec) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the comparison");
        goto cleanup;
    }
    for (int p = 0; p < 2; p++) {
        a[p] = blk + (size_t)p * (m + md);
        W[p] = a[p] + m;
        relu[p] = dec + (size_t)p * (nm + n);
        hinge[p] = relu[p] + nm;
    }
    int n_max = c->n > c->n_test ? c->n : c->n_test;
    for (int p = 0; p < 2; p++)
        if ((st = vt[p]->create(&eng[p], c, n_max)) != GFL_OK ||
            (st = vt[p]->load(eng[p], pb->a0, pb->W0, pb->b)) != GFL_OK)
            goto cleanup;
    for (int t = 1; t <= c->T; t++) {
        double eta, lam;
        int lam_inv_eta, update_w;
        gfl_step_info info[2];
        gfl_compare_step *s = &res->steps[t];
        gfl_train_step_params(c, t, &eta, &lam, &lam_inv_eta, &update_w);
        gfl_problem_batch(pb, t, X, Y);
        for (int p = 0; p < 2; p++) {
            double t0 = now_seconds();
            if ((st = vt[p]->step(eng[p], X, Y, c->n, eta, lam, lam_inv_eta, update_w, &info[p])) != GFL_OK)
                goto cleanup;
            res->seconds[p] += now_seconds() - t0;
            vt[p]->decisions(eng[p], c->n, relu[p], hinge[p]);
            vt[p]->store(eng[p], a[p], W[p]);
        }
        s->t = t;
        s->rel_a = gfl_compare_rel(a[0], a[1], m);
        s->rel_W = gfl_compare_rel(W[0], W[1], md);
        s->rel_loss = gfl_compare_rel(&info[0].batch_loss, &info[1].batch_loss, 1);
        for (size_t q = 0; q < nm; q++)
            s->relu_split += relu[0][q] != relu[1][q];
        for (size_t q = 0; q < n; q++)
            s->hinge_split += hinge[0][q] != hinge[1][q];
        if (!res->first_split_step && (s->relu_split || s->hinge_split))
            res->first_split_step = t;
        if (t % c->eval_every == 0 || t == c->T) {
            double L[2], E[2];
            for (int p = 0; p < 2; p++) {
                double t0 = now_seconds();
                if ((st = vt[p]->evaluate(eng[p], pb->Xtest, pb->Ytest, c->n_test, &L[p], &E[p])) != GFL_OK)
                    goto cleanup;
                res->seconds[p] += now_seconds() - t0;
                res->test_loss[p] = L[p];
                res->test_error[p] = E[p];
            }
            s->evaluated = 1;
            s->rel_test_loss = gfl_compare_rel(&L[0], &L[1], 1);
        }
        /* Differences after a split are expected to grow; the tolerance of
         * SPEC 9 applies before it (the split step itself already differs). */
        if (!res->first_split_step) {
            res->max_rel_a = fmax(res->max_rel_a, s->rel_a);
            res->max_rel_W = fmax(res->max_rel_W, s->rel_W);
            res->max_rel_loss = fmax(res->max_rel_loss, fmax(s->rel_loss, s->rel_test_loss));
        }
    }
    res->max_rel_diff = fmax(res->max_rel_a, fmax(res->max_rel_W, res->max_rel_loss));
cleanup:
    for (int p = 0; p < 2; p++)
        if (eng[p])
            vt[p]->destroy(eng[p]);
    free(X);
    free(Y);
    free(blk);
    free(dec);
    return st;
}
