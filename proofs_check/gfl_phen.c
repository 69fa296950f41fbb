/* gfl_phen: the framework of the phenomena experiments (SPEC 8) and the first
 * three of them; docs/phenomena.md gives each claim, anchor, design, pilot and
 * threshold. */
#include "gfl_phen.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_fast.h"
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

gfl_status gfl_phen_train(const gfl_config *cfg, const double *a0, const double *W0, const double *b,
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
    if ((st = gfl_train(&gfl_fast_engine, &pb, &run, keep_step1, &h)) != GFL_OK)
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

gfl_status gfl_phen_error(const gfl_config *cfg, int m, const double *a, const double *W, const double *b,
                          const double *X, const double *Y, int n, double *err)
{
    gfl_config c = *cfg;
    c.m = m;
    void *eng;
    GFL_TRY(gfl_fast_engine.create(&eng, &c, n));
    double loss;
    gfl_status st = gfl_fast_engine.load(eng, a, W, b);
    if (st == GFL_OK)
        st = gfl_fast_engine.evaluate(eng, X, Y, n, &loss, err);
    gfl_fast_engine.destroy(eng);
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
        GFL_TRY(gfl_phen_train(&cfg, NULL, NULL, NULL, &md));
        v[s] = md.test_error;
        gfl_phen_model_clear(&md);
    }
    return GFL_OK;
}

/* ================= beyond the kernel regime ================= */

enum { ARM_ALG1 = 0, ARM_RF, ARM_LAZY, NARMS };
static const char *const arm_names[NARMS] = {"algorithm1", "random_features", "lazy"};
static const double rf_etas[3] = {0.1, 0.01, 0.003};

typedef struct {
    gfl_case_id c;
    int d, m;
} bk_point;

/* Test errors of the three arms at one point; the random-features arm takes
 * the eta of {0.1, 0.01, 0.003} with the smallest mean error. */
static gfl_status bk_point_run(const gfl_phen_opts *o, const bk_point *p, int n, int T, int nseeds,
                               double err[NARMS][16], double *rf_eta)
{
    gfl_config cfg = gfl_phen_config(p->c, p->d, p->m, n, T, o->seed0);
    GFL_TRY(gfl_phen_errors(o, cfg, nseeds, err[ARM_ALG1]));
    double best = INFINITY;
    for (int e = 0; e < 3; e++) {
        double v[16], mean = 0;
        gfl_config rf = cfg;
        rf.random_features = 1;
        rf.eta = rf_etas[e];
        GFL_TRY(gfl_phen_errors(o, rf, nseeds, v));
        for (int s = 0; s < nseeds; s++)
            mean += v[s] / nseeds;
        if (mean < best) {
            best = mean;
            *rf_eta = rf_etas[e];
            memcpy(err[ARM_RF], v, sizeof v);
        }
    }
    gfl_config lazy = cfg;
    lazy.eta1 = 1e-3;
    lazy.lam1 = 0.0; /* with 1/eta1 the first step would erase W: f = 0, not the kernel regime */
    GFL_TRY(gfl_phen_errors(o, lazy, nseeds, err[ARM_LAZY]));
    gfl_phen_log(o, "  beyond-kernel %s d=%d m=%d: alg1 %.3f rf %.3f (eta %g) lazy %.3f\n", gfl_case_name(p->c),
                 p->d, p->m, err[ARM_ALG1][0], err[ARM_RF][0], *rf_eta, err[ARM_LAZY][0]);
    return GFL_OK;
}

