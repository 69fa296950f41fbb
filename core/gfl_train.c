#include "gfl_train.h"
#include "gfl_testcase.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

gfl_status gfl_run_init(gfl_run *run, const gfl_config *cfg)
{
    memset(run, 0, sizeof *run);
    run->T = cfg->T;
    run->rec = calloc((size_t)cfg->T + 1, sizeof *run->rec);
    run->a = calloc((size_t)cfg->m, sizeof(double));
    run->W = calloc((size_t)cfg->m * (size_t)cfg->d, sizeof(double));
    if (!run->rec || !run->a || !run->W) {
        gfl_run_clear(run);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the trace");
    }
    return GFL_OK;
}

void gfl_run_clear(gfl_run *run)
{
    free(run->rec);
    free(run->a);
    free(run->W);
    free(run->a_exact);
    free(run->W_exact);
    memset(run, 0, sizeof *run);
}

void gfl_train_step_params(const gfl_config *cfg, int t, double *eta, double *lam, int *lam_inv_eta,
                           int *update_w)
{
    if (t == 1) {
        *eta = cfg->eta1;
        *lam = gfl_config_lam1(cfg);
        *lam_inv_eta = gfl_config_lam1_is_default(cfg);
    } else {
        *eta = cfg->eta;
        *lam = cfg->lam;
        *lam_inv_eta = 0;
    }
    *update_w = !cfg->random_features && !(cfg->freeze_w && t >= 2);
}

double gfl_clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static gfl_status evaluate(gfl_stepper *s, gfl_trace_rec *rec)
{
    GFL_TRY(gfl_stepper_evaluate(s, &rec->test_loss, &rec->test_error));
    rec->evaluated = 1;
    if (!isfinite(rec->test_loss))
        GFL_ERROR(GFL_ENUMERIC, "training produced a non-finite test loss at step %d", rec->t);
    return GFL_OK;
}

/* The final state without rounding it through double, for a dump that an
 * independent replay at higher precision can hold to the engine's own
 * precision (docs/formats.md). */
static gfl_status store_exact(const gfl_engine_vt *vt, void *eng, const gfl_config *c, gfl_run *run)
{
    int parts = vt->exact_parts(eng);
    size_t m = (size_t)c->m, md = m * (size_t)c->d;
    /* a run trained again (the chain's two passes) replaces its exact state */
    free(run->a_exact);
    free(run->W_exact);
    run->a_exact = run->W_exact = NULL;
    run->parts = 0;
    if (parts <= 1)
        return GFL_OK;
    run->a_exact = malloc(m * (size_t)parts * sizeof(double));
    run->W_exact = malloc(md * (size_t)parts * sizeof(double));
    if (!run->a_exact || !run->W_exact)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the exact final state");
    run->parts = parts;
    vt->store_exact(eng, parts, run->a_exact, run->W_exact);
    return GFL_OK;
}

/* Euclidean norm scaled by the largest entry, as BLAS dnrm2 (which the
 * steps' norms use) does: squares of entries above 1e154 overflow, their
 * norm need not. */
static double norm2_scaled(const double *v, size_t n)
{
    double mx = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        mx = fmax(mx, fabs(v[i]));
    if (!(mx > 0) || isinf(mx))
        return mx;
    for (size_t i = 0; i < n; i++)
        s += (v[i] / mx) * (v[i] / mx);
    return mx * sqrt(s);
}

gfl_status gfl_stepper_init(gfl_stepper *s, const gfl_engine_vt *vt, const gfl_problem *pb,
                            const gfl_config *cfg, int n_max)
{
    memset(s, 0, sizeof *s);
    s->vt = vt;
    s->pb = pb;
    s->cfg = cfg ? *cfg : pb->cfg;
    const gfl_config *c = &s->cfg;
    s->X = malloc((size_t)c->n * (size_t)c->d * sizeof(double));
    s->Y = malloc((size_t)c->n * sizeof(double));
    if (!s->X || !s->Y) {
        gfl_stepper_clear(s);
        GFL_ERROR(GFL_ENOMEM, "out of memory for a batch");
    }
    gfl_status st;
    if ((st = vt->create(&s->eng, c, n_max)) != GFL_OK || (st = vt->load(s->eng, pb->a0, pb->W0, pb->b)) != GFL_OK)
        gfl_stepper_clear(s);
    return st;
}

void gfl_stepper_draw(gfl_stepper *s)
{
    s->next = s->t + 1;
    gfl_train_step_params(&s->cfg, s->next, &s->eta, &s->lam, &s->lam_inv_eta, &s->update_w);
    gfl_problem_batch(s->pb, s->next, s->X, s->Y);
}

