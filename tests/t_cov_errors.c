/* Errors are values (STYLE: "errors are values, never exit()"): every entry
 * point refuses bad arguments with a status and a one-line message, and
 * the status maps to the documented exit code.  Also the small pieces whose
 * other side the main suites never reach: the population loss by
 * enumeration against a brute-force sum, the linear witness at margin 0,
 * the three bias laws, the figure writer's data blocks and its failures
 * (gnuplot missing, gnuplot failing, an unwritable destination). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gfl_paths.h"
#include "gfl_chain.h"
#include "gfl_check.h"
#include "gfl_compare.h"
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_features.h"
#include "gfl_plot.h"
#include "gfl_population.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"
#include "gfl_stats.h"
#include "gfl_test.h"

/* status -> name and exit code (STYLE: 0 ok, 1 check/numeric, 2 usage/input, 3 internal) */
static void t_status_table(void)
{
    static const struct {
        gfl_status st;
        const char *name;
        int code;
    } t[] = {{GFL_OK, "ok", 0},           {GFL_EINVAL, "invalid input", 2},   {GFL_EIO, "i/o error", 2},
             {GFL_ENUMERIC, "numerical failure", 1}, {GFL_ECHECK, "check failed", 1},
             {GFL_ENOMEM, "out of memory", 3}, {GFL_EINTERNAL, "internal error", 3}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        CU_ASSERT_STRING_EQUAL(gfl_status_name(t[i].st), t[i].name);
        CU_ASSERT_EQUAL(gfl_status_exit_code(t[i].st), t[i].code);
    }
    CU_ASSERT_STRING_EQUAL(gfl_status_name((gfl_status)99), "unknown status");
    CU_ASSERT_EQUAL(gfl_status_exit_code((gfl_status)99), 3);
    /* the first error is kept, with where it was raised, until cleared */
    gfl_error_clear();
    CU_ASSERT_STRING_EQUAL(gfl_error_where(), "");
    CU_ASSERT_STRING_EQUAL(gfl_error_message(), "");
    gfl_error_at(GFL_EIO, "here.c", 12, "first %d", 1);
    gfl_error_at(GFL_EINVAL, "there.c", 34, "second");
    CU_ASSERT_STRING_EQUAL(gfl_error_message(), "first 1");
    CU_ASSERT_STRING_EQUAL(gfl_error_where(), "here.c:12");
    gfl_error_clear();
    CU_ASSERT_STRING_EQUAL(gfl_error_where(), "");
}

static void t_config_edges(void)
{
    gfl_config cfg;
    double v;
    CU_ASSERT_STRING_EQUAL(gfl_case_name((gfl_case_id)GFL_NCASES_ALL), "?");
    CU_ASSERT_STRING_EQUAL(gfl_case_name((gfl_case_id)-1), "?");
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_parse_double(" 1", &v), GFL_EINVAL);
    CU_ASSERT_EQUAL(gfl_parse_double("1e999", &v), GFL_EINVAL);
    CU_ASSERT_EQUAL(gfl_parse_double("", &v), GFL_EINVAL);
    CU_ASSERT_EQUAL(gfl_parse_double("0x1p-3", &v), GFL_OK);
    CU_ASSERT_EQUAL(v, 0.125);
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_DEFAULT);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_config_set(&cfg, "eta", NULL), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "needs a value") != NULL);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_config_set(&cfg, "freeze-w", NULL), GFL_OK);
    CU_ASSERT_EQUAL(cfg.freeze_w, 1);
    cfg.m = 2, cfg.n = 2, cfg.n_test = 2; /* so the memory estimate stays small at 65536 bits */
    cfg.prec = 65537;
    CU_ASSERT_EQUAL(gfl_config_validate(&cfg), GFL_EINVAL);
    cfg.prec = 65536;
    CU_ASSERT_EQUAL(gfl_config_validate(&cfg), GFL_OK);
    cfg.case_id = (gfl_case_id)GFL_NCASES_ALL;
    CU_ASSERT_EQUAL(gfl_config_validate(&cfg), GFL_EINVAL);
    gfl_error_clear();
}