gfl_status gfl_phen_beyond_kernel(const gfl_phen_opts *o, gfl_phen_result *r)
{
    /* full: parity d in {16, 32, 64} and xor at m = 512, plus m in {64, 128, 256} at
     * parity d = 32; quick: parity d = 24 at m = 128 and m = 32 (docs/phenomena.md) */
    static const bk_point full[] = {{GFL_CASE_PARITY, 16, 512}, {GFL_CASE_PARITY, 32, 512},
                                    {GFL_CASE_PARITY, 64, 512}, {GFL_CASE_XOR, 16, 512},
                                    {GFL_CASE_PARITY, 32, 64},  {GFL_CASE_PARITY, 32, 128},
                                    {GFL_CASE_PARITY, 32, 256}};
    static const bk_point quick[] = {{GFL_CASE_PARITY, 24, 128}, {GFL_CASE_PARITY, 24, 32}};
    const bk_point *pts = o->quick ? quick : full;
    int npts = o->quick ? 2 : 7, nseeds = 5, n = o->quick ? 256 : 512, T = o->quick ? 100 : 400;
    gfl_phen_md w;
    GFL_TRY(gfl_phen_md_open(&w, r));
    json_t *rows = json_array();
    r->json = json_pack("{s:i,s:i,s:i,s:o}", "n", n, "T", T, "seeds", nseeds, "points", rows);
    fprintf(w.f, "| case | d | m | Algorithm 1 | random features (best eta) | lazy (eta1 1e-3, lam1 0) |\n"
                 "| --- | --- | --- | --- | --- | --- |\n");
    gfl_phen_ci ci[7][NARMS];
    gfl_status st = GFL_OK;
    int ok = 1;
    for (int i = 0; i < npts && st == GFL_OK; i++) {
        double err[NARMS][16], rf_eta = 0;
        if ((st = bk_point_run(o, &pts[i], n, T, nseeds, err, &rf_eta)) != GFL_OK)
            break;
        json_t *row = json_pack("{s:s,s:i,s:i,s:f}", "case", gfl_case_name(pts[i].c), "d", pts[i].d, "m",
                                pts[i].m, "rf_eta", rf_eta);
        char t[NARMS][64];
        for (int a = 0; a < NARMS; a++) {
            gfl_phen_interval(err[a], nseeds, &ci[i][a]);
            json_object_set_new(row, arm_names[a], gfl_phen_ci_json(&ci[i][a]));
            gfl_phen_ci_text(t[a], sizeof t[a], &ci[i][a]);
        }
        json_array_append_new(rows, row);
        fprintf(w.f, "| %s | %d | %d | %s | %s (%g) | %s |\n", gfl_case_name(pts[i].c), pts[i].d, pts[i].m, t[0],
                t[1], rf_eta, t[2]);
        /* verdict: full, parity d >= 32 at m = 512: alg1 hi <= 0.02, rf and lazy lo >= 0.20;
         * quick: at each point alg1's mean at least 0.05 below the better baseline */
        if (o->quick)
            ok &= ci[i][ARM_ALG1].mean + 0.05 <= fmin(ci[i][ARM_RF].mean, ci[i][ARM_LAZY].mean) || pts[i].m < 64;
        else if (pts[i].c == GFL_CASE_PARITY && pts[i].d >= 32 && pts[i].m == 512)
            ok &= ci[i][ARM_ALG1].hi <= 0.02 && ci[i][ARM_RF].lo >= 0.20 && ci[i][ARM_LAZY].lo >= 0.20;
    }
    if (st == GFL_OK && !o->quick) {
        /* figures: error vs d (parity, m = 512) and vs m (parity, d = 32), one line per arm */
        double xd[3] = {16, 32, 64}, yd[NARMS][3], xm[4] = {64, 128, 256, 512}, ym[NARMS][4];
        for (int a = 0; a < NARMS; a++) {
            for (int j = 0; j < 3; j++)
                yd[a][j] = ci[j][a].mean;
            for (int j = 0; j < 3; j++)
                ym[a][j] = ci[4 + j][a].mean;
            ym[a][3] = ci[1][a].mean;
        }
        gfl_plot_series sd[NARMS], sm[NARMS];
        for (int a = 0; a < NARMS; a++) {
            sd[a] = (gfl_plot_series){arm_names[a], xd, yd[a], 3, "linespoints"};
            sm[a] = (gfl_plot_series){arm_names[a], xm, ym[a], 4, "linespoints"};
        }
        gfl_plot_opts pd = {"beyond the kernel: structured parity k = 3, m = 512", "d", "test 0-1 error", 0};
        gfl_plot_opts pm = {"beyond the kernel: structured parity k = 3, d = 32", "m", "test 0-1 error", 0};
        st = gfl_phen_figure(o, "beyond_kernel_vs_d.png", &pd, sd, NARMS);
        if (st == GFL_OK)
            st = gfl_phen_figure(o, "beyond_kernel_vs_m.png", &pm, sm, NARMS);
        fprintf(w.f, "\nFigures: beyond_kernel_vs_d.png, beyond_kernel_vs_m.png.\n");
    }
    gfl_phen_md_close(&w);
    r->reproduced = ok;
    return st;
}

