#include "gfl_data_check.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_check.h"
#include "gfl_report.h"
#include "gfl_stats.h"
#include "gfl_train.h"

void gfl_data_features_defaults(gfl_features_params *fp)
{
    /* Standardized features: |G(w, b)| is of order 0.1 to 1, and the
     * first-step directions of real data spread more than those of a
     * mixture: gamma = 0.2 (docs/data.md, measured on both data sets). */
    fp->gamma = 0.2;
    fp->B_G = 0.01;
    fp->p = 0.01;
}

gfl_status gfl_data_moments(const gfl_sample *pool, int d, gfl_moments *mom)
{
    int N = pool->N;
    if (N < 2)
        GFL_ERROR(GFL_EINVAL, "the feature pool needs at least 2 rows (has %d)", N);
    double s1 = 0, s2 = 0, q1 = 0, q2 = 0;
    for (int k = 0; k < N; k++) {
        double r2 = 0;
        for (int j = 0; j < d; j++)
            r2 += pool->X[(size_t)k * d + j] * pool->X[(size_t)k * d + j];
        double r = sqrt(r2);
        s1 += r, q1 += r * r, s2 += r2, q2 += r2 * r2;
    }
    mom->Bx1_mc = s1 / N;
    mom->Bx1_se = sqrt(fmax(q1 / N - mom->Bx1_mc * mom->Bx1_mc, 0.0) / (N - 1));
    mom->Bx2 = s2 / N;
    mom->Bx2_se = sqrt(fmax(q2 / N - mom->Bx2 * mom->Bx2, 0.0) / (N - 1));
    mom->Bx1 = sqrt(mom->Bx2); /* Jensen: E|x| <= sqrt(E|x|^2), both estimated */
    mom->kind_Bx1 = GFL_ORACLE_BOUND;
    mom->kind_Bx2 = GFL_ORACLE_MONTE_CARLO;
    return GFL_OK;
}

gfl_status gfl_data_population(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_sample *mc, int m,
                               const double *a, const double *W, const double *b, gfl_pop_value *out)
{
    memset(out, 0, sizeof *out);
    if (!mc || mc->N < 2)
        GFL_ERROR(GFL_EINVAL, "the held-out part needs at least 2 rows");
    int N = mc->N;
    gfl_config c = pb->cfg;
    c.m = m;
    void *eng = NULL;
    double *f = malloc((size_t)N * sizeof(double));
    if (!f)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the held-out part");
    gfl_status st = vt->create(&eng, &c, N);
    if (st == GFL_OK && (st = vt->load(eng, a, W, b)) == GFL_OK &&
        (st = vt->evaluate(eng, mc->X, mc->Y, N, &out->loss, &out->err)) == GFL_OK)
        st = vt->forward(eng, mc->X, N, f);
    if (eng)
        vt->destroy(eng);
    if (st != GFL_OK) {
        free(f);
        return st;
    }
    /* per-row spread (double; the mean above is the path's own) */
    double s = 0, s2 = 0, e = 0;
    for (int k = 0; k < N; k++) {
        double z = mc->Y[k] * f[k];
        double l = pb->cfg.loss == GFL_LOSS_HINGE ? fmax(0.0, 1 - z)
                                                  : (z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z))) / log(2.0);
        s += l, s2 += l * l, e += z <= 0;
    }
    free(f);
    double ml = s / N, me = e / N;
    out->sigma = sqrt(fmax(s2 / N - ml * ml, 0.0) * N / (N - 1));
    out->loss_se = out->sigma / sqrt((double)N);
    out->err_se = sqrt(me * (1 - me) / (N - 1));
    out->kind = GFL_ORACLE_MONTE_CARLO;
    out->N = N;
    return GFL_OK;
}

/* ---- logistic regression (Newton) ---- */

