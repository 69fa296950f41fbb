/* The a-priori form at its best triple (SPEC 4, 6; docs/features.md): the
 * (gamma, B_G) search against an independent enumeration on hand-built
 * draws, its Bonferroni level, its monotonicity, and real check runs whose
 * reported a-priori bound is the smaller of the configured and searched ones.
 * Membership is recomputed from GSL's binomial tail (the lower Clopper-Pearson
 * end is >= p exactly when P(Bin(N, p) >= k) <= alpha / 2), never from
 * gfl_stats, which the code under test uses. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "gfl_check_report.h"
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_features_report.h"
#include "gfl_paths.h"
#include "gfl_rng.h"
#include "gfl_settings.h"
#include "gfl_stats.h"
#include "gfl_test.h"

/* The oracle's membership: P(Bin(n, p) >= k) <= (1 - level) / 2; *amb when
 * the tail is within 1e-6 (relative) of the threshold. */
static int member_oracle(long k, long n, double p, double level, int *amb)
{
    double h = (1 - level) / 2, tail = k <= 0 ? 1.0 : gsl_cdf_binomial_Q((unsigned)(k - 1), p, (unsigned)n);
    if (amb)
        *amb |= fabs(tail - h) <= 1e-6 * h;
    return tail <= h;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* What fn(arg) prints on stdout, in a static buffer (the test's scratch file). */
static const char *captured(void (*fn)(const void *), const void *arg)
{
    static char buf[1 << 16];
    char path[4096];
    snprintf(path, sizeof path, "%s/apriori_stdout.txt", gfl_test_scratch());
    fflush(stdout);
    int saved = dup(1), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    fn(arg);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static int has(const double *v, int n, double x)
{
    for (int i = 0; i < n; i++)
        if (fabs(v[i] - x) <= 1e-12 * x)
            return 1;
    return 0;
}

/* Every check of the search s on the draws (acos n x nf, nG n) against the
 * enumeration: the grids, every count, every feasible point, the level, the
 * best objective at coef.  Returns the oracle's best objective (inf: none). */
static double enumerate(const gfl_feature_search *s, const double *acos, const double *nG, long n, int nf,
                        const gfl_features_params *fp, double coef)
{
    /* the grids: 20 log-spaced gamma in [1e-4, 0.99] and the configured one */
    for (int k = 0; k < GFL_SEARCH_G; k++) {
        double g = 1e-4 * pow(0.99 / 1e-4, k / (double)(GFL_SEARCH_G - 1));
        CHECK(has(s->gamma, s->ng, g), "gamma %g missing from the grid", g);
    }
    CHECK(has(s->gamma, s->ng, fp->gamma) && s->gamma[0] == 1e-4 && s->gamma[s->ng - 1] == 0.99,
          "gamma grid ends %g %g, configured %g", s->gamma[0], s->gamma[s->ng - 1], fp->gamma);
    /* B_G: the k/20 quantiles (positive, distinct) and the configured one */
    double *srt = malloc((size_t)n * sizeof(double)), q[GFL_SEARCH_B + 1];
    int nq = 0;
    memcpy(srt, nG, (size_t)n * sizeof(double));
    qsort(srt, (size_t)n, sizeof(double), cmp_d);
    for (int k = 0; k < GFL_SEARCH_B; k++) {
        double v = srt[k * n / GFL_SEARCH_B];
        if (v > 0 && !has(q, nq, v))
            q[nq++] = v;
    }
    if (fp->B_G > 0 && !has(q, nq, fp->B_G))
        q[nq++] = fp->B_G;
    free(srt);
    CHECK(s->nb == nq, "B_G grid has %d values, the quantiles and the configured one %d", s->nb, nq);
    for (int i = 0; i < nq; i++)
        CHECK(has(s->B_G, s->nb, q[i]), "B_G %g missing from the grid", q[i]);
    for (int i = 1; i < s->ng; i++)
        CHECK(s->gamma[i] > s->gamma[i - 1], "gamma grid not ascending at %d", i);
    for (int i = 1; i < s->nb; i++)
        CHECK(s->B_G[i] > s->B_G[i - 1], "B_G grid not ascending at %d", i);
    /* Bonferroni over points and features */
    double each = 1 - (1 - fp->level) / ((double)s->ng * s->nb * nf);
    CHECK(fabs(s->level_each - each) <= 1e-15, "level_each %.17g, want %.17g", s->level_each, each);
    double best = INFINITY;
    int amb_any = 0;
    for (int gi = 0; gi < s->ng; gi++)
        for (int bi = 0; bi < s->nb; bi++) {
            int ok = 1, amb = 0;
            for (int f = 0; f < nf; f++) {
                long k = 0;
                for (long d = 0; d < n; d++) {
                    double c = acos[d * nf + f];
                    k += c >= 0 && c >= 1 - s->gamma[gi] && nG[d] >= s->B_G[bi];
                }
                long got = s->count[((size_t)f * s->ng + gi) * s->nb + bi];
                CHECK(got == k, "count f %d gamma %g B_G %g: %ld, enumeration %ld", f, s->gamma[gi], s->B_G[bi],
                      got, k);
                ok &= member_oracle(k, n, fp->p, each, &amb);
            }
            amb_any |= amb;
            if (!amb)
                CHECK(s->ok[gi * s->nb + bi] == ok, "point gamma %g B_G %g: feasible %d, oracle %d", s->gamma[gi],
                      s->B_G[bi], s->ok[gi * s->nb + bi], ok);
            if (ok && !amb)
                best = fmin(best, 2 * s->gamma[gi] + coef / s->B_G[bi]);
        }
    int pt = gfl_features_search_best(s, coef);
    double got = pt < 0 ? INFINITY : 2 * s->gamma[pt / s->nb] + coef / s->B_G[pt % s->nb];
    if (!amb_any)
        CHECK(got == best, "best objective %.17g, enumeration %.17g", got, best);
    return best;
}

static void params(gfl_features_params *fp, double gamma, double BG)
{
    memset(fp, 0, sizeof *fp);
    fp->gamma = gamma;
    fp->B_G = BG;
    fp->p = 0.01;
    fp->level = 0.95;
}

/* Known answer: 300 of 1000 draws exactly on the feature with |G| = 1, the
 * rest on the configured cone's edge (|cos| = 1 - 0.1, counted: the cone is
 * closed) and |G| = 1e-3.  The thinnest cone and the largest B_G hold
 * the 300: the best triple is (1e-4, 1) at any coef > 0. */
static void t_search_known(void)
{
    enum { N = 1000 };
    double acos[N], nG[N];
    for (int q = 0; q < N; q++) {
        acos[q] = q < 300 ? 1.0 : 1.0 - 0.1;
        nG[q] = q < 300 ? 1.0 : 1e-3;
    }
    gfl_features_params fp;
    params(&fp, 0.1, 0.01);
    gfl_feature_search s;
    CU_ASSERT_FATAL(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_OK);
    CHECK(s.ng == 21 && s.nb == 3 && s.B_G[0] == 1e-3 && s.B_G[1] == 0.01 && s.B_G[2] == 1.0,
          "grid %d x %d, B_G %g %g %g", s.ng, s.nb, s.B_G[0], s.B_G[1], s.B_G[2]);
    CHECK(s.conf_gi >= 0 && s.gamma[s.conf_gi] == 0.1 && s.conf_bi == 1, "configured point %d %d", s.conf_gi,
          s.conf_bi);
    CHECK(fabs(s.level_each - (1 - 0.05 / 63)) < 1e-15, "level_each %.17g", s.level_each);
    int pt = gfl_features_search_best(&s, 0.1);
    CHECK(pt == 0 * s.nb + 2, "best point %d, want gamma 1e-4, B_G 1 (index 2)", pt);
    CHECK(s.count[pt] == 300, "count at the best point %ld", s.count[pt]);
    /* the closed cone and the closed |G| >= B_G: every draw counts at the
     * configured gamma and the smallest B_G, the 300 at the next gamma down */
    CHECK(s.count[s.conf_gi * s.nb] == N && s.count[(s.conf_gi - 1) * s.nb] == 300,
          "counts on the edge %ld, below it %ld", s.count[s.conf_gi * s.nb], s.count[(s.conf_gi - 1) * s.nb]);
    /* at the widest cone and the smallest B_G every draw counts */
    CHECK(s.count[(s.ng - 1) * s.nb] == N, "count at (0.99, 1e-3) %ld", s.count[(s.ng - 1) * s.nb]);
    enumerate(&s, acos, nG, N, 1, &fp, 0.1);
    gfl_features_search_clear(&s);
    CU_ASSERT(s.count == NULL && s.ok == NULL && s.ng == 0);
    /* bad input: one clear error, nothing allocated */
    fp.gamma = 1.0;
    CU_ASSERT(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_EINVAL && s.count == NULL);
    params(&fp, 0.1, 0.01);
    CU_ASSERT(gfl_features_search(acos, nG, 0, 1, &fp, &s) == GFL_EINVAL);
    CU_ASSERT(gfl_features_search(acos, nG, N, 0, &fp, &s) == GFL_EINVAL);
    fp.B_G = -1;
    CU_ASSERT(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_EINVAL);
    params(&fp, 0.1, 0.01);
    fp.level = 1;
    CU_ASSERT(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_EINVAL);
    params(&fp, 0.1, 0.01);
    fp.p = 0;
    CU_ASSERT(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_EINVAL);
    gfl_error_clear();
    /* B_G = 0 configured and every |G| = 0: no B_G at all, no point */
    for (int q = 0; q < N; q++)
        nG[q] = 0;
    params(&fp, 0.1, 0.0);
    CU_ASSERT_FATAL(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_OK);
    CHECK(s.nb == 0 && s.conf_bi == -1 && gfl_features_search_best(&s, 1.0) == -1, "no B_G: %d values", s.nb);
    gfl_features_search_clear(&s);
}

/* Random draws (seeded): the search against the enumeration on three
 * features with sign mismatches (-1), several configured triples and coefs. */
static void t_search_enumeration(void)
{
    enum { N = 400, NF = 3 };
    uint64_t seed = gfl_test_seed();
    printf("\n  seed %llu (GFL_TEST_SEED=%llu GFL_TEST_SUITES=apriori build/release/gfl_tests)",
           (unsigned long long)seed, (unsigned long long)seed);
    gfl_rng r;
    gfl_rng_init(&r, seed, 77, 0, 0);
    static double acos[N * NF], nG[N];
    for (int rep = 0; rep < 4 * gfl_test_effort(); rep++) {
        for (int q = 0; q < N; q++) {
            /* |G| on a few levels (ties) or continuous */
            nG[q] = rep % 2 ? 0.05 * (1 + (int)(4 * gfl_rng_uniform(&r))) : gfl_rng_uniform(&r);
            for (int f = 0; f < NF; f++) {
                double u = gfl_rng_uniform(&r);
                /* |cos| concentrated near 1 on part of the draws */
                acos[q * NF + f] = u < 0.3 ? -1 : u < 0.5 ? 1 - 1e-3 * gfl_rng_uniform(&r) : gfl_rng_uniform(&r);
            }
        }
        gfl_features_params fp;
        params(&fp, rep == 3 ? 0.05 : 0.2, rep == 2 ? 0.0 : 0.02);
        gfl_feature_search s;
        CU_ASSERT_FATAL(gfl_features_search(acos, nG, N, NF, &fp, &s) == GFL_OK);
        CHECK(fp.B_G > 0 || s.conf_bi == -1, "B_G = 0 is never a grid value (conf_bi %d)", s.conf_bi);
        double coefs[] = {0.0, 0.01, 0.3, 10.0};
        for (int k = 0; k < 4; k++)
            enumerate(&s, acos, nG, N, NF, &fp, coefs[k]);
        gfl_features_search_clear(&s);
    }
}

/* The selection correction: a count just large enough for one claim at 95%
 * is not a member at the corrected level; the count the corrected level
 * needs is. */
static void t_bonferroni_level(void)
{
    enum { N = 2000 };
    static double acos[N], nG[N];
    gfl_features_params fp;
    params(&fp, 0.1, 0.01);
    /* grid: 21 gamma x {0.01, 1} = 42 points, one feature */
    double each = 1 - 0.05 / 42;
    long k0 = 1, k1 = 1;
    while (!member_oracle(k0, N, 0.01, 0.95, NULL))
        k0++;
    while (!member_oracle(k1, N, 0.01, each, NULL))
        k1++;
    printf("\n  N = %d, p = 0.01: %ld draws for one claim at 95%%, %ld at the corrected level %.6g", N, k0, k1,
           each);
    CU_ASSERT_FATAL(k1 > k0);
    for (int pass = 0; pass < 2; pass++) {
        long k = pass ? k1 : k0;
        for (int q = 0; q < N; q++) {
            acos[q] = q < k ? 1.0 : -1.0;
            nG[q] = 1.0;
        }
        gfl_feature_search s;
        CU_ASSERT_FATAL(gfl_features_search(acos, nG, N, 1, &fp, &s) == GFL_OK);
        CHECK(s.ng * s.nb == 42 && fabs(s.level_each - each) < 1e-15, "%d points, level %.17g", s.ng * s.nb,
              s.level_each);
        /* the configured point's own claim (95%, as gfl_features reports it) holds for k0 */
        double lo, hi;
        gfl_stats_clopper_pearson(k, N, 0.95, &lo, &hi);
        CHECK(lo >= 0.01, "k = %ld: lower end at 95%% %g", k, lo);
        int pt = gfl_features_search_best(&s, 1.0);
        CHECK(pass ? pt == 1 : pt == -1, "k = %ld: best point %d", k, pt);
        enumerate(&s, acos, nG, N, 1, &fp, 1.0);
        gfl_features_search_clear(&s);
    }
}

/* More draws in a cone never make the best objective worse: draws move one
 * at a time into every cone (|cos| = 1, |G| kept, so the grid stays). */
static void t_search_monotone(void)
{
    enum { N = 300, NF = 2 };
    uint64_t seed = gfl_test_seed();
    printf("\n  seed %llu", (unsigned long long)seed);
    gfl_rng r;
    gfl_rng_init(&r, seed, 78, 0, 0);
    static double acos[N * NF], nG[N];
    for (int q = 0; q < N; q++) {
        nG[q] = gfl_rng_uniform(&r);
        for (int f = 0; f < NF; f++)
            acos[q * NF + f] = gfl_rng_uniform(&r) < 0.5 ? -1 : 0.9 * gfl_rng_uniform(&r);
    }
    gfl_features_params fp;
    params(&fp, 0.2, 0.01);
    gfl_feature_search prev;
    CU_ASSERT_FATAL(gfl_features_search(acos, nG, N, NF, &fp, &prev) == GFL_OK);
    double coef = 0.05, pobj = INFINITY;
    int improved = 0, P = prev.ng * prev.nb;
    for (int it = 0; it < 60; it++) {
        for (int j = 0; j < 5; j++) {
            int q = (int)(N * gfl_rng_uniform(&r)) % N, f = (int)(NF * gfl_rng_uniform(&r)) % NF;
            acos[q * NF + f] = 1.0;
        }
        gfl_feature_search s;
        CU_ASSERT_FATAL(gfl_features_search(acos, nG, N, NF, &fp, &s) == GFL_OK);
        CU_ASSERT_FATAL(s.ng * s.nb == P);
        int worse = 0;
        for (int i = 0; i < P * NF; i++)
            worse |= s.count[i] < prev.count[i];
        for (int i = 0; i < P; i++)
            worse |= prev.ok[i] && !s.ok[i];
        int pt = gfl_features_search_best(&s, coef);
        double obj = pt < 0 ? INFINITY : 2 * s.gamma[pt / s.nb] + coef / s.B_G[pt % s.nb];
        CHECK(!worse && obj <= pobj, "iteration %d: a count or a point lost, or objective %g after %g", it, obj,
              pobj);
        improved += obj < pobj;
        pobj = obj;
        gfl_features_search_clear(&prev);
        prev = s;
    }
    CHECK(improved >= 2 && isfinite(pobj), "the objective improved %d times, last %g", improved, pobj);
    gfl_features_search_clear(&prev);
}

/* ---- real check runs: the small preset on the fast path ---- */

static double conc_of(const gfl_check_case *c, double BG, double c_n)
{
    return c_n * sqrt(c->feat.mom.Bx2 * log((double)c->cfg.n)) / (BG * sqrt((double)c->cfg.n));
}

static void t_real_runs(void)
{
    static const gfl_case_id ids[] = {GFL_CASE_XOR, GFL_CASE_PARITY, GFL_CASE_MOG};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        gfl_settings set;
        gfl_settings_init(&set);
        gfl_settings_set_preset(&set, GFL_PRESET_SMALL);
        gfl_check_request rq;
        gfl_check_report rep;
        gfl_check_request_init(&rq, gfl_paths);
        rq.case_id = ids[k];
        rq.settings = &set;
        rq.path = gfl_path_find("fast");
        CU_ASSERT_FATAL(gfl_check_param_set(&rq.params, "n-pop", "4096") == GFL_OK);
        CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK);
        CU_ASSERT_FATAL(gfl_check_execute(&rq, &rep, NULL, NULL) == GFL_OK && rep.ncase == 1);
        const gfl_check_case *c = &rep.cases[0];
        const gfl_chain_result *ch = &c->chain;
        const gfl_apriori_parts *a = &ch->apriori;
        const gfl_feature_search *s = &c->feat.search;
        const char *name = gfl_case_name(ids[k]);
        CU_ASSERT_FATAL(c->opt.available);
        double c_n = rq.params.cp.c_n, eps = rq.params.cp.eps;
        /* the configured triple's value, from its parts */
        double conf = c->opt.opt_hat + a->rbb * sqrt(2 * c->feat.fp.gamma + conc_of(c, c->feat.fp.B_G, c_n)) + eps;
        CHECK(fabs(a->configured_bound - conf) <= 1e-12 * conf, "%s: configured %.17g, from the parts %.17g", name,
              a->configured_bound, conf);
        CHECK(ch->apriori_bound <= a->configured_bound && a->bound == ch->apriori_bound,
              "%s: a-priori %g above the configured %g", name, ch->apriori_bound, a->configured_bound);
        /* the chosen triple: its value from its parts; when searched, a grid
         * point where every feature is a member at level_each (the oracle) and
         * the smallest such point */
        double mine = a->opt_hat + a->rbb * sqrt(2 * a->gamma + conc_of(c, a->B_G, c_n)) + a->eps;
        CHECK(fabs(mine - ch->apriori_bound) <= 1e-12 * mine && fabs(a->conc - conc_of(c, a->B_G, c_n)) <= 1e-12 * a->conc,
              "%s: bound %.17g, from the parts %.17g", name, ch->apriori_bound, mine);
        double best = INFINITY;
        int chosen_ok = 0;
        for (int gi = 0; gi < s->ng; gi++)
            for (int bi = 0; bi < s->nb; bi++) {
                int ok = 1;
                for (int f = 0; f < c->feat.nfeat; f++)
                    ok &= member_oracle(s->count[((size_t)f * s->ng + gi) * s->nb + bi], s->n, s->p, s->level_each,
                                        NULL);
                double obj = 2 * s->gamma[gi] + conc_of(c, s->B_G[bi], c_n);
                if (ok)
                    best = fmin(best, obj);
                chosen_ok |= ok && s->gamma[gi] == a->gamma && s->B_G[bi] == a->B_G;
            }
        if (a->optimized)
            CHECK(chosen_ok && fabs(2 * a->gamma + a->conc - best) <= 1e-12 * best,
                  "%s: searched triple feasible %d, objective %g, enumeration %g", name, chosen_ok,
                  2 * a->gamma + a->conc, best);
        CHECK(a->grid_points == s->ng * s->nb && a->p == c->feat.fp.p, "%s: %d points", name, a->grid_points);
        printf("\n  %s: a-priori %.4g at gamma %.3g B_G %.3g (%s), configured %.4g", name, ch->apriori_bound, a->gamma,
               a->B_G, a->optimized ? "searched" : "configured", a->configured_bound);
        /* the JSON object, with exactly the names the scaling report reads */
        json_t *doc = gfl_check_report_json(&rq, &rep);
        json_t *o = json_object_get(json_array_get(json_object_get(doc, "cases"), 0), "apriori");
        static const char *names[] = {"p", "gamma", "B_G", "conc", "rbb", "opt_hat", "eps", "bound", "optimized",
                                      "grid_points", "level_each", "configured_gamma", "configured_B_G",
                                      "configured_bound"};
        CU_ASSERT_FATAL(json_is_object(o));
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            CHECK(json_object_get(o, names[i]) != NULL, "%s: apriori.%s missing", name, names[i]);
        CHECK(json_object_size(o) == sizeof names / sizeof names[0], "%s: apriori has %zu names", name,
              json_object_size(o));
        CHECK(json_real_value(json_object_get(o, "bound")) == ch->apriori_bound &&
                  json_is_boolean(json_object_get(o, "optimized")) &&
                  json_boolean_value(json_object_get(o, "optimized")) == a->optimized,
              "%s: JSON bound or optimized differ", name);
        json_decref(doc);
        gfl_check_report_clear(&rep);
    }
}

/* ---- the link on fixed inputs: search off, configured better, non-finite ---- */

typedef gfl_test_chain_inputs inputs;

static void inputs_init(inputs *in)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.sigma_a = GFL_CHECK_SIGMA_A;
    gfl_test_chain_inputs_init(in, &cfg, 0);
}