/* SPEC 2: the three bias laws of the first layer. */
static void t_bias_laws(void)
{
    gfl_config cfg;
    gfl_rng r;
    double w[3], b;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.d = 3;
    cfg.btilde = 0.75;
    gfl_rng_init(&r, gfl_test_seed(), GFL_STREAM_FEATURES, 7, 0);
    cfg.bias_mode = GFL_BIAS_CONST;
    gfl_problem_draw_neuron(&cfg, &r, w, &b);
    CU_ASSERT_EQUAL(b, 0.75);
    int plus = 0, minus = 0, other = 0;
    cfg.bias_mode = GFL_BIAS_SIGN;
    for (int i = 0; i < 200; i++) {
        gfl_problem_draw_neuron(&cfg, &r, w, &b);
        plus += b == 0.75, minus += b == -0.75, other += fabs(b) != 0.75;
    }
    /* 200 fair signs: each side at least 50 except with probability < 1e-12 */
    CU_ASSERT(plus >= 50 && minus >= 50 && other == 0);
    cfg.bias_mode = GFL_BIAS_GAUSS;
    cfg.sigma_b = 2.0;
    double s2 = 0;
    for (int i = 0; i < 2000; i++) {
        gfl_problem_draw_neuron(&cfg, &r, w, &b);
        s2 += b * b;
    }
    /* E b^2 = 4, sd of the mean of b^2 = sqrt(2 * 16 / 2000) = 0.13: 6 sd */
    CU_ASSERT(fabs(s2 / 2000 - 4.0) < 0.76);
}

/* SPEC 7 linear: at margin 0 the witness keeps beta = 0.05 and c = 20; the
 * sampler still never returns <w*, x> = 0 (the label must be a sign). */
static void t_linear_margin_zero(void)
{
    gfl_config cfg;
    gfl_problem pb;
    gfl_witness w;
    gfl_config_defaults(&cfg, GFL_CASE_LINEAR, GFL_PRESET_SMALL);
    cfg.margin = 0.0;
    cfg.m = 2;
    cfg.n_test = 2000;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_witness_init(&w, &pb) == GFL_OK);
    CU_ASSERT(w.r == 2 && w.bstar[0] == 0.05 && w.astar[0] == 20.0 && w.astar[1] == -20.0);
    CU_ASSERT(w.D[0] == 1.0 && w.D[cfg.d] == -1.0);
    CU_ASSERT_EQUAL(w.nfeat, 2);
    int bad = 0;
    for (int k = 0; k < cfg.n_test; k++)
        bad += !(pb.Ytest[k] == (pb.Xtest[(size_t)k * cfg.d] > 0 ? 1.0 : -1.0) && pb.Xtest[(size_t)k * cfg.d] != 0);
    CU_ASSERT_EQUAL(bad, 0);
    gfl_witness_clear(&w);
    gfl_problem_clear(&pb);
    /* no witness for an unknown case */
    gfl_problem bogus;
    memset(&bogus, 0, sizeof bogus);
    bogus.cfg = cfg;
    bogus.cfg.case_id = (gfl_case_id)GFL_NCASES_ALL;
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_witness_init(&w, &bogus), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "no witness") != NULL);
    CU_ASSERT(w.D == NULL);
    gfl_error_clear();
}