gfl_status gfl_data_logreg(const double *X, const double *Y, int N, int d, double lam, double tol, double *w,
                           double *c, int *iters)
{
    int p = d + 1; /* the intercept is the last parameter, not penalized */
    gfl_status st = GFL_OK;
    gsl_matrix *H = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_vector *g = gsl_vector_alloc((size_t)p), *step = gsl_vector_alloc((size_t)p);
    double *th = calloc((size_t)p, sizeof(double));
    if (!H || !g || !step || !th) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the logistic regression");
        goto cleanup;
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    *iters = 0;
    for (int it = 0; it < 100; it++) {
        gsl_matrix_set_zero(H);
        gsl_vector_set_zero(g);
        for (int k = 0; k < N; k++) {
            const double *x = X + (size_t)k * d;
            double z = th[d];
            for (int j = 0; j < d; j++)
                z += th[j] * x[j];
            double s = 1.0 / (1.0 + exp(Y[k] * z)); /* sigma(-y z) */
            double gk = -Y[k] * s / N, hk = s * (1 - s) / N;
            for (int i = 0; i < p; i++) {
                double xi = i < d ? x[i] : 1.0;
                *gsl_vector_ptr(g, (size_t)i) += gk * xi;
                for (int j = 0; j <= i; j++)
                    *gsl_matrix_ptr(H, (size_t)i, (size_t)j) += hk * xi * (j < d ? x[j] : 1.0);
            }
        }
        for (int i = 0; i < d; i++) {
            *gsl_vector_ptr(g, (size_t)i) += lam * th[i];
            *gsl_matrix_ptr(H, (size_t)i, (size_t)i) += lam;
        }
        *gsl_matrix_ptr(H, (size_t)d, (size_t)d) += 1e-12; /* a separable intercept stays solvable */
        for (int i = 0; i < p; i++)
            for (int j = 0; j < i; j++)
                gsl_matrix_set(H, (size_t)j, (size_t)i, gsl_matrix_get(H, (size_t)i, (size_t)j));
        if (gsl_linalg_cholesky_decomp1(H) != 0 || gsl_linalg_cholesky_solve(H, g, step) != 0) {
            gsl_set_error_handler(old);
            GFL_SET_ERROR(st, GFL_ENUMERIC, "logistic regression: the Newton system is singular");
            goto cleanup;
        }
        double dec = 0;
        for (int i = 0; i < p; i++)
            dec += gsl_vector_get(step, (size_t)i) * gsl_vector_get(g, (size_t)i);
        for (int i = 0; i < p; i++)
            th[i] -= gsl_vector_get(step, (size_t)i);
        *iters = it + 1;
        if (dec / 2 < tol) /* the Newton decrement bounds the suboptimality near the optimum */
            break;
    }
    gsl_set_error_handler(old);
    memcpy(w, th, (size_t)d * sizeof(double));
    *c = th[d];
cleanup:
    gsl_matrix_free(H);
    gsl_vector_free(g);
    gsl_vector_free(step);
    free(th);
    return st;
}

/* ---- the summary ---- */

static gfl_status arm(const gfl_engine_vt *vt, const gfl_problem *pb, int random_features, double *err, double *loss)
{
    gfl_problem p2 = *pb; /* shares the arrays: only the flag differs */
    gfl_run run;
    p2.cfg.random_features = random_features;
    GFL_TRY(gfl_run_init(&run, &p2.cfg));
    gfl_status st = gfl_train(vt, &p2, &run, NULL, NULL);
    *err = run.test_error;
    *loss = run.test_loss;
    gfl_run_clear(&run);
    return st;
}

static void cp(double err, int n, double level, double *lo, double *hi)
{
    gfl_stats_clopper_pearson(lround(err * n), n, level, lo, hi);
}