static void run_chain(const inputs *in, const gfl_features_result *feat, const gfl_opt_result *opt,
                      gfl_chain_result *res)
{
    gfl_error_clear();
    CU_ASSERT_FATAL(gfl_chain_run(&in->pb, gfl_path_find("fast"), &in->wit, feat, opt, &in->cp, res) == GFL_OK);
}

/* The verdict rule of SPEC 6 on the population value's interval. */
static gfl_verdict rule(const gfl_chain_result *res, double level)
{
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2), B = res->apriori_bound;
    double lo = res->pop_best.loss - z * res->pop_best.loss_se, hi = res->pop_best.loss + z * res->pop_best.loss_se;
    return lo > B ? GFL_V_VIOLATED : isfinite(B) && hi <= B ? GFL_V_CONSISTENT : GFL_V_INCONCLUSIVE;
}

static void t_link_fallbacks(void)
{
    inputs in;
    gfl_chain_result full, res;
    inputs_init(&in);
    CU_ASSERT_FATAL(in.opt.available);
    run_chain(&in, &in.feat, &in.opt, &full);
    CHECK(full.apriori.optimized && full.apriori.searched_found, "xor small: the searched triple is used");
    CHECK(full.link[GFL_L_APRIORI].verdict == rule(&full, in.cp.level), "as run: verdict %s",
          gfl_verdict_name(full.link[GFL_L_APRIORI].verdict));
    /* no feasible point: the configured result stands, with the same rule */
    gfl_features_result feat = in.feat;
    gfl_feature_search none = feat.search;
    unsigned char zero[(GFL_SEARCH_G + 1) * (GFL_SEARCH_B + 1)] = {0};
    none.ok = zero;
    feat.search = none;
    run_chain(&in, &feat, &in.opt, &res);
    CHECK(!res.apriori.optimized && !res.apriori.searched_found &&
              res.apriori_bound == full.apriori.configured_bound && res.apriori.gamma == in.feat.fp.gamma &&
              res.apriori.B_G == in.feat.fp.B_G && strstr(res.link[GFL_L_APRIORI].note, "no searched point feasible"),
          "infeasible search: bound %g, configured %g (%s)", res.apriori_bound, full.apriori.configured_bound,
          res.link[GFL_L_APRIORI].note);
    CHECK(res.link[GFL_L_APRIORI].verdict == rule(&res, in.cp.level) && full.apriori_bound <= res.apriori_bound,
          "infeasible search: verdict %s", gfl_verdict_name(res.link[GFL_L_APRIORI].verdict));
    gfl_chain_clear(&res);
    /* no search at all (a result from before it): the configured triple */
    feat.search.ng = feat.search.nb = 0;
    run_chain(&in, &feat, &in.opt, &res);
    CHECK(!res.apriori.optimized && res.apriori.grid_points == 0 && isnan(res.apriori.level_each) &&
              res.apriori_bound == full.apriori.configured_bound,
          "no search: bound %g", res.apriori_bound);
    gfl_chain_clear(&res);
    /* a configured triple better than every searched one keeps the configured value */
    feat = in.feat;
    feat.fp.gamma = 1e-9;
    feat.fp.B_G = 1e9;
    run_chain(&in, &feat, &in.opt, &res);
    CHECK(!res.apriori.optimized && res.apriori.searched_found && res.apriori_bound < full.apriori_bound &&
              strstr(res.link[GFL_L_APRIORI].note, "no searched point smaller"),
          "configured smaller: %g vs searched %g (%s)", res.apriori_bound, full.apriori_bound,
          res.link[GFL_L_APRIORI].note);
    gfl_chain_clear(&res);
    /* non-finite: B_G = 0 and no feasible point give an infinite bound, a
     * NaN OPT_hat a NaN one: neither is CONSISTENT */
    feat = in.feat;
    feat.search = none;
    feat.fp.B_G = 0;
    run_chain(&in, &feat, &in.opt, &res);
    CHECK(isinf(res.apriori_bound) && res.link[GFL_L_APRIORI].verdict == GFL_V_INCONCLUSIVE,
          "infinite bound: %g %s", res.apriori_bound, gfl_verdict_name(res.link[GFL_L_APRIORI].verdict));
    gfl_chain_clear(&res);
    gfl_opt_result opt = in.opt;
    opt.opt_hat = NAN;
    run_chain(&in, &in.feat, &opt, &res);
    CHECK(isnan(res.apriori_bound) && res.link[GFL_L_APRIORI].verdict != GFL_V_CONSISTENT,
          "NaN bound: %g %s", res.apriori_bound, gfl_verdict_name(res.link[GFL_L_APRIORI].verdict));
    gfl_chain_clear(&res);
    /* OPT_hat not available: N/A, every part NaN */
    opt = in.opt;
    opt.available = 0;
    snprintf(opt.na_reason, sizeof opt.na_reason, "test");
    run_chain(&in, &in.feat, &opt, &res);
    CHECK(res.link[GFL_L_APRIORI].verdict == GFL_V_NA && isnan(res.apriori.bound) && isnan(res.apriori.gamma),
          "N/A: %s", gfl_verdict_name(res.link[GFL_L_APRIORI].verdict));
    gfl_chain_clear(&res);
    gfl_chain_clear(&full);
    gfl_test_chain_inputs_clear(&in);
}

