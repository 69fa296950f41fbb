/* gfl_phen: the framework of the phenomena experiments (SPEC 8) and the
 * helpers they share (gfl_phen_util.h); the experiments are in gfl_phen_*.c
 * and docs/phenomena.md gives each claim, anchor, design, pilot and threshold. */
#include "gfl_phen.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_phen_util.h"
#include "gfl_plot.h"
#include "gfl_problem.h"
#include "gfl_train.h"

const gfl_phen_experiment gfl_phen_experiments[] = {
    {"beyond-kernel",
     "Algorithm 1 learns structured parity with at most 2% test error where random features and the lazy "
     "regime stay at 20% or more at the same width",
     "Daniely & Malach 2020; Refinetti et al. 2021; SPEC 8", gfl_phen_beyond_kernel},
    {"simplicity-bias",
     "on LMS-5 slabs the trained network relies on the linear coordinate only: accuracy about 1.0 clean, "
     "0.5 with the linear coordinate randomized, 1.0 with the slabs randomized",
     "Shah et al. 2020, The pitfalls of simplicity bias, LMS-5 (d = 50): 1.000 / 0.507 / 1.000", gfl_phen_simplicity_bias},
    {"lottery-ticket",
     "a few neurons found by Algorithm 1 (ranked by |a_i| |w_i|) carry the function: keeping 5% or fewer "
     "matches the dense test error within 1 point; random pruning does markedly worse",
     "Frankle & Carbin 2019; Edelman et al. 2023 (width as parallel search)", gfl_phen_lottery_ticket},
    {"distributions",
     "on the mixture p structured + (1 - p) uniform parity, the first-step feature mass in span(e_A) and "
     "the learning rise with p: error near 0 at p >= 0.25",
     "Shi, Wei & Liang ICLR 2022; Abbe et al. 2023; SPEC 8", gfl_phen_distributions},
    {"feature-matrix",
     "the feature matrix W^T W of the trained network aligns with its average gradient outer product "
     "(cosine and Pearson with AGOP^(1/2) at least 0.9 on parity and multiindex, well above initialization)",
     "Radhakrishnan et al. 2024 (neural feature ansatz); the seed's intuition slide", gfl_phen_feature_matrix},
};
const int gfl_phen_nexperiments = sizeof gfl_phen_experiments / sizeof gfl_phen_experiments[0];

const gfl_phen_experiment *gfl_phen_find(const char *name)
{
    for (int i = 0; i < gfl_phen_nexperiments; i++)
        if (strcmp(gfl_phen_experiments[i].name, name) == 0)
            return &gfl_phen_experiments[i];
    return NULL;
}

void gfl_phen_result_clear(gfl_phen_result *r)
{
    if (r->json)
        json_decref(r->json);
    free(r->md);
    memset(r, 0, sizeof *r);
}

void gfl_phen_interval(const double *v, int n, gfl_phen_ci *ci)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    ci->n = n;
    ci->mean = s / n;
    for (int i = 0; i < n; i++)
        s2 += (v[i] - ci->mean) * (v[i] - ci->mean);
    ci->sd = n > 1 ? sqrt(s2 / (n - 1)) : NAN;
    double h = n > 1 ? gsl_cdf_tdist_Pinv(0.975, n - 1) * ci->sd / sqrt((double)n) : NAN;
    ci->lo = ci->mean - h;
    ci->hi = ci->mean + h;
}

json_t *gfl_phen_ci_json(const gfl_phen_ci *ci)
{
    return json_pack("{s:f,s:f,s:f,s:f,s:i}", "mean", ci->mean, "lo", ci->lo, "hi", ci->hi, "sd",
                     isfinite(ci->sd) ? ci->sd : 0.0, "n", ci->n);
}

void gfl_phen_model_clear(gfl_phen_model *m)
{
    free(m->a), free(m->W), free(m->W1), free(m->a1), free(m->a0), free(m->W0), free(m->b);
    free(m->Xtest), free(m->Ytest);
    memset(m, 0, sizeof *m);
}

typedef struct {
    double *W1, *a1;
} hook_ctx;

static gfl_status keep_step1(void *ctx, int t, void *eng, const gfl_engine_vt *vt)
{
    hook_ctx *h = ctx;
    if (t == 1)
        vt->store(eng, h->a1, h->W1);
    return GFL_OK;
}

static double *dup(const double *v, size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof(double));
    if (p && n)
        memcpy(p, v, n * sizeof(double));
    return p;
}