/* Oracle and sample arguments that are refused. */
static void t_oracle_refusals(void)
{
    const gfl_oracle_vt *orcs[2] = {&gfl_fast_oracle, &gfl_ref_oracle};
    gfl_config cfg;
    gfl_problem pb;
    gfl_sample s;
    double w[30] = {0}, b[1] = {0.5}, G[30], se[1];
    CU_ASSERT_EQUAL(gfl_oracle_kind_of((gfl_case_id)GFL_NCASES_ALL, GFL_Q_G), GFL_ORACLE_MONTE_CARLO);
    /* a Monte Carlo case without a sample */
    gfl_config_defaults(&cfg, GFL_CASE_LINEAR, GFL_PRESET_SMALL);
    cfg.m = 2;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_sample_draw(&s, &pb, 0, 1), GFL_EINVAL);
    for (int p = 0; p < 2; p++) {
        gfl_error_clear();
        CU_ASSERT_EQUAL(orcs[p]->G(&pb, NULL, 1, w, b, G, se), GFL_EINVAL);
        CU_ASSERT(strstr(gfl_error_message(), "needs a Monte Carlo sample") != NULL);
        gfl_moments mom;
        CU_ASSERT_EQUAL(orcs[p]->moments(&pb, NULL, &mom), GFL_OK); /* the exact parts only */
        CU_ASSERT(mom.Bx2 > cfg.d && mom.Bx1_mc == 0.0 && mom.Bx1_se == 0.0);
    }
    gfl_problem_clear(&pb);
    /* enumeration beyond GFL_ENUM_MAX_D */
    gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_SMALL);
    cfg.d = GFL_ENUM_MAX_D + 1;
    cfg.m = 2;
    cfg.n_test = 2;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    for (int p = 0; p < 2; p++) {
        gfl_error_clear();
        CU_ASSERT_EQUAL(orcs[p]->G(&pb, NULL, 1, w, b, G, se), GFL_EINVAL);
        CU_ASSERT(strstr(gfl_error_message(), "too large") != NULL);
    }
    gfl_pop_value pv;
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_population_loss(&gfl_fast_engine, &pb, NULL, 2, pb.a0, pb.W0, pb.b, &pv), GFL_EINVAL);
    gfl_problem_clear(&pb);
    /* a Monte Carlo population loss needs enough samples for its batch means */
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.m = 2;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_sample_draw(&s, &pb, 63, 1) == GFL_OK);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_population_loss(&gfl_fast_engine, &pb, &s, 2, pb.a0, pb.W0, pb.b, &pv), GFL_EINVAL);
    CU_ASSERT_EQUAL(gfl_population_loss(&gfl_fast_engine, &pb, NULL, 2, pb.a0, pb.W0, pb.b, &pv), GFL_EINVAL);
    gfl_sample_clear(&s);
    gfl_problem_clear(&pb);
    gfl_error_clear();
}

/* The exact population loss (SPEC 7 parity) against a brute-force weighted
 * sum written here: L = sum_x P(x) l(y(x) f(x)), P(x) = c(x) / 2^(d+2), with
 * f evaluated in plain double.  d = 5 fills one partial chunk, d = 12 two
 * full ones. */
static void t_population_enumeration(void)
{
    const int ds[2] = {5, 12};
    for (int q = 0; q < 2; q++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_SMALL);
        cfg.seed = gfl_test_seed();
        cfg.d = ds[q];
        cfg.m = 6;
        cfg.n_test = 2;
        CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
        int d = cfg.d, m = cfg.m;
        /* break the mirror symmetry so that f is not identically 0 */
        for (int i = 0; i < m / 2; i++)
            pb.a0[i + m / 2] *= 0.5;
        long double L = 0, E = 0, P = 0;
        double x[32];
        for (uint64_t idx = 0; idx < (UINT64_C(1) << d); idx++) {
            gfl_parity_point(d, idx, x);
            double y = gfl_parity_label(&pb, idx), f = 0;
            long double p = (long double)gfl_parity_weight(&pb, idx) / (long double)(UINT64_C(1) << (d + 2));
            double S[16];
            for (int i = 0; i < m; i++) {
                double h = 0;
                for (int j = 0; j < d; j++)
                    h += pb.W0[(size_t)i * d + j] * x[j];
                h -= pb.b[i];
                S[i] = h > 0 ? h : 0;
            }
            for (int i = 0; i < m / 2; i++) /* mirror pairs first, as both paths do */
                f += pb.a0[i] * S[i] + pb.a0[i + m / 2] * S[i + m / 2];
            L += p * fmax(0.0, 1.0 - y * f);
            E += p * (y * f <= 0);
            P += p;
        }
        CU_ASSERT_DOUBLE_EQUAL((double)P, 1.0, 1e-15);
        const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
        for (int e = 0; e < 2; e++) {
            gfl_pop_value pv;
            if (e == 1 && d > 8)
                continue; /* MPFR over 2^14 weighted rows: seconds, no new branch */
            CU_ASSERT_FATAL(gfl_population_loss(vts[e], &pb, NULL, m, pb.a0, pb.W0, pb.b, &pv) == GFL_OK);
            CU_ASSERT_DOUBLE_EQUAL(pv.loss, (double)L, 1e-12);
            CU_ASSERT_DOUBLE_EQUAL(pv.err, (double)E, 1e-12);
            CU_ASSERT(pv.kind == GFL_ORACLE_ENUMERATION && pv.loss_se == 0 && pv.N == 1L << (d + 2));
        }
        gfl_problem_clear(&pb);
    }
}