static void print_case(const void *c) { gfl_check_print_case(c); }

/* The text report's line for each way the triple is chosen. */
static void t_report_lines(void)
{
    gfl_check_case c;
    CU_ASSERT_FATAL(gfl_test_check_instance(GFL_CASE_XOR, "fast", 20, GFL_CHAIN_FAULT_NONE, &c) == GFL_OK);
    gfl_check_case v = c;
    const char *out = captured(print_case, &v);
    CHECK(c.chain.apriori.optimized && strstr(out, "a-priori triple: searched p = 0.01") &&
              strstr(out, "configured gamma = 0.2, B_G = 0.01 gives"),
          "searched: %.300s", strstr(out, "a-priori triple") ? strstr(out, "a-priori triple") : out);
    struct {
        int optimized, found, points;
        double bound;
        const char *want;
    } k[] = {{0, 1, 441, 1.0, "a-priori triple: configured p = 0.01, gamma = 0.2, B_G = 0.01 gives 1; no searched point is smaller"},
             {0, 0, 441, 1.0, "no searched point has every witness feature a member"},
             {0, 0, 0, 1.0, "; no search"},
             {0, 0, 441, NAN, "a-priori triple: N/A (OPT_hat is not available)"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        v = c;
        v.chain.apriori.optimized = k[i].optimized;
        v.chain.apriori.searched_found = k[i].found;
        v.chain.apriori.grid_points = k[i].points;
        v.chain.apriori.gamma = 0.2;
        v.chain.apriori.B_G = 0.01;
        v.chain.apriori_bound = k[i].bound;
        out = captured(print_case, &v);
        CHECK(strstr(out, k[i].want) != NULL, "case %zu: want '%s' in %.300s", i, k[i].want,
              strstr(out, "a-priori triple") ? strstr(out, "a-priori triple") : out);
    }
    gfl_check_clear(&c);
}

typedef struct {
    const inputs *in;
    const gfl_features_result *feat;
} feat_print;

static void print_features(const void *p)
{
    const feat_print *fpr = p;
    gfl_features_print(&fpr->in->pb.cfg, &fpr->in->wit, fpr->feat, "fast");
}

/* gfl features: the best triple, or that there is none, in text and JSON. */
static void t_features_report(void)
{
    inputs in;
    inputs_init(&in);
    feat_print fpr = {&in, &in.feat};
    const char *out = captured(print_features, &fpr);
    CHECK(in.feat.best_pt >= 0 && strstr(out, "best triple for the a-priori form (c_n = 1, n = ") &&
              strstr(out, "feature 0 at the best triple: "),
          "best triple: %.400s", out);
    json_t *j = gfl_features_report_json(&in.pb.cfg, &in.wit, &in.feat, "fast"), *b = json_object_get(j, "best_triple");
    const gfl_feature_search *s = &in.feat.search;
    CHECK(json_is_object(b) && json_real_value(json_object_get(b, "gamma")) == s->gamma[in.feat.best_pt / s->nb] &&
              json_array_size(json_object_get(b, "counts")) == (size_t)in.feat.nfeat &&
              json_integer_value(json_array_get(json_object_get(b, "counts"), 0)) ==
                  s->count[in.feat.best_pt],
          "best_triple JSON");
    json_decref(j);
    gfl_features_result none = in.feat;
    none.best_pt = -1;
    fpr.feat = &none;
    out = captured(print_features, &fpr);
    CHECK(strstr(out, "best triple: none of the") != NULL, "no best triple: %.400s", out);
    j = gfl_features_report_json(&in.pb.cfg, &in.wit, &none, "fast");
    CHECK(json_is_null(json_object_get(j, "best_triple")), "best_triple is null");
    json_decref(j);
    gfl_test_chain_inputs_clear(&in);
}

void t_apriori_register(void)
{
    CU_pSuite s = CU_add_suite("apriori", NULL, NULL);
    CU_add_test(s, "best triple: known answer, grid, bad input", t_search_known);
    CU_add_test(s, "best triple: the search against an enumeration", t_search_enumeration);
    CU_add_test(s, "best triple: Bonferroni level over points and features", t_bonferroni_level);
    CU_add_test(s, "best triple: more draws in a cone never worsen it", t_search_monotone);
    CU_add_test(s, "a-priori link: configured fallback, non-finite bounds", t_link_fallbacks);
    CU_add_test(s, "a-priori form on check runs: xor, parity, mog (small, fast)", t_real_runs);
    CU_add_test(s, "a-priori triple in the text report", t_report_lines);
    CU_add_test(s, "best triple in gfl features, text and JSON", t_features_report);
}