gfl_status gfl_phen_train(const gfl_path *path, const gfl_config *cfg, const double *a0, const double *W0, const double *b,
                          gfl_phen_model *out)
{
    memset(out, 0, sizeof *out);
    out->cfg = *cfg;
    gfl_problem pb;
    GFL_TRY(gfl_problem_init(&pb, cfg));
    size_t m = (size_t)cfg->m, d = (size_t)cfg->d, nt = (size_t)cfg->n_test;
    if (a0)
        memcpy(pb.a0, a0, m * sizeof(double));
    if (W0)
        memcpy(pb.W0, W0, m * d * sizeof(double));
    if (b)
        memcpy(pb.b, b, m * sizeof(double));
    gfl_run run;
    gfl_status st = gfl_run_init(&run, cfg);
    if (st != GFL_OK) {
        gfl_problem_clear(&pb);
        return st;
    }
    out->W1 = calloc(m * d, sizeof(double));
    out->a1 = calloc(m, sizeof(double));
    out->a0 = dup(pb.a0, m), out->W0 = dup(pb.W0, m * d), out->b = dup(pb.b, m);
    out->Xtest = dup(pb.Xtest, nt * d), out->Ytest = dup(pb.Ytest, nt);
    if (!out->W1 || !out->a1 || !out->a0 || !out->W0 || !out->b || !out->Xtest || !out->Ytest) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for an experiment run");
        goto done;
    }
    hook_ctx h = {out->W1, out->a1};
    if ((st = gfl_train(path->engine, &pb, &run, keep_step1, &h)) != GFL_OK)
        goto done;
    out->test_error = run.test_error;
    out->a = run.a, out->W = run.W;
    run.a = run.W = NULL;
done:
    gfl_run_clear(&run);
    gfl_problem_clear(&pb);
    if (st != GFL_OK)
        gfl_phen_model_clear(out);
    return st;
}

gfl_status gfl_phen_error(const gfl_path *path, const gfl_config *cfg, int m, const double *a, const double *W, const double *b,
                          const double *X, const double *Y, int n, double *err)
{
    gfl_config c = *cfg;
    c.m = m;
    void *eng;
    const gfl_engine_vt *vt = path->engine;
    GFL_TRY(vt->create(&eng, &c, n));
    double loss;
    gfl_status st = vt->load(eng, a, W, b);
    if (st == GFL_OK)
        st = vt->evaluate(eng, X, Y, n, &loss, err);
    vt->destroy(eng);
    return st;
}

/* ---- shared reporting helpers (gfl_phen_util.h) ---- */

void gfl_phen_log(const gfl_phen_opts *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->log, fmt, ap);
    va_end(ap);
    fflush(o->log);
}

gfl_status gfl_phen_md_open(gfl_phen_md *w, gfl_phen_result *r)
{
    r->md = NULL;
    r->md_len = 0;
    w->f = open_memstream(&r->md, &r->md_len);
    if (!w->f)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the report");
    return GFL_OK;
}

void gfl_phen_md_close(gfl_phen_md *w)
{
    if (w->f)
        fclose(w->f);
    w->f = NULL;
}

void gfl_phen_ci_text(char *buf, size_t len, const gfl_phen_ci *c)
{
    snprintf(buf, len, "%.4f [%.4f, %.4f]", c->mean, c->lo, c->hi);
}

gfl_status gfl_phen_figure(const gfl_phen_opts *o, const char *name, const gfl_plot_opts *po,
                           const gfl_plot_series *s, int ns)
{
    if (!o->figdir)
        return GFL_OK;
    char path[4096];
    GFL_TRY(gfl_io_join(path, sizeof path, o->figdir, name));
    return gfl_plot_xy(path, po, s, ns);
}

gfl_config gfl_phen_config(gfl_case_id c, int d, int m, int n, int T, uint64_t seed)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, c, GFL_PRESET_DEFAULT);
    cfg.d = d, cfg.m = m, cfg.n = n, cfg.T = T, cfg.seed = seed;
    cfg.eval_every = T; /* the final test error is what the experiments read */
    cfg.threads = 1;
    return cfg;
}

/* Seeds-by-configuration test errors: runs cfg for each seed, errors into v. */
gfl_status gfl_phen_errors(const gfl_phen_opts *o, gfl_config cfg, int nseeds, double *v)
{
    for (int s = 0; s < nseeds; s++) {
        gfl_phen_model md;
        cfg.seed = o->seed0 + (uint64_t)s;
        GFL_TRY(gfl_phen_train(o->path, &cfg, NULL, NULL, NULL, &md));
        v[s] = md.test_error;
        gfl_phen_model_clear(&md);
    }
    return GFL_OK;
}