gfl_status gfl_data_summary_run(const gfl_config *cfg, const gfl_engine_vt *vt, double level, gfl_data_summary *s)
{
    gfl_problem pb;
    memset(s, 0, sizeof *s);
    GFL_TRY(gfl_problem_init(&pb, cfg));
    const gfl_dataset *ds = pb.data;
    s->N = ds->tab.N, s->d = ds->d, s->dropped = ds->tab.dropped;
    s->n_train = ds->n_train, s->n_feat = ds->n_feat, s->n_val = ds->n_val, s->n_test = ds->n_test;
    s->fresh = gfl_dataset_fresh_batches(ds, cfg->n);
    snprintf(s->pos, sizeof s->pos, "%s", ds->tab.pos);
    snprintf(s->neg, sizeof s->neg, "%s", ds->tab.neg);
    s->heldout = cfg->eval_part == GFL_PART_VALIDATION ? "validation" : "test";
    s->level = level;
    int nh = cfg->n_test;
    double rf_loss;
    gfl_status st = arm(vt, &pb, 0, &s->alg_err, &s->alg_loss);
    if (st == GFL_OK)
        st = arm(vt, &pb, 1, &s->rf_err, &rf_loss);
    double *w = malloc((size_t)s->d * sizeof(double)), c0 = 0;
    if (st == GFL_OK && !w)
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
    s->lr_lambda = 1e-3;
    if (st == GFL_OK)
        st = gfl_data_logreg(ds->Xtrain, ds->Ytrain, ds->n_train, s->d, s->lr_lambda, 1e-12, w, &c0, &s->lr_iters);
    if (st == GFL_OK) {
        int wrong = 0;
        for (int k = 0; k < nh; k++) {
            double z = c0;
            for (int j = 0; j < s->d; j++)
                z += w[j] * pb.Xtest[(size_t)k * s->d + j];
            wrong += pb.Ytest[k] * z <= 0; /* f = 0 counts as an error (SPEC 1) */
        }
        s->lr_err = (double)wrong / nh;
        cp(s->alg_err, nh, level, &s->alg_lo, &s->alg_hi);
        cp(s->rf_err, nh, level, &s->rf_lo, &s->rf_hi);
        cp(s->lr_err, nh, level, &s->lr_lo, &s->lr_hi);
    }
    free(w);
    gfl_problem_clear(&pb);
    return st;
}

gfl_status gfl_data_check_prune(const gfl_problem *pb, const gfl_engine_vt *vt, const gfl_oracle_vt *orc,
                                const gfl_features_params *fp, gfl_check_case *c)
{
    int nf = c->feat.nfeat;
    c->pruned = nf - c->members;
    if (c->members == 0 || c->members == nf)
        return GFL_OK; /* all in S, or none: OPT_hat stays N/A with its reason */
    int *keep = malloc((size_t)nf * sizeof(int));
    if (!keep)
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    for (int f = 0; f < nf; f++)
        keep[f] = c->feat.feat[f].member;
    gfl_status st = gfl_data_witness_keep(&c->wit, pb, keep);
    free(keep);
    GFL_TRY(st);
    gfl_features_clear(&c->feat);
    GFL_TRY(gfl_features_run(pb, &c->wit, vt, orc, fp, &c->feat));
    c->members = 0;
    for (int f = 0; f < c->feat.nfeat; f++)
        c->members += c->feat.feat[f].member;
    return GFL_OK;
}

/* ---- report ---- */

static int exact_links_pass(const gfl_check_case *c)
{
    static const int ex[] = {GFL_L_C1, GFL_L_C4, GFL_L_C5, GFL_L_C5G, GFL_L_C6, GFL_L_CHAIN, GFL_L_TIGHT};
    for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++)
        if (c->chain.link[ex[k]].verdict != GFL_V_PASS)
            return 0;
    return 1;
}

static void opt_interval(const gfl_check_case *c, double *v, double *lo, double *hi)
{
    /* the network OPT_hat comes from, on the held-out part, two-sided */
    const gfl_opt_result *o = &c->opt;
    const gfl_pop_value *pv = o->refit_done && o->refit_upper < o->witness_upper ? &o->refit : &o->witness;
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - o->level) / 2);
    *v = pv->loss;
    *lo = fmax(0.0, pv->loss - z * pv->loss_se);
    *hi = pv->loss + z * pv->loss_se;
}