/* ================= simplicity bias ================= */

/* Permutes, across the test set, coordinate j of z (in the unrotated basis)
 * for every j with sel[j], then rotates back. */
static void randomize(const gfl_problem *pb, const double *X, int n, const int *sel, uint64_t tag, double *Xout)
{
    int d = pb->cfg.d;
    double *Z = malloc((size_t)n * d * sizeof(double));
    int *perm = malloc((size_t)n * sizeof(int));
    if (!Z || !perm) {
        free(Z), free(perm);
        memcpy(Xout, X, (size_t)n * d * sizeof(double));
        return;
    }
    for (int k = 0; k < n; k++)
        gfl_slabs_unrotate(pb, X + (size_t)k * d, Z + (size_t)k * d);
    gfl_rng r;
    gfl_rng_init(&r, pb->cfg.seed, GFL_STREAM_MC, 0xB1A5, tag);
    for (int j = 0; j < d; j++) {
        if (!sel[j])
            continue;
        for (int k = 0; k < n; k++)
            perm[k] = k;
        for (int k = n - 1; k > 0; k--) { /* Fisher-Yates */
            int q = (int)gfl_rng_below(&r, (uint64_t)k + 1), tmp = perm[k];
            perm[k] = perm[q], perm[q] = tmp;
        }
        double *col = malloc((size_t)n * sizeof(double));
        if (!col)
            break;
        for (int k = 0; k < n; k++)
            col[k] = Z[(size_t)perm[k] * d + j];
        for (int k = 0; k < n; k++)
            Z[(size_t)k * d + j] = col[k];
        free(col);
    }
    for (int k = 0; k < n; k++)
        gfl_slabs_rotate(pb, Z + (size_t)k * d, Xout + (size_t)k * d);
    free(Z), free(perm);
}