/* Parameter checks of features, comparison, chain and check. */
static void t_checker_refusals(void)
{
    gfl_config cfg;
    gfl_problem pb;
    gfl_witness wit;
    gfl_features_params fp, good;
    gfl_features_result fr;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.m = 4;
    cfg.T = 1;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_witness_init(&wit, &pb) == GFL_OK);
    gfl_features_defaults(&good, &cfg, NULL);
    CU_ASSERT_EQUAL(good.n_init, 2000); /* no path: the fast path's defaults */
    struct {
        double gamma, BG, p, level;
        int n_init, n_mc;
    } bad[] = {{0, 0.01, 0.01, 0.95, 10, 10},   {1, 0.01, 0.01, 0.95, 10, 10}, {0.1, -1, 0.01, 0.95, 10, 10},
               {0.1, NAN, 0.01, 0.95, 10, 10},  {0.1, 0.01, 0, 0.95, 10, 10},  {0.1, 0.01, 1.5, 0.95, 10, 10},
               {0.1, 0.01, 0.01, 0, 10, 10},    {0.1, 0.01, 0.01, 1, 10, 10},  {0.1, 0.01, 0.01, 0.95, 0, 10},
               {0.1, 0.01, 0.01, 0.95, 10, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fp = good;
        fp.gamma = bad[i].gamma, fp.B_G = bad[i].BG, fp.p = bad[i].p, fp.level = bad[i].level;
        fp.n_init = bad[i].n_init, fp.n_mc = bad[i].n_mc;
        gfl_error_clear();
        CU_ASSERT_EQUAL(gfl_features_run(&pb, &wit, &gfl_fast_engine, &gfl_fast_oracle, &fp, &fr), GFL_EINVAL);
        CU_ASSERT(gfl_error_message()[0] != '\0');
    }
    /* the self-check needs the MPFR engine as the reference */
    gfl_compare_opts o;
    gfl_compare_result cr;
    gfl_compare_opts_default(&o);
    memset(&cr, 0, sizeof cr);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_compare_run_opts(&pb, gfl_path_find("fast"), gfl_path_find("fast"), &o, &cr), GFL_EINVAL);
    gfl_compare_clear(&cr);
    /* the chain needs T >= 2 */
    gfl_chain_params cp;
    gfl_chain_result res;
    gfl_chain_defaults(&cp);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_chain_run(&pb, gfl_path_find("fast"), &wit, NULL, NULL, &cp, &res),
                    GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "T >= 2") != NULL);
    gfl_chain_clear(&res);
    /* the delta check's parameters */
    gfl_check_params p;
    gfl_check_case c;
    gfl_check_defaults(&p);
    p.seeds = 0;
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_check_run(&cfg, gfl_path_find("fast"), &p, &c), GFL_EINVAL);
    gfl_check_clear(&c);
    gfl_check_defaults(&p);
    const double deltas[3] = {0, 1, NAN};
    for (int i = 0; i < 3; i++) {
        p.delta = deltas[i];
        gfl_error_clear();
        CU_ASSERT_EQUAL(gfl_check_run(&cfg, gfl_path_find("fast"), &p, &c), GFL_EINVAL);
        gfl_check_clear(&c);
    }
    gfl_error_clear();
    gfl_witness_clear(&wit);
    gfl_problem_clear(&pb);
}