void gfl_data_check_print(const gfl_check_case *c)
{
    const gfl_data_summary *s = c->data;
    if (!s)
        return;
    double v, lo, hi;
    opt_interval(c, &v, &lo, &hi);
    printf("data: %d rows x %d features%s; label +1 = {%s}, -1 = {%s}; split test %d, feature pool %d, "
           "validation %d, training pool %d (%d fresh batches of n = %d, then batch 1 again)\n",
           s->N, s->d, s->dropped ? " (constant columns dropped)" : "", s->pos, s->neg, s->n_test, s->n_feat,
           s->n_val, s->n_train, s->fresh, c->cfg.n);
    printf("%s error (f^(T), %d rows, Clopper-Pearson %g%%): Algorithm 1 %.4f [%.4f, %.4f]; random features "
           "(m = %d) %.4f [%.4f, %.4f]; logistic regression (L2 %g, %d Newton steps) %.4f [%.4f, %.4f]\n",
           s->heldout, c->cfg.n_test, 100 * s->level, s->alg_err, s->alg_lo, s->alg_hi, c->cfg.m, s->rf_err,
           s->rf_lo, s->rf_hi, s->lr_lambda, s->lr_iters, s->lr_err, s->lr_lo, s->lr_hi);
    printf("OPT_hat on the %s part: %.5g [%.5g, %.5g]%s; %d candidate feature(s) not in S dropped; tight chain "
           "%.5g vs measured min batch loss %.5g\n", s->heldout, v, lo, hi,
           c->opt.available ? "" : " (N/A: no candidate feature is in S)", c->pruned, c->chain.tight_bound,
           c->chain.min_batch_loss);
    printf("data-summary: alg_err=%.6g rf_err=%.6g lr_err=%.6g opt_hat=%.6g opt_lo=%.6g opt_hi=%.6g "
           "opt_available=%d tight=%.6g measured=%.6g exact_links=%s members=%d/%d\n\n",
           s->alg_err, s->rf_err, s->lr_err, v, lo, hi, c->opt.available, c->chain.tight_bound,
           c->chain.min_batch_loss, exact_links_pass(c) ? "PASS" : "NOT-PASS", c->members, c->feat.nfeat);
}

void gfl_data_check_json(json_t *o, const gfl_check_case *c)
{
    const gfl_data_summary *s = c->data;
    if (!s)
        return;
    double v, lo, hi;
    opt_interval(c, &v, &lo, &hi);
    json_t *j = json_object();
    json_object_set_new(j, "rows", json_integer(s->N));
    json_object_set_new(j, "d", json_integer(s->d));
    json_object_set_new(j, "dropped_columns", json_integer(s->dropped));
    json_object_set_new(j, "positive", json_string(s->pos));
    json_object_set_new(j, "negative", json_string(s->neg));
    json_object_set_new(j, "n_test", json_integer(s->n_test));
    json_object_set_new(j, "n_feature_pool", json_integer(s->n_feat));
    json_object_set_new(j, "n_validation", json_integer(s->n_val));
    json_object_set_new(j, "n_training_pool", json_integer(s->n_train));
    json_object_set_new(j, "fresh_batches", json_integer(s->fresh));
    json_object_set_new(j, "heldout", json_string(s->heldout));
    json_object_set_new(j, "alg1_error", gfl_json_real(s->alg_err));
    json_object_set_new(j, "alg1_error_ci", json_pack("[f,f]", s->alg_lo, s->alg_hi));
    json_object_set_new(j, "random_features_error", gfl_json_real(s->rf_err));
    json_object_set_new(j, "logistic_regression_error", gfl_json_real(s->lr_err));
    json_object_set_new(j, "logistic_regression_lambda", gfl_json_real(s->lr_lambda));
    json_object_set_new(j, "opt_hat_heldout", gfl_json_real(v));
    json_object_set_new(j, "opt_hat_ci", json_pack("[f,f]", lo, hi));
    json_object_set_new(j, "exact_links_pass", json_boolean(exact_links_pass(c)));
    json_object_set_new(j, "candidates_dropped", json_integer(c->pruned));
    json_object_set_new(o, "data", j);
}