gfl_status gfl_stepper_step(gfl_stepper *s, const gfl_stepper *batch, gfl_step_info *info)
{
    if (batch->next != s->t + 1)
        GFL_ERROR(GFL_EINTERNAL, "stepper: the batch drawn is for step %d, not %d", batch->next, s->t + 1);
    GFL_TRY(s->vt->step(s->eng, batch->X, batch->Y, s->cfg.n, batch->eta, batch->lam, batch->lam_inv_eta,
                        batch->update_w, info));
    s->t++;
    return GFL_OK;
}

gfl_status gfl_stepper_evaluate(gfl_stepper *s, double *loss, double *err)
{
    return s->vt->evaluate(s->eng, s->pb->Xtest, s->pb->Ytest, s->cfg.n_test, loss, err);
}

int gfl_stepper_eval_due(const gfl_config *cfg, int t) { return t % cfg->eval_every == 0 || t == cfg->T; }

void gfl_stepper_clear(gfl_stepper *s)
{
    if (s->eng)
        s->vt->destroy(s->eng);
    free(s->X);
    free(s->Y);
    memset(s, 0, sizeof *s);
}

gfl_status gfl_train(const gfl_engine_vt *vt, const gfl_problem *pb, gfl_run *run,
                     gfl_step_hook hook, void *hook_ctx)
{
    const gfl_config *c = &pb->cfg;
    gfl_stepper sp;
    gfl_status st;
    int n_max = c->n > c->n_test ? c->n : c->n_test;
    if ((st = gfl_stepper_init(&sp, vt, pb, NULL, n_max)) != GFL_OK)
        return st;
    void *eng = sp.eng;
    double t0 = gfl_clock_seconds();
    run->rec[0].t = 0;
    run->rec[0].batch_loss = NAN;
    run->rec[0].grad_norm_a = NAN;
    vt->store(eng, run->a, run->W);
    run->rec[0].norm_a = norm2_scaled(run->a, (size_t)c->m);
    run->rec[0].norm_W = norm2_scaled(run->W, (size_t)c->m * c->d);
    /* the NaN guard of the steps below, at the initialization: weights whose
     * norm overflows even when scaled (--sigma-w 1e307) are no result either */
    if (!isfinite(run->rec[0].norm_a) || !isfinite(run->rec[0].norm_W)) {
        GFL_SET_ERROR(st, GFL_ENUMERIC, "training produced a non-finite value at step 0 (%s path): "
                      "|a| = %g, |W|_F = %g", vt->name, run->rec[0].norm_a, run->rec[0].norm_W);
        goto cleanup;
    }
    if ((st = evaluate(&sp, &run->rec[0])) != GFL_OK)
        goto cleanup;
    for (int t = 1; t <= c->T; t++) {
        gfl_step_info info;
        gfl_trace_rec *rec = &run->rec[t];
        gfl_stepper_draw(&sp);
        if ((st = gfl_stepper_step(&sp, &sp, &info)) != GFL_OK)
            goto cleanup;
        rec->t = t;
        rec->batch_loss = info.batch_loss;
        rec->grad_norm_a = info.grad_norm_a;
        rec->norm_a = info.norm_a;
        rec->norm_W = info.norm_W;
        /* the NaN guard: NaN and overflow to inf both stop the run */
        GFL_TESTCASE(isnan(info.batch_loss));
        GFL_TESTCASE(isinf(info.norm_a) || isinf(info.norm_W));
        if (!isfinite(info.batch_loss) || !isfinite(info.grad_norm_a) || !isfinite(info.norm_a) ||
            !isfinite(info.norm_W)) {
            GFL_SET_ERROR(st, GFL_ENUMERIC, "training produced a non-finite value at step %d (%s path)",
                          t, vt->name);
            goto cleanup;
        }
        if (gfl_stepper_eval_due(c, t))
            if ((st = evaluate(&sp, rec)) != GFL_OK)
                goto cleanup;
        if (hook && (st = hook(hook_ctx, t, eng, vt)) != GFL_OK)
            goto cleanup;
    }
    run->train_seconds = gfl_clock_seconds() - t0;
    vt->store(eng, run->a, run->W);
    if ((st = store_exact(vt, eng, c, run)) != GFL_OK)
        goto cleanup;
    run->test_loss = run->rec[c->T].test_loss;
    run->test_error = run->rec[c->T].test_error;
cleanup:
    gfl_stepper_clear(&sp);
    return st;
}