/* SPEC 6 C3: the lower binomial quantile; Clopper-Pearson at the ends. */
static void t_stats_edges(void)
{
    double lo, hi;
    CU_ASSERT_EQUAL(gfl_stats_binom_lower(10, 0.0, 0.05), 0);  /* X = 0 surely: P(X <= 0) = 1 */
    CU_ASSERT_EQUAL(gfl_stats_binom_lower(10, 1.0, 0.05), 10); /* X = 10 surely: every q < 10 passes */
    CU_ASSERT_EQUAL(gfl_stats_binom_lower(10, 0.5, 0.0), 0);
    /* Bin(10, 1/2): P(X <= 1) = 11/1024 <= 0.05 < P(X <= 2) = 56/1024: q = 2 */
    CU_ASSERT_EQUAL(gfl_stats_binom_lower(10, 0.5, 0.05), 2);
    gfl_stats_clopper_pearson(0, 10, 0.95, &lo, &hi);
    CU_ASSERT(lo == 0.0 && hi > 0.25 && hi < 0.35); /* 1 - 0.025^(1/10) = 0.3085 */
    gfl_stats_clopper_pearson(10, 10, 0.95, &lo, &hi);
    CU_ASSERT(hi == 1.0 && fabs(lo - (1 - 0.30850)) < 1e-4);
}

/* ------------------------------------------------------------------------ */
/* figures                                                                  */

static const char *plot_dir(void)
{
    static char dir[400];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/cov_plot", gfl_test_scratch());
        mkdir(dir, 0755);
    }
    return dir;
}

static int read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return (int)n;
}

static int is_png(const char *path)
{
    char b[16];
    return read_file(path, b, sizeof b) >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
}

/* The data blocks of the kept scripts are what the figures show: checked
 * line by line against values worked out here. */
static void t_plot_data_blocks(void)
{
    char png[512], gp[512], text[8192];
    gfl_plot_opts o = {"it's a\ntitle", "x", "y", 1};
    /* log scale: non-finite points and y <= 0 are left out */
    const double x[5] = {1, 2, 3, NAN, 5}, y[5] = {10, -1, 0, 4, 1e-3};
    gfl_plot_series s[2] = {{"first 'one'", x, y, 5, "linespoints"}, {NULL, x, y, 2, NULL}};
    snprintf(png, sizeof png, "%s/xy.png", plot_dir());
    snprintf(gp, sizeof gp, "%s/xy.gp", plot_dir());
    CU_ASSERT_EQUAL_FATAL(gfl_plot_xy(png, &o, s, 2), GFL_OK);
    CU_ASSERT(is_png(png));
    CU_ASSERT(read_file(gp, text, sizeof text) > 0);
    CU_ASSERT(strstr(text, "$D0 << EOD\n1 10\n5 0.001\nEOD\n") != NULL);
    CU_ASSERT(strstr(text, "$D1 << EOD\n1 10\nEOD\n") != NULL);
    CU_ASSERT(strstr(text, "set title \"it's a title\"") != NULL); /* newline a space */
    CU_ASSERT(strstr(text, "title \"first 'one'\"") != NULL);
    CU_ASSERT(strstr(text, "set output \"xy.png\"") != NULL); /* run in the figure's directory */
    CU_ASSERT(strstr(text, "set logscale y") != NULL);
    /* histogram: clamped at both ends, NaN skipped */
    gfl_plot_opts oh = {"h", "v", "count", 0};
    const double v[7] = {-5, 0.1, 0.15, 0.5, 0.99, 2.0, NAN};
    snprintf(png, sizeof png, "%s/hist.png", plot_dir());
    snprintf(gp, sizeof gp, "%s/hist.gp", plot_dir());
    CU_ASSERT_EQUAL_FATAL(gfl_plot_histogram(png, &oh, v, 7, 0.0, 1.0, 4), GFL_OK);
    CU_ASSERT(read_file(gp, text, sizeof text) > 0);
    CU_ASSERT(strstr(text, "$H << EOD\n0.125 3\n0.375 0\n0.625 1\n0.875 2\nEOD\n") != NULL);
    CU_ASSERT(strstr(text, "set logscale") == NULL);
    /* bars: quotes dropped from labels, a non-finite value drawn as 0 */
    const char *labels[3] = {"a\"b", "c", "d\ne"};
    const double bv[3] = {1.5, INFINITY, 2};
    snprintf(png, sizeof png, "%s/bars.png", plot_dir());
    snprintf(gp, sizeof gp, "%s/bars.gp", plot_dir());
    CU_ASSERT_EQUAL_FATAL(gfl_plot_bars(png, &oh, labels, bv, 3), GFL_OK);
    CU_ASSERT(read_file(gp, text, sizeof text) > 0);
    CU_ASSERT(strstr(text, "$B << EOD\n0 \"ab\" 1.5\n1 \"c\" 0\n2 \"de\" 2\nEOD\n") != NULL);
    CU_ASSERT(is_png(png));
}