gfl_status gfl_phen_simplicity_bias(const gfl_phen_opts *o, gfl_phen_result *r)
{
    int nseeds = 5, d = o->quick ? 20 : 50, m = o->quick ? 128 : 512, T = o->quick ? 200 : 1000;
    double acc[3][16], lin_top[16];
    gfl_status st = GFL_OK;
    for (int s = 0; s < nseeds && st == GFL_OK; s++) {
        gfl_config cfg = gfl_phen_config(GFL_CASE_SLABS, d, m, 512, T, o->seed0 + (uint64_t)s);
        cfg.sigma_a = 4.0;
        cfg.eta = 0.1;
        gfl_phen_model md;
        gfl_problem pb;
        if ((st = gfl_phen_train(&cfg, NULL, NULL, NULL, &md)) != GFL_OK)
            break;
        if ((st = gfl_problem_init(&pb, &cfg)) != GFL_OK) {
            gfl_phen_model_clear(&md);
            break;
        }
        int nt = cfg.n_test, sel[4096];
        double *Xr = malloc((size_t)nt * d * sizeof(double)), err;
        if (!Xr) {
            GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        } else {
            acc[0][s] = 1.0 - md.test_error;
            for (int v = 1; v < 3 && st == GFL_OK; v++) {
                for (int j = 0; j < d; j++)
                    sel[j] = v == 1 ? j == 0 : j > 0;
                randomize(&pb, md.Xtest, nt, sel, (uint64_t)v, Xr);
                st = gfl_phen_error(&cfg, m, md.a, md.W, md.b, Xr, md.Ytest, nt, &err);
                acc[v][s] = 1.0 - err;
            }
            /* share of the top right singular direction of W^(1) along R_1 */
            double v1[4096];
            if (st == GFL_OK && (st = gfl_phen_top_direction(md.W1, m, d, v1)) == GFL_OK) {
                double c = 0;
                for (int j = 0; j < d; j++)
                    c += v1[j] * pb.U[j];
                lin_top[s] = fabs(c);
            }
        }
        gfl_phen_log(o, "  simplicity-bias seed %d: clean %.4f lin-rand %.4f slab-rand %.4f top.R1 %.3f\n", s,
                     acc[0][s], acc[1][s], acc[2][s], lin_top[s]);
        free(Xr);
        gfl_problem_clear(&pb);
        gfl_phen_model_clear(&md);
    }
    GFL_TRY(st);
    static const char *const names[3] = {"clean", "linear_randomized", "slabs_randomized"};
    static const double anchor[3] = {1.000, 0.507, 1.000}, expect[3] = {1.0, 0.5, 1.0};
    gfl_phen_ci ci[3], ct;
    gfl_phen_md w;
    GFL_TRY(gfl_phen_md_open(&w, r));
    r->json = json_pack("{s:i,s:i,s:i,s:i,s:f,s:f}", "d", d, "m", m, "T", T, "seeds", nseeds, "sigma_a", 4.0,
                        "eta", 0.1);
    fprintf(w.f, "| test accuracy | measured | anchor (Shah et al.) |\n| --- | --- | --- |\n");
    int ok = 1;
    for (int v = 0; v < 3; v++) {
        char t[64];
        gfl_phen_interval(acc[v], nseeds, &ci[v]);
        gfl_phen_ci_text(t, sizeof t, &ci[v]);
        json_object_set_new(r->json, names[v], gfl_phen_ci_json(&ci[v]));
        fprintf(w.f, "| %s | %s | %.3f |\n", names[v], t, anchor[v]);
        if (!o->quick)
            ok &= ci[v].lo >= expect[v] - 0.05 && ci[v].hi <= expect[v] + 0.05;
    }
    gfl_phen_interval(lin_top, nseeds, &ct);
    json_object_set_new(r->json, "top_direction_along_linear", gfl_phen_ci_json(&ct));
    fprintf(w.f, "\n|<v_1(W^(1)), R_1>| (top right singular vector of W^(1) against the linear coordinate): "
                 "%.4f [%.4f, %.4f]\n", ct.mean, ct.lo, ct.hi);
    if (o->quick) /* direction: the linear coordinate carries the decision, the slabs do not */
        ok = ci[0].mean - ci[1].mean >= 0.2 && ci[2].mean - ci[1].mean >= 0.2;
    if (o->figdir) {
        char path[4096];
        double v[3] = {ci[0].mean, ci[1].mean, ci[2].mean};
        gfl_plot_opts po = {"simplicity bias: slabs (LMS-5), test accuracy", "", "accuracy", 0};
        if ((st = gfl_io_join(path, sizeof path, o->figdir, "simplicity_bias.png")) == GFL_OK)
            st = gfl_plot_bars(path, &po, names, v, 3);
        fprintf(w.f, "\nFigure: simplicity_bias.png.\n");
    }
    gfl_phen_md_close(&w);
    r->reproduced = ok;
    return st;
}

/* ================= different data distributions ================= */

gfl_status gfl_phen_distributions(const gfl_phen_opts *o, gfl_phen_result *r)
{
    static const double pf[] = {0, 0.05, 0.1, 0.25, 0.5}, pq[] = {0, 0.5};
    const double *ps = o->quick ? pq : pf;
    int np = o->quick ? 2 : 5, nseeds = 5, d = o->quick ? 16 : 32, m = o->quick ? 128 : 512,
        T = o->quick ? 150 : 400, n = o->quick ? 256 : 512, k = 3;
    double err[5][16], mass[5][16], gn[5][16];
    gfl_status st = GFL_OK;
    for (int i = 0; i < np && st == GFL_OK; i++)
        for (int s = 0; s < nseeds && st == GFL_OK; s++) {
            gfl_config cfg = gfl_phen_config(GFL_CASE_PARITY, d, m, n, T, o->seed0 + (uint64_t)s);
            cfg.p_struct = ps[i];
            gfl_phen_model md;
            if ((st = gfl_phen_train(&cfg, NULL, NULL, NULL, &md)) != GFL_OK)
                break;
            /* A = first k coordinates; mass of W^(1) in span(e_A); |G_Z| = |w_i^(1)| / (eta1 |a_i^(0)|)
             * by the first-step identity (lam1 = 1/eta1, hinge: l'(0) = -1) */
            double in = 0, tot = 0, g = 0;
            for (int q = 0; q < m; q++) {
                double nq = 0;
                for (int j = 0; j < d; j++) {
                    double wq = md.W1[(size_t)q * d + j];
                    nq += wq * wq;
                    if (j < k)
                        in += wq * wq;
                }
                tot += nq;
                g += sqrt(nq) / (cfg.eta1 * fabs(md.a0[q])) / m;
            }
            err[i][s] = md.test_error;
            mass[i][s] = tot > 0 ? in / tot : NAN;
            gn[i][s] = g;
            gfl_phen_model_clear(&md);
        }
    GFL_TRY(st);
    gfl_phen_md w;
    GFL_TRY(gfl_phen_md_open(&w, r));
    json_t *rows = json_array();
    r->json = json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:o}", "d", d, "m", m, "T", T, "seeds", nseeds, "k", k,
                        "isotropic_mass", (double)k / d, "points", rows);
    fprintf(w.f, "| p | test error | first-step mass in span(e_A) | mean \\|G_Z\\| |\n| --- | --- | --- | --- |\n");
    gfl_phen_ci ce[5], cm[5], cg[5];
    double x[5], ye[5], ym[5], yg[5];
    for (int i = 0; i < np; i++) {
        char a[64], b[64], c[64];
        gfl_phen_interval(err[i], nseeds, &ce[i]);
        gfl_phen_interval(mass[i], nseeds, &cm[i]);
        gfl_phen_interval(gn[i], nseeds, &cg[i]);
        gfl_phen_ci_text(a, sizeof a, &ce[i]);
        gfl_phen_ci_text(b, sizeof b, &cm[i]);
        gfl_phen_ci_text(c, sizeof c, &cg[i]);
        fprintf(w.f, "| %g | %s | %s | %s |\n", ps[i], a, b, c);
        json_array_append_new(rows, json_pack("{s:f,s:o,s:o,s:o}", "p", ps[i], "error", gfl_phen_ci_json(&ce[i]),
                                              "mass", gfl_phen_ci_json(&cm[i]), "G_norm", gfl_phen_ci_json(&cg[i])));
        x[i] = ps[i], ye[i] = ce[i].mean, ym[i] = cm[i].mean, yg[i] = cg[i].mean;
    }
    fprintf(w.f, "\nIsotropic mass k/d = %.4f.\n", (double)k / d);
    int ok;
    if (o->quick)
        ok = ce[0].mean - ce[1].mean >= 0.1 && cm[1].mean - cm[0].mean >= 0.1;
    else /* error near 0 at p >= 0.25, high at p = 0; mass rising from k/d */
        ok = ce[3].hi <= 0.05 && ce[4].hi <= 0.05 && ce[0].lo >= 0.20 && cm[4].lo >= cm[0].hi + 0.3 &&
             cm[0].lo <= 2.0 * k / d;
    if (o->figdir) {
        gfl_plot_series se[1] = {{"test error", x, ye, np, "linespoints"}};
        gfl_plot_series sm[2] = {{"mass in span(e_A)", x, ym, np, "linespoints"},
                                 {"mean |G_Z| (first step)", x, yg, np, "linespoints"}};
        gfl_plot_opts pe = {"parity mixture: test error vs p", "p (structured weight)", "test 0-1 error", 0};
        gfl_plot_opts pm = {"parity mixture: first-step gradient features vs p", "p (structured weight)", "", 0};
        st = gfl_phen_figure(o, "distributions_error.png", &pe, se, 1);
        if (st == GFL_OK)
            st = gfl_phen_figure(o, "distributions_features.png", &pm, sm, 2);
        fprintf(w.f, "\nFigures: distributions_error.png, distributions_features.png.\n");
    }
    gfl_phen_md_close(&w);
    r->reproduced = ok;
    return st;
}