static void t_plot_failures(void)
{
    char png[512], fake[512], script[600];
    gfl_plot_opts o = {"t", "x", "y", 0};
    const double v[2] = {0.2, 0.4};
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_plot_histogram("x.png", &o, v, 2, 1.0, 1.0, 4), GFL_EINVAL);
    CU_ASSERT_EQUAL(gfl_plot_histogram("x.png", &o, v, 2, 0.0, 1.0, 0), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "bad histogram range") != NULL);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_plot_histogram("figure.jpg", &o, v, 2, 0.0, 1.0, 2), GFL_EINVAL);
    CU_ASSERT_EQUAL(gfl_plot_histogram(".png", &o, v, 2, 0.0, 1.0, 2), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "must end in .png") != NULL);
    /* the destination is a non-empty directory: the rendered figure cannot replace it */
    snprintf(png, sizeof png, "%s/taken.png", plot_dir());
    mkdir(png, 0755);
    snprintf(script, sizeof script, "%s/inside", png);
    FILE *f = fopen(script, "w");
    if (f)
        fclose(f);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_plot_histogram(png, &o, v, 2, 0.0, 1.0, 2), GFL_EIO);
    CU_ASSERT(strstr(gfl_error_message(), "cannot write") != NULL);
    CU_ASSERT(strstr(gfl_error_message(), png) != NULL);
    /* gnuplot missing, then failing: PATH points at a directory we control */
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    snprintf(fake, sizeof fake, "%s/fakebin", plot_dir());
    mkdir(fake, 0755);
    setenv("PATH", fake, 1);
    snprintf(png, sizeof png, "%s/nognuplot.png", plot_dir());
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_plot_histogram(png, &o, v, 2, 0.0, 1.0, 2), GFL_EIO);
    CU_ASSERT(strstr(gfl_error_message(), "not installed") != NULL);
    snprintf(script, sizeof script, "%s/gnuplot", fake);
    f = fopen(script, "w");
    if (f) {
        fputs("#!/bin/sh\nexit 3\n", f);
        fclose(f);
        chmod(script, 0755);
    }
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_plot_histogram(png, &o, v, 2, 0.0, 1.0, 2), GFL_EIO);
    CU_ASSERT(strstr(gfl_error_message(), "gnuplot failed") != NULL);
    struct stat sb;
    CU_ASSERT(stat(png, &sb) != 0); /* no figure, no temporary */
    snprintf(script, sizeof script, "%s.tmp.png", png);
    CU_ASSERT(stat(script, &sb) != 0);
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    } else {
        unsetenv("PATH");
    }
    gfl_error_clear();
}

void t_cov_errors_register(void)
{
    CU_pSuite s = CU_add_suite("cov_errors", NULL, NULL);
    CU_add_test(s, "status names, exit codes, first error kept", t_status_table);
    CU_add_test(s, "configuration edges", t_config_edges);
    CU_add_test(s, "the three bias laws", t_bias_laws);
    CU_add_test(s, "linear case at margin 0; no witness for an unknown case", t_linear_margin_zero);
    CU_add_test(s, "oracle, sample and population refusals", t_oracle_refusals);
    CU_add_test(s, "population loss by enumeration vs brute force", t_population_enumeration);
    CU_add_test(s, "features, compare, chain and check refusals", t_checker_refusals);
    CU_add_test(s, "binomial quantile and Clopper-Pearson at the ends", t_stats_edges);
    CU_add_test(s, "figure data blocks", t_plot_data_blocks);
    CU_add_test(s, "figure failures", t_plot_failures);
}
