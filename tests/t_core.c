/* CUnit suites for core/: random streams, configuration, case samplers (SPEC 7)
 * and the symmetric initialization (SPEC 2).
 *
 * Every expected value is a closed form derived here (or in SPEC 7), never a
 * number produced by the code under test.  Statistical checks use a tolerance
 * of K_SE standard errors, the standard error being computed from the sample
 * size (and the closed-form variance where it is available); with K_SE = 6 a
 * correct implementation fails one check in about 5e8.  All randomness derives
 * from gfl_test_seed(); failure messages print the seed and the sub-case. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfl_test.h"
#include "gfl_config.h"
#include "gfl_problem.h"
#include "gfl_rng.h"
#include "gfl_status.h"

#define K_SE 6.0

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

/* CHECK(cond, fmt, ...): gfl_test.h */

/* A per-test seed: the run's seed plus a fixed salt (so a reader can pass the
 * same number to `gfl --seed`). */
static uint64_t test_seed(uint64_t salt) { return gfl_test_seed() + salt; }

/* Sample counts scale with the effort; effort 0 keeps a meaningful minimum. */
static long nsamples(long base)
{
    int e = gfl_test_effort();
    return e == 0 ? base / 2 : base * (long)e;
}

/* Running moments, in long double so that summation error is negligible. */
typedef struct {
    long n;
    long double s1, s2, s3, s4;
} moments;

static void mom_add(moments *m, double x)
{
    long double v = x;
    m->n++;
    m->s1 += v;
    m->s2 += v * v;
    m->s3 += v * v * v;
    m->s4 += v * v * v * v;
}
static double mom_mean(const moments *m) { return (double)(m->s1 / m->n); }
/* Central moments from raw sums (fine at these sizes in long double). */
static double mom_var(const moments *m)
{
    long double mu = m->s1 / m->n;
    return (double)(m->s2 / m->n - mu * mu);
}
static double mom_m4c(const moments *m)
{
    long double mu = m->s1 / m->n, n = m->n;
    long double e2 = m->s2 / n, e3 = m->s3 / n, e4 = m->s4 / n;
    return (double)(e4 - 4 * mu * e3 + 6 * mu * mu * e2 - 3 * mu * mu * mu * mu);
}
/* Standard error of the sample variance, estimated from the sample. */
static double mom_var_se(const moments *m)
{
    double v = mom_var(m), m4 = mom_m4c(m);
    double q = m4 - v * v;
    return sqrt((q > 0 ? q : 0) / (double)m->n);
}

static double Phi(double z) { return 0.5 * erfc(-z / M_SQRT2); }
static double phi(double z) { return exp(-0.5 * z * z) / sqrt(2 * M_PI); }

/* A problem with tiny init and test set: only the case structure matters. */
static gfl_status small_problem(gfl_problem *pb, gfl_config *cfg)
{
    cfg->m = 2;
    cfg->n_test = 1;
    return gfl_problem_init(pb, cfg);
}

/* ------------------------------------------------------------------------ */
/* rng                                                                      */

static void t_rng_same_key(void)
{
    uint64_t s = test_seed(11);
    gfl_rng r1, r2;
    gfl_rng_init(&r1, s, GFL_STREAM_BATCH, 3, 7);
    gfl_rng_init(&r2, s, GFL_STREAM_BATCH, 3, 7);
    int bad = 0;
    for (int k = 0; k < 1000; k++) {
        /* Mixed calls exercise the Box-Muller spare as well. */
        double x1, x2;
        switch (k % 4) {
        case 0: bad += gfl_rng_u64(&r1) != gfl_rng_u64(&r2); break;
        case 1:
            x1 = gfl_rng_normal(&r1), x2 = gfl_rng_normal(&r2);
            bad += memcmp(&x1, &x2, sizeof x1) != 0;
            break;
        case 2:
            x1 = gfl_rng_uniform(&r1), x2 = gfl_rng_uniform(&r2);
            bad += memcmp(&x1, &x2, sizeof x1) != 0;
            break;
        default: bad += gfl_rng_below(&r1, 1000003) != gfl_rng_below(&r2, 1000003); break;
        }
    }
    CHECK(bad == 0, "same key (%llu, BATCH, 3, 7): %d of 1000 draws differ",
          (unsigned long long)s, bad);
}

static int cmp_u64(const void *p, const void *q)
{
    uint64_t a = *(const uint64_t *)p, b = *(const uint64_t *)q;
    return a < b ? -1 : a > b;
}

/* Different keys give different streams, and not shifted copies of each
 * other either: no 64-bit word of one stream appears in the other. */
static void t_rng_different_keys(void)
{
    enum { W = 512 };
    uint64_t s = test_seed(12);
    const uint64_t keys[][4] = {
        {0, GFL_STREAM_BATCH, 1, 1}, {1, GFL_STREAM_BATCH, 1, 1}, /* seed */
        {0, GFL_STREAM_TEST, 1, 1},  {0, GFL_STREAM_INIT, 1, 1},  /* purpose */
        {0, GFL_STREAM_BATCH, 2, 1}, {0, GFL_STREAM_BATCH, 1, 2}, /* a, b */
        {0, GFL_STREAM_BATCH, 1, 0}, {0, GFL_STREAM_BATCH, 0, 1},
        {0, GFL_STREAM_BATCH, 2, 2}, {0, GFL_STREAM_BATCH, 1, 3}, /* neighbours */
    };
    const int nk = (int)(sizeof keys / sizeof keys[0]);
    static uint64_t w[10][W];
    for (int q = 0; q < nk; q++) {
        gfl_rng r;
        gfl_rng_init(&r, s + keys[q][0], keys[q][1], keys[q][2], keys[q][3]);
        for (int k = 0; k < W; k++)
            w[q][k] = gfl_rng_u64(&r);
        qsort(w[q], W, sizeof(uint64_t), cmp_u64);
    }
    for (int p = 0; p < nk; p++)
        for (int q = p + 1; q < nk; q++) {
            int common = 0, i = 0, j = 0;
            while (i < W && j < W) {
                if (w[p][i] == w[q][j]) common++, i++, j++;
                else if (w[p][i] < w[q][j]) i++;
                else j++;
            }
            CHECK(common == 0,
                  "keys (seed+%llu,%llu,%llu,%llu) and (seed+%llu,%llu,%llu,%llu), seed %llu: "
                  "%d common words among the first %d",
                  (unsigned long long)keys[p][0], (unsigned long long)keys[p][1],
                  (unsigned long long)keys[p][2], (unsigned long long)keys[p][3],
                  (unsigned long long)keys[q][0], (unsigned long long)keys[q][1],
                  (unsigned long long)keys[q][2], (unsigned long long)keys[q][3],
                  (unsigned long long)s, common, W);
        }
}

/* SPEC 9: the batch of step t is regenerable from (seed, case, t) alone. */
static void t_rng_batch_regenerable(void)
{
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_config_defaults(&cfg, (gfl_case_id)c, GFL_PRESET_SMALL);
        cfg.seed = test_seed(13);
        cfg.n = 64;
        gfl_error_clear();
        gfl_status st = small_problem(&pb, &cfg);
        CHECK(st == GFL_OK, "case %s: problem init failed: %s", gfl_case_name(cfg.case_id),
              gfl_error_message());
        if (st != GFL_OK)
            continue;
        size_t nd = (size_t)cfg.n * cfg.d;
        double *X[5], *Y[5];
        for (int q = 0; q < 5; q++) {
            X[q] = malloc(nd * sizeof(double));
            Y[q] = malloc((size_t)cfg.n * sizeof(double));
        }
        gfl_problem_batch(&pb, 3, X[0], Y[0]);  /* step 3 first */
        gfl_problem_batch(&pb, 1, X[1], Y[1]);
        gfl_problem_batch(&pb, 2, X[2], Y[2]);
        gfl_problem_batch(&pb, 3, X[3], Y[3]);  /* after steps 1, 2 */
        gfl_problem_batch(&pb, 1, X[4], Y[4]);  /* step 1 again, after step 3 */
        CHECK(memcmp(X[0], X[3], nd * sizeof(double)) == 0 &&
                  memcmp(Y[0], Y[3], (size_t)cfg.n * sizeof(double)) == 0,
              "case %s seed %llu: batch of step 3 depends on earlier draws",
              gfl_case_name(cfg.case_id), (unsigned long long)cfg.seed);
        CHECK(memcmp(X[1], X[4], nd * sizeof(double)) == 0 &&
                  memcmp(Y[1], Y[4], (size_t)cfg.n * sizeof(double)) == 0,
              "case %s seed %llu: batch of step 1 not reproducible",
              gfl_case_name(cfg.case_id), (unsigned long long)cfg.seed);
        CHECK(memcmp(X[1], X[2], nd * sizeof(double)) != 0 &&
                  memcmp(X[2], X[3], nd * sizeof(double)) != 0,
              "case %s seed %llu: batches of different steps coincide",
              gfl_case_name(cfg.case_id), (unsigned long long)cfg.seed);
        for (int q = 0; q < 5; q++) {
            free(X[q]);
            free(Y[q]);
        }
        gfl_problem_clear(&pb);
    }
}

static void t_rng_uniform_moments(void)
{
    uint64_t s = test_seed(14);
    long N = nsamples(200000);
    gfl_rng r;
    gfl_rng_init(&r, s, GFL_STREAM_MC, 1, 0);
    moments m = {0};
    long out = 0;
    for (long k = 0; k < N; k++) {
        double u = gfl_rng_uniform(&r);
        out += !(u >= 0.0 && u < 1.0);
        mom_add(&m, u);
    }
    CHECK(out == 0, "uniform: %ld of %ld draws outside [0,1)", out, N);
    /* U(0,1): mean 1/2, variance 1/12, fourth central moment 1/80. */
    double se_mean = sqrt(1.0 / 12.0 / (double)N);
    double se_var = sqrt((1.0 / 80.0 - 1.0 / 144.0) / (double)N);
    CHECK(fabs(mom_mean(&m) - 0.5) <= K_SE * se_mean, "uniform mean %.6f vs 1/2 (SE %.2e, N %ld)",
          mom_mean(&m), se_mean, N);
    CHECK(fabs(mom_var(&m) - 1.0 / 12.0) <= K_SE * se_var,
          "uniform variance %.6f vs 1/12 (SE %.2e, N %ld)", mom_var(&m), se_var, N);

    moments mp = {0};
    out = 0;
    for (long k = 0; k < N; k++) {
        double u = gfl_rng_uniform_pos(&r);
        out += !(u > 0.0 && u <= 1.0);
        mom_add(&mp, u);
    }
    CHECK(out == 0, "uniform_pos: %ld of %ld draws outside (0,1]", out, N);
    CHECK(fabs(mom_mean(&mp) - 0.5) <= K_SE * se_mean, "uniform_pos mean %.6f vs 1/2 (SE %.2e)",
          mom_mean(&mp), se_mean);

    long plus = 0, notsign = 0;
    for (long k = 0; k < N; k++) {
        double sg = gfl_rng_sign(&r);
        notsign += !(sg == 1.0 || sg == -1.0);
        plus += sg > 0;
    }
    CHECK(notsign == 0, "sign: %ld draws not +-1", notsign);
    double se_p = 0.5 / sqrt((double)N);
    CHECK(fabs((double)plus / N - 0.5) <= K_SE * se_p, "sign: P(+1) = %.5f (SE %.2e)",
          (double)plus / N, se_p);
}

static void t_rng_normal_moments(void)
{
    uint64_t s = test_seed(15);
    long N = nsamples(200000);
    gfl_rng r;
    gfl_rng_init(&r, s, GFL_STREAM_MC, 2, 0);
    moments m = {0};
    long nonfinite = 0, beyond = 0;
    for (long k = 0; k < N; k++) {
        double z = gfl_rng_normal(&r);
        nonfinite += !isfinite(z);
        beyond += fabs(z) > 2.0;
        mom_add(&m, z);
    }
    CHECK(nonfinite == 0, "normal: %ld non-finite draws", nonfinite);
    /* N(0,1): E z = 0 (var 1), E z^2 = 1 (var 2), E z^3 = 0 (var 15),
     * E z^4 = 3 (var 105 - 9 = 96), P(|z| > 2) = 2 Phi(-2). */
    double n = (double)N;
    double e1 = (double)(m.s1 / n), e2 = (double)(m.s2 / n), e3 = (double)(m.s3 / n),
           e4 = (double)(m.s4 / n);
    CHECK(fabs(e1) <= K_SE * sqrt(1 / n), "normal mean %.5f (SE %.2e, N %ld)", e1, sqrt(1 / n), N);
    CHECK(fabs(e2 - 1) <= K_SE * sqrt(2 / n), "normal E z^2 = %.5f vs 1 (SE %.2e)", e2,
          sqrt(2 / n));
    CHECK(fabs(e3) <= K_SE * sqrt(15 / n), "normal E z^3 = %.5f vs 0 (SE %.2e)", e3, sqrt(15 / n));
    CHECK(fabs(e4 - 3) <= K_SE * sqrt(96 / n), "normal E z^4 = %.5f vs 3 (SE %.2e)", e4,
          sqrt(96 / n));
    double p2 = 2 * Phi(-2.0), se2 = sqrt(p2 * (1 - p2) / n);
    CHECK(fabs((double)beyond / n - p2) <= K_SE * se2, "normal P(|z|>2) = %.5f vs %.5f (SE %.2e)",
          (double)beyond / n, p2, se2);
}

/* gfl_rng_below: chi-square over small n, and the rejection branch. */
static void t_rng_below(void)
{
    uint64_t s = test_seed(16);
    gfl_rng r;
    gfl_rng_init(&r, s, GFL_STREAM_MC, 3, 0);
    const uint64_t ns[] = {1, 2, 3, 5, 6, 7, 10, 13};
    for (size_t q = 0; q < sizeof ns / sizeof ns[0]; q++) {
        uint64_t nn = ns[q];
        long N = nsamples(20000) * (long)nn / 4 + 1000;
        long cnt[13] = {0}, out = 0;
        for (long k = 0; k < N; k++) {
            uint64_t v = gfl_rng_below(&r, nn);
            if (v >= nn)
                out++;
            else
                cnt[v]++;
        }
        CHECK(out == 0, "below(%llu): %ld draws out of range", (unsigned long long)nn, out);
        if (nn == 1)
            continue;
        double e = (double)N / (double)nn, chi2 = 0;
        for (uint64_t v = 0; v < nn; v++)
            chi2 += (cnt[v] - e) * (cnt[v] - e) / e;
        /* chi2 has mean df and sd sqrt(2 df); this bound is ~10 sd out. */
        double df = (double)(nn - 1), bound = df + 10 * sqrt(2 * df) + 10;
        CHECK(chi2 <= bound, "below(%llu): chi2 = %.2f > %.2f (df %.0f, N %ld)",
              (unsigned long long)nn, chi2, bound, df, N);
    }
    /* n = 0xAAAAAAAAAAAAAAAB ~ (2/3) 2^64: a third of all 64-bit words is
     * rejected; a plain v % n would give [0, n/2) probability 2/3, not 1/2. */
    uint64_t big = UINT64_C(0xAAAAAAAAAAAAAAAB);
    long N = nsamples(20000), low = 0, out = 0;
    for (long k = 0; k < N; k++) {
        uint64_t v = gfl_rng_below(&r, big);
        out += v >= big;
        low += v < big / 2;
    }
    double se = 0.5 / sqrt((double)N);
    CHECK(out == 0, "below(0xAA..AB): out of range");
    CHECK(fabs((double)low / N - 0.5) <= K_SE * se, "below(0xAA..AB): P(v < n/2) = %.4f vs 1/2 (SE %.2e)",
          (double)low / N, se);
}

/* ------------------------------------------------------------------------ */
/* config                                                                   */

static void t_config_defaults_validate(void)
{
    for (int p = 0; p < 2; p++)
        for (int c = 0; c < GFL_NCASES; c++) {
            gfl_config cfg;
            gfl_config_defaults(&cfg, (gfl_case_id)c, (gfl_preset)p);
            gfl_error_clear();
            gfl_status st = gfl_config_validate(&cfg);
            CHECK(st == GFL_OK, "defaults of case %s preset %d do not validate: %s",
                  gfl_case_name((gfl_case_id)c), p, gfl_error_message());
            CHECK((int)cfg.case_id == c && cfg.m % 2 == 0 && isnan(cfg.lam1),
                  "defaults of case %d preset %d: case id, even m or default lam1 wrong", c, p);
        }
    /* Case names round-trip; unknown names are refused. */
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_case_id id = GFL_NCASES;
        CHECK(gfl_case_from_name(gfl_case_name((gfl_case_id)c), &id) == GFL_OK && (int)id == c,
              "case name %d does not round-trip", c);
    }
    gfl_case_id id;
    gfl_error_clear();
    CHECK(gfl_case_from_name("Xor", &id) == GFL_EINVAL && gfl_error_message()[0],
          "case name 'Xor' accepted");
}

/* Setting one option; returns the status and checks the message convention. */
static gfl_status set_opt(gfl_config *cfg, const char *name, const char *value)
{
    gfl_error_clear();
    return gfl_config_set(cfg, name, value);
}

static void t_config_set_parses(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_DEFAULT);
    CHECK(set_opt(&cfg, "d", "12") == GFL_OK && cfg.d == 12, "int d=12");
    CHECK(set_opt(&cfg, "m", "-4") == GFL_OK && cfg.m == -4, "int m=-4 (range is validate's job)");
    CHECK(set_opt(&cfg, "m", "2147483647") == GFL_OK && cfg.m == 2147483647, "int INT_MAX");
    CHECK(set_opt(&cfg, "prec", "300") == GFL_OK && cfg.prec == 300, "long prec=300");
    CHECK(set_opt(&cfg, "seed", "18446744073709551615") == GFL_OK && cfg.seed == UINT64_MAX,
          "u64 seed = 2^64-1");
    CHECK(set_opt(&cfg, "seed", "0") == GFL_OK && cfg.seed == 0, "u64 seed = 0");
    CHECK(set_opt(&cfg, "eta", "0.25") == GFL_OK && cfg.eta == 0.25, "double eta=0.25");
    CHECK(set_opt(&cfg, "lam", "1e-3") == GFL_OK && cfg.lam == 1e-3, "double lam=1e-3");
    CHECK(set_opt(&cfg, "sigma-a", "-2.5") == GFL_OK && cfg.sigma_a == -2.5, "double -2.5");
    CHECK(set_opt(&cfg, "lam1", "0.5") == GFL_OK && cfg.lam1 == 0.5, "double lam1");
    CHECK(set_opt(&cfg, "freeze-w", NULL) == GFL_OK && cfg.freeze_w == 1, "flag without value");
    CHECK(set_opt(&cfg, "freeze-w", "0") == GFL_OK && cfg.freeze_w == 0, "flag 0");
    CHECK(set_opt(&cfg, "freeze-w", "true") == GFL_OK && cfg.freeze_w == 1, "flag true");
    CHECK(set_opt(&cfg, "freeze-w", "false") == GFL_OK && cfg.freeze_w == 0, "flag false");
    CHECK(set_opt(&cfg, "fixed-batch", "1") == GFL_OK && cfg.fixed_batch == 1, "flag 1");
    CHECK(set_opt(&cfg, "loss", "logistic") == GFL_OK && cfg.loss == GFL_LOSS_LOGISTIC, "enum");
    CHECK(set_opt(&cfg, "loss", "hinge") == GFL_OK && cfg.loss == GFL_LOSS_HINGE, "enum hinge");
    CHECK(set_opt(&cfg, "bias-mode", "gauss") == GFL_OK && cfg.bias_mode == GFL_BIAS_GAUSS,
          "enum bias-mode gauss");
    CHECK(set_opt(&cfg, "k", "5") == GFL_OK && cfg.k == 5, "case option k on parity");
    CHECK(set_opt(&cfg, "subset", NULL) == GFL_OK && cfg.subset == 1, "case flag subset");
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_DEFAULT);
    CHECK(set_opt(&cfg, "r", "3") == GFL_OK && cfg.r == 3, "r on mog");
    CHECK(set_opt(&cfg, "mu", "2") == GFL_OK && cfg.mu == 2.0, "mu on mog");
    gfl_config_defaults(&cfg, GFL_CASE_LINEAR, GFL_PRESET_DEFAULT);
    CHECK(set_opt(&cfg, "margin", "0.5") == GFL_OK && cfg.margin == 0.5, "margin on linear");
    gfl_config_defaults(&cfg, GFL_CASE_MULTIINDEX, GFL_PRESET_DEFAULT);
    CHECK(set_opt(&cfg, "rotate", "true") == GFL_OK && cfg.rotate == 1, "rotate on multiindex");
}

static void t_config_set_rejects(void)
{
    static const struct {
        gfl_case_id c;
        const char *name, *value;
    } bad[] = {
        {GFL_CASE_XOR, "d", "abc"},          {GFL_CASE_XOR, "d", "12abc"},
        {GFL_CASE_XOR, "d", ""},             {GFL_CASE_XOR, "d", "1.5"},
        {GFL_CASE_XOR, "d", "3000000000"},   {GFL_CASE_XOR, "d", "-3000000000"},
        {GFL_CASE_XOR, "m", "99999999999999999999"},
        {GFL_CASE_XOR, "prec", "99999999999999999999"}, {GFL_CASE_XOR, "prec", "12x"},
        {GFL_CASE_XOR, "seed", "-1"},        {GFL_CASE_XOR, "seed", "18446744073709551616"},
        {GFL_CASE_XOR, "seed", "1e3"},       {GFL_CASE_XOR, "seed", ""},
        {GFL_CASE_XOR, "seed", " -1"},       /* the sign check must see past blanks */
        {GFL_CASE_XOR, "eta", "nan"},        {GFL_CASE_XOR, "eta", "NaN"},
        {GFL_CASE_XOR, "eta", "inf"},        {GFL_CASE_XOR, "eta", "-inf"},
        {GFL_CASE_XOR, "eta", "infinity"},   {GFL_CASE_XOR, "eta", "1e999"},
        {GFL_CASE_XOR, "eta", "-1e999"},     {GFL_CASE_XOR, "eta", "0.1x"},
        {GFL_CASE_XOR, "eta", "0.1 "},       {GFL_CASE_XOR, "eta", ""},
        {GFL_CASE_XOR, "eta", "abc"},        {GFL_CASE_XOR, "lam1", "0.5x"},
        {GFL_CASE_XOR, "freeze-w", "yes"},   {GFL_CASE_XOR, "freeze-w", "2"},
        {GFL_CASE_XOR, "loss", "Hinge"},     {GFL_CASE_XOR, "loss", "square"},
        {GFL_CASE_XOR, "bias-mode", ""},     {GFL_CASE_XOR, "nope", "1"},
        {GFL_CASE_XOR, "sigma_a", "1"},      {GFL_CASE_XOR, "--eta", "1"},
        {GFL_CASE_XOR, "k", "3"},            {GFL_CASE_XOR, "r", "2"},
        {GFL_CASE_XOR, "subset", NULL},      {GFL_CASE_XOR, "margin", "0.1"},
        {GFL_CASE_PARITY, "r", "2"},         {GFL_CASE_PARITY, "mu", "1"},
        {GFL_CASE_PARITY_UNIFORM, "noise", "1"}, {GFL_CASE_MOG, "rotate", NULL},
        {GFL_CASE_LINEAR, "k", "3"},         {GFL_CASE_MULTIINDEX, "margin", "0.2"},
        {GFL_CASE_MOG, "k", "1"},            {GFL_CASE_LINEAR, "rotate", "1"},
    };
    for (size_t q = 0; q < sizeof bad / sizeof bad[0]; q++) {
        gfl_config cfg, before;
        gfl_config_defaults(&cfg, bad[q].c, GFL_PRESET_DEFAULT);
        before = cfg;
        gfl_status st = set_opt(&cfg, bad[q].name, bad[q].value);
        const char *msg = gfl_error_message();
        CHECK(st == GFL_EINVAL && msg[0] != '\0',
              "case %s: --%s '%s' gave status %d, message '%s' (want EINVAL with a message)",
              gfl_case_name(bad[q].c), bad[q].name, bad[q].value ? bad[q].value : "(null)",
              (int)st, msg);
        CHECK(memcmp(&cfg, &before, sizeof cfg) == 0,
              "case %s: rejected --%s '%s' modified the configuration", gfl_case_name(bad[q].c),
              bad[q].name, bad[q].value ? bad[q].value : "(null)");
    }
    /* The strict parsers themselves. */
    double dv;
    long lv;
    uint64_t uv;
    const char *bad_d[] = {"nan", "inf", "1e999", "", "1,5", "0x", "1e", "--1"};
    for (size_t q = 0; q < sizeof bad_d / sizeof bad_d[0]; q++) {
        gfl_error_clear();
        CHECK(gfl_parse_double(bad_d[q], &dv) == GFL_EINVAL && gfl_error_message()[0],
              "gfl_parse_double('%s') accepted", bad_d[q]);
    }
    gfl_error_clear();
    CHECK(gfl_parse_double("-0.125", &dv) == GFL_OK && dv == -0.125, "parse_double(-0.125)");
    gfl_error_clear();
    CHECK(gfl_parse_long("-17", &lv) == GFL_OK && lv == -17, "parse_long(-17)");
    gfl_error_clear();
    CHECK(gfl_parse_long("17 ", &lv) == GFL_EINVAL, "parse_long('17 ') accepted");
    gfl_error_clear();
    CHECK(gfl_parse_u64("42", &uv) == GFL_OK && uv == 42, "parse_u64(42)");
    gfl_error_clear();
    CHECK(gfl_parse_u64("+42", &uv) == GFL_EINVAL, "parse_u64('+42') accepted");
}

/* An option that takes a value, given none (value NULL, as for a bare flag):
 * must be refused with EINVAL, not crash.  Each call runs in a child process
 * so that a crash fails this test only. */
static void t_config_set_missing_value(void)
{
    for (size_t q = 0; q < gfl_config_noptions; q++) {
        const gfl_option *o = &gfl_config_options[q];
        if (o->type == GFL_OPT_FLAG)
            continue;
        gfl_case_id c = GFL_CASE_MOG;
        for (int i = 0; i < GFL_NCASES; i++)
            if (o->cases & GFL_CASE_BIT(i)) {
                c = (gfl_case_id)i;
                break;
            }
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            gfl_config cfg;
            gfl_config_defaults(&cfg, c, GFL_PRESET_DEFAULT);
            gfl_status st = set_opt(&cfg, o->name, NULL);
            _exit(st == GFL_EINVAL && gfl_error_message()[0] ? 0 : 1);
        }
        int ws = 0;
        if (pid < 0 || waitpid(pid, &ws, 0) != pid) {
            CHECK(0, "fork/waitpid failed");
            return;
        }
        CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
              "gfl_config_set(cfg, \"%s\", NULL) %s (want GFL_EINVAL with a message)", o->name,
              WIFSIGNALED(ws) ? "crashed" : "was accepted or gave no message");
        if (WIFSIGNALED(ws))
            printf("\n    gfl_config_set(\"%s\", NULL): child killed by signal %d", o->name,
                   WTERMSIG(ws));
    }
}

/* Modifies one field, validates, expects EINVAL and a message. */
typedef void (*cfg_mod)(gfl_config *);
#define MOD(nm, body) static void nm(gfl_config *c) { body; }
MOD(m_odd, c->m = 63)
MOD(m_zero, c->m = 0)
MOD(m_neg, c->m = -2)
MOD(d_zero, c->d = 0)
MOD(d_neg, c->d = -8)
MOD(n_zero, c->n = 0)
MOD(n_neg, c->n = -1)
MOD(T_zero, c->T = 0)
MOD(T_neg, c->T = -5)
MOD(ntest_zero, c->n_test = 0)
MOD(eval_zero, c->eval_every = 0)
MOD(prec_low, c->prec = 15)
MOD(eta1_zero, c->eta1 = 0)
MOD(eta_neg, c->eta = -0.1)
MOD(lam_neg, c->lam = -1e-4)
MOD(lam1_neg, c->lam1 = -1)
MOD(sa_zero, c->sigma_a = 0)
MOD(sw_neg, c->sigma_w = -1)
MOD(bt_zero, c->btilde = 0)
MOD(sb_zero, (c->bias_mode = GFL_BIAS_GAUSS, c->sigma_b = 0))
MOD(k_even, (c->case_id = GFL_CASE_PARITY, c->k = 2))
MOD(k_zero, (c->case_id = GFL_CASE_PARITY, c->k = 0))
MOD(k_big, (c->case_id = GFL_CASE_PARITY_UNIFORM, c->k = c->d + 1))
MOD(k_big_odd, (c->case_id = GFL_CASE_PARITY, c->d = 8, c->k = 9))
MOD(r_big, (c->case_id = GFL_CASE_MOG, c->d = 8, c->r = 9))
MOD(r_zero, (c->case_id = GFL_CASE_MOG, c->r = 0))
MOD(mu_zero, (c->case_id = GFL_CASE_XOR, c->mu = 0))
MOD(noise_zero, (c->case_id = GFL_CASE_MOG, c->noise = 0))
MOD(xor_d1, (c->case_id = GFL_CASE_XOR, c->d = 1))
MOD(mi_d1, (c->case_id = GFL_CASE_MULTIINDEX, c->d = 1))
MOD(margin_big, (c->case_id = GFL_CASE_LINEAR, c->margin = 5))
MOD(margin_neg, (c->case_id = GFL_CASE_LINEAR, c->margin = -0.1))
MOD(huge_md, (c->m = 2000000000, c->d = 2000000000))
MOD(huge_m, (c->m = 2000000000, c->d = 1000000))
MOD(huge_n, (c->n = 2000000000, c->m = 2000000000))
MOD(huge_ntest, (c->n_test = 2000000000, c->d = 2000000000))
MOD(bad_case, c->case_id = GFL_NCASES_ALL)

static void t_config_validate_rejects(void)
{
    static const struct {
        const char *what;
        cfg_mod f;
    } mods[] = {
        {"m odd", m_odd}, {"m = 0", m_zero}, {"m < 0", m_neg}, {"d = 0", d_zero},
        {"d < 0", d_neg}, {"n = 0", n_zero}, {"n < 0", n_neg}, {"T = 0", T_zero},
        {"T < 0", T_neg}, {"n_test = 0", ntest_zero}, {"eval_every = 0", eval_zero},
        {"prec 15", prec_low}, {"eta1 = 0", eta1_zero}, {"eta < 0", eta_neg},
        {"lam < 0", lam_neg}, {"lam1 < 0", lam1_neg}, {"sigma_a = 0", sa_zero},
        {"sigma_w < 0", sw_neg}, {"btilde = 0", bt_zero}, {"sigma_b = 0 (gauss)", sb_zero},
        {"k even", k_even}, {"k = 0", k_zero}, {"k > d", k_big}, {"k = 9 > d = 8", k_big_odd},
        {"r > d", r_big}, {"r = 0", r_zero}, {"mu = 0", mu_zero}, {"noise = 0", noise_zero},
        {"xor d = 1", xor_d1}, {"multiindex d = 1", mi_d1}, {"margin > 4", margin_big},
        {"margin < 0", margin_neg}, {"m = d = 2e9", huge_md}, {"m = 2e9, d = 1e6", huge_m},
        {"n = m = 2e9", huge_n}, {"n_test = d = 2e9", huge_ntest}, {"unknown case", bad_case},
    };
    for (size_t q = 0; q < sizeof mods / sizeof mods[0]; q++)
        for (int p = 0; p < 2; p++) {
            gfl_config cfg;
            gfl_config_defaults(&cfg, GFL_CASE_XOR, (gfl_preset)p);
            mods[q].f(&cfg);
            gfl_error_clear();
            gfl_status st = gfl_config_validate(&cfg);
            CHECK(st == GFL_EINVAL && gfl_error_message()[0] != '\0',
                  "validate accepted '%s' (preset %d): status %d, message '%s'", mods[q].what, p,
                  (int)st, gfl_error_message());
        }
    /* Boundary values that must be accepted (so the rejections above are not
     * a validate that refuses everything). */
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_SMALL);
    cfg.k = cfg.d - 1 + (cfg.d % 2); /* largest odd k <= d */
    cfg.m = 2;
    cfg.lam1 = 0;
    cfg.lam = 0;
    gfl_error_clear();
    CHECK(gfl_config_validate(&cfg) == GFL_OK, "validate refused k = %d <= d = %d, m = 2, lam = 0: %s",
          cfg.k, cfg.d, gfl_error_message());
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.r = cfg.d;
    gfl_error_clear();
    CHECK(gfl_config_validate(&cfg) == GFL_OK, "validate refused r = d: %s", gfl_error_message());
}

/* A value of each option different from its default, in range. */
static void perturb_config(gfl_config *c)
{
    c->seed = UINT64_C(12345678901234567890);
    c->prec = 200;
    c->d = 10;
    c->m = 34;
    c->n = 77;
    c->T = 13;
    c->n_test = 99;
    c->eval_every = 3;
    c->eta1 = 0.7;
    c->lam1 = 1.0 / 3.0;
    c->eta = 0.1 + 1e-17 * 3; /* not a short decimal */
    c->lam = 2.5e-7;
    c->sigma_a = 3.7;
    c->sigma_w = 0.3;
    c->sigma_b = M_PI;
    c->btilde = 0.0625;
    c->bias_mode = GFL_BIAS_SIGN;
    c->loss = GFL_LOSS_LOGISTIC;
    c->fixed_batch = 1;
    c->freeze_w = 1;
    c->random_features = 1;
    c->r = 5;
    c->mu = 1.5;
    c->noise = 0.2;
    c->k = 5;
    c->subset = 1;
    c->margin = 0.3;
    c->rotate = 1;
}

/* format -> set on a fresh config reproduces every applicable field bit for bit. */
static int roundtrip_one(const gfl_config *src, const gfl_option *o, char *why, size_t wl)
{
    char buf[256];
    gfl_config dst;
    gfl_config_defaults(&dst, src->case_id, GFL_PRESET_DEFAULT);
    gfl_config_format(src, o, buf, sizeof buf);
    gfl_status st = set_opt(&dst, o->name, buf);
    size_t sz = o->type == GFL_OPT_LONG ? sizeof(long)
              : o->type == GFL_OPT_U64  ? sizeof(uint64_t)
              : o->type == GFL_OPT_DOUBLE ? sizeof(double)
                                          : sizeof(int);
    int same = st == GFL_OK &&
               memcmp((const char *)src + o->offset, (const char *)&dst + o->offset, sz) == 0;
    if (!same)
        snprintf(why, wl, "--%s formatted as '%s' -> status %d (%s)", o->name, buf, (int)st,
                 gfl_error_message());
    return same;
}

static void t_config_roundtrip(void)
{
    int tested = 0;
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_config src;
        gfl_config_defaults(&src, (gfl_case_id)c, GFL_PRESET_SMALL);
        perturb_config(&src);
        for (size_t q = 0; q < gfl_config_noptions; q++) {
            const gfl_option *o = &gfl_config_options[q];
            CHECK(gfl_config_find(o->name) == o, "gfl_config_find('%s') does not find it", o->name);
            if (!(o->cases & GFL_CASE_BIT(c)))
                continue;
            char why[512] = "";
            CHECK(roundtrip_one(&src, o, why, sizeof why), "case %s: %s",
                  gfl_case_name((gfl_case_id)c), why);
            tested++;
        }
    }
    CHECK(tested >= 6 * 21, "only %d option round-trips tested", tested);
}

/* The same round trip from the defaults: lam1's default renders as text too. */
static void t_config_roundtrip_defaults(void)
{
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_config src;
        gfl_config_defaults(&src, (gfl_case_id)c, GFL_PRESET_DEFAULT);
        for (size_t q = 0; q < gfl_config_noptions; q++) {
            const gfl_option *o = &gfl_config_options[q];
            if (!(o->cases & GFL_CASE_BIT(c)))
                continue;
            char why[512] = "";
            CHECK(roundtrip_one(&src, o, why, sizeof why), "case %s defaults: %s",
                  gfl_case_name((gfl_case_id)c), why);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* samplers (SPEC 7)                                                        */

/* Draws N samples of the case into freshly allocated arrays. */
static void draw(const gfl_problem *pb, uint64_t salt, long N, double **X, double **Y)
{
    gfl_rng r;
    gfl_rng_init(&r, pb->cfg.seed, GFL_STREAM_MC, 1000 + salt, 0);
    *X = malloc((size_t)N * (size_t)pb->cfg.d * sizeof(double));
    *Y = malloc((size_t)N * sizeof(double));
    gfl_problem_sample(pb, &r, (int)N, *X, *Y);
}

/* Mixture of r components mu e_j (labels +,-,+,...) or the xor layout. */
static void check_mixture(gfl_case_id c, int d, int r, double mu, double noise, uint64_t salt)
{
    gfl_config cfg;
    gfl_problem pb;
    gfl_config_defaults(&cfg, c, GFL_PRESET_SMALL);
    cfg.seed = test_seed(salt);
    cfg.d = d;
    cfg.mu = mu;
    cfg.noise = noise;
    if (c == GFL_CASE_MOG)
        cfg.r = r;
    gfl_error_clear();
    gfl_status st = small_problem(&pb, &cfg);
    CHECK(st == GFL_OK, "%s init: %s", gfl_case_name(c), gfl_error_message());
    if (st != GFL_OK)
        return;
    long N = nsamples(40000);
    double *X, *Y;
    draw(&pb, salt, N, &X, &Y);
    const char *cn = gfl_case_name(c);
    /* Closed-form component layout (SPEC 7), independent of pb->mix. */
    int nc = c == GFL_CASE_XOR ? 4 : r;
    double cm[8][16] = {{0}}, cy[8];
    for (int j = 0; j < nc; j++) {
        if (c == GFL_CASE_XOR) {
            cm[j][j < 2 ? 0 : 1] = (j % 2 == 0) ? mu : -mu;
            cy[j] = j < 2 ? 1 : -1;
        } else {
            cm[j][j] = mu;
            cy[j] = j % 2 == 0 ? 1 : -1;
        }
    }
    int bad_label = 0;
    for (long k = 0; k < N; k++)
        bad_label += !(Y[k] == 1.0 || Y[k] == -1.0);
    CHECK(bad_label == 0, "%s: %d labels not +-1", cn, bad_label);
    /* Label balance: P(y = +1) = #positive components / r. */
    int npos = 0;
    for (int j = 0; j < nc; j++)
        npos += cy[j] > 0;
    double p = (double)npos / nc;
    long plus = 0;
    for (long k = 0; k < N; k++)
        plus += Y[k] > 0;
    double se = sqrt(p * (1 - p) / (double)N);
    CHECK(fabs((double)plus / N - p) <= K_SE * se, "%s (r=%d): P(y=+1) = %.4f vs %.4f (SE %.2e)",
          cn, nc, (double)plus / N, p, se);
    /* Class-conditional means: the average of the class's component means;
     * coordinate variance within the class is noise^2 + mu^2 q (1 - q) with q
     * the share of class components having mean mu on this coordinate. */
    for (int cls = -1; cls <= 1; cls += 2) {
        int ncls = 0;
        for (int j = 0; j < nc; j++)
            ncls += cy[j] == cls;
        if (ncls == 0)
            continue; /* mog with r = 1: no negative class */
        long Nc = 0;
        for (long k = 0; k < N; k++)
            Nc += Y[k] == cls;
        for (int i = 0; i < d; i++) {
            double mean = 0, ex2 = 0;
            for (int j = 0; j < nc; j++)
                if (cy[j] == cls) {
                    mean += cm[j][i] / ncls;
                    ex2 += cm[j][i] * cm[j][i] / ncls;
                }
            double var = noise * noise + ex2 - mean * mean;
            long double s = 0;
            for (long k = 0; k < N; k++)
                if (Y[k] == cls)
                    s += X[(size_t)k * d + i];
            double got = (double)(s / Nc), sem = sqrt(var / (double)Nc);
            CHECK(Nc > 0 && fabs(got - mean) <= K_SE * sem,
                  "%s mu=%g noise=%g: E[x_%d | y=%d] = %.5f vs %.5f (SE %.2e, N_c %ld)", cn, mu,
                  noise, i, cls, got, mean, sem, Nc);
        }
    }
    /* Per-coordinate variance over all samples: noise^2 + mu^2 q (1 - q). */
    for (int i = 0; i < d; i++) {
        double mean = 0, ex2 = 0;
        for (int j = 0; j < nc; j++) {
            mean += cm[j][i] / nc;
            ex2 += cm[j][i] * cm[j][i] / nc;
        }
        double var = noise * noise + ex2 - mean * mean;
        moments m = {0};
        for (long k = 0; k < N; k++)
            mom_add(&m, X[(size_t)k * d + i]);
        double sev = mom_var_se(&m);
        CHECK(fabs(mom_var(&m) - var) <= K_SE * sev + 1e-12,
              "%s: Var x_%d = %.5f vs %.5f (SE %.2e)", cn, i, mom_var(&m), var, sev);
    }
    /* Each component separately (the sign of its nonzero coordinate picks it;
     * the other components reach that region with probability Phi(-mu/noise)):
     * mean mu_j and within-component standard deviation noise. */
    if (mu / noise >= 8)
        for (int j = 0; j < nc; j++) {
            int ax = -1;
            for (int i = 0; i < d; i++)
                if (cm[j][i] != 0)
                    ax = i;
            double sgn = cm[j][ax] > 0 ? 1 : -1;
            moments m = {0};
            for (long k = 0; k < N; k++) {
                const double *x = X + (size_t)k * d;
                if (Y[k] != cy[j] || sgn * x[ax] < mu / 2)
                    continue;
                mom_add(&m, x[ax]);
            }
            double sem = noise / sqrt((double)m.n);
            double pj = 1.0 / nc, sep = sqrt(pj * (1 - pj) / (double)N);
            CHECK(fabs((double)m.n / N - pj) <= K_SE * sep,
                  "%s: component %d weight %.4f vs %.4f (SE %.2e)", cn, j, (double)m.n / N, pj, sep);
            CHECK(fabs(mom_mean(&m) - cm[j][ax]) <= K_SE * sem,
                  "%s: component %d mean on axis %d = %.5f vs %.5f (SE %.2e)", cn, j, ax,
                  mom_mean(&m), cm[j][ax], sem);
            double sev = noise * noise * sqrt(2.0 / (double)m.n);
            CHECK(fabs(mom_var(&m) - noise * noise) <= K_SE * sev,
                  "%s: component %d variance %.3e vs %.3e (SE %.2e)", cn, j, mom_var(&m),
                  noise * noise, sev);
        }
    free(X);
    free(Y);
    gfl_problem_clear(&pb);
}

static void t_sample_mog(void)
{
    check_mixture(GFL_CASE_MOG, 8, 4, 1.0, 0.1, 21);
    check_mixture(GFL_CASE_MOG, 6, 3, 2.0, 0.25, 22);
    check_mixture(GFL_CASE_MOG, 5, 1, 1.0, 0.5, 23);
}

static void t_sample_xor(void)
{
    check_mixture(GFL_CASE_XOR, 8, 4, 1.0, 0.1, 24);
    check_mixture(GFL_CASE_XOR, 3, 4, 3.0, 0.3, 25);
}

/* parity and parity_uniform: exact structure and the law of x_A. */
static void check_parity(gfl_case_id c, int d, int k, int subset, uint64_t salt)
{
    gfl_config cfg;
    gfl_problem pb;
    gfl_config_defaults(&cfg, c, GFL_PRESET_SMALL);
    cfg.seed = test_seed(salt);
    cfg.d = d;
    cfg.k = k;
    cfg.subset = subset;
    gfl_error_clear();
    gfl_status st = small_problem(&pb, &cfg);
    CHECK(st == GFL_OK, "%s init: %s", gfl_case_name(c), gfl_error_message());
    if (st != GFL_OK)
        return;
    const char *cn = gfl_case_name(c);
    /* A: k distinct increasing indices in [0, d); the first k without subset. */
    int okA = 1;
    for (int j = 0; j < k; j++) {
        okA &= pb.A[j] >= 0 && pb.A[j] < d;
        if (j > 0)
            okA &= pb.A[j] > pb.A[j - 1];
        if (!subset)
            okA &= pb.A[j] == j;
    }
    CHECK(okA, "%s d=%d k=%d subset=%d seed %llu: A is not %s", cn, d, k, subset,
          (unsigned long long)cfg.seed,
          subset ? "k distinct increasing indices" : "the first k coordinates");
    int A[64];
    memcpy(A, pb.A, (size_t)k * sizeof(int));
    long N = nsamples(40000);
    double *X, *Y;
    draw(&pb, salt, N, &X, &Y);
    long bad_norm = 0, bad_pm = 0, bad_y = 0, equalA = 0, plus = 0;
    long *ones = calloc((size_t)d, sizeof(long));
    for (long q = 0; q < N; q++) {
        const double *x = X + (size_t)q * d;
        double n2 = 0, y = 1;
        for (int i = 0; i < d; i++) {
            n2 += x[i] * x[i];
            bad_pm += !(x[i] == 1.0 || x[i] == -1.0);
            ones[i] += x[i] > 0;
        }
        bad_norm += n2 != (double)d;
        int all_eq = 1;
        for (int j = 0; j < k; j++) {
            y *= x[A[j]];
            all_eq &= x[A[j]] == x[A[0]];
        }
        bad_y += Y[q] != y;
        equalA += all_eq;
        plus += Y[q] > 0;
    }
    CHECK(bad_pm == 0 && bad_norm == 0, "%s: %ld entries not +-1, %ld samples with |x|^2 != d",
          cn, bad_pm, bad_norm);
    CHECK(bad_y == 0, "%s: %ld labels differ from prod_{j in A} x_j", cn, bad_y);
    /* P(x_A all equal): structured law = 1/2 (common sign) + 1/2 * 2^(1-k)
     * (uniform half: 2 of the 2^k sign patterns); uniform law = 2^(1-k). */
    double pu = ldexp(1.0, 1 - k);
    double p = c == GFL_CASE_PARITY ? 0.5 + 0.5 * pu : pu;
    double se = sqrt(p * (1 - p) / (double)N);
    CHECK(fabs((double)equalA / N - p) <= K_SE * se + (p == 1 ? 1e-12 : 0),
          "%s d=%d k=%d: P(x_A all equal) = %.4f vs %.4f (SE %.2e)", cn, d, k,
          (double)equalA / N, p, se);
    /* y = prod x_A is +1 w.p. 1/2 in both laws (k odd); each coordinate is fair. */
    double se2 = 0.5 / sqrt((double)N);
    CHECK(fabs((double)plus / N - 0.5) <= K_SE * se2, "%s: P(y=+1) = %.4f (SE %.2e)", cn,
          (double)plus / N, se2);
    for (int i = 0; i < d; i++)
        CHECK(fabs((double)ones[i] / N - 0.5) <= K_SE * se2, "%s: P(x_%d = +1) = %.4f (SE %.2e)",
              cn, i, (double)ones[i] / N, se2);
    free(ones);
    free(X);
    free(Y);
    gfl_problem_clear(&pb);
}

static void t_sample_parity(void)
{
    check_parity(GFL_CASE_PARITY, 8, 3, 0, 31);
    check_parity(GFL_CASE_PARITY, 10, 5, 1, 32);
    check_parity(GFL_CASE_PARITY, 4, 1, 0, 33);
    check_parity(GFL_CASE_PARITY_UNIFORM, 8, 3, 0, 34);
    check_parity(GFL_CASE_PARITY_UNIFORM, 9, 3, 1, 35);
}

/* --subset: A depends on the seed and every index is equally likely (k/d). */
static void t_sample_parity_subset(void)
{
    const int d = 12, k = 3;
    int S = gfl_test_effort() == 0 ? 60 : 240 * gfl_test_effort();
    long cnt[12] = {0};
    int distinct_sets = 0;
    unsigned prev_mask = 0;
    for (int s = 0; s < S; s++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_SMALL);
        cfg.seed = test_seed(36) + (uint64_t)s * 7919;
        cfg.d = d;
        cfg.k = k;
        cfg.subset = 1;
        gfl_error_clear();
        if (small_problem(&pb, &cfg) != GFL_OK) {
            CHECK(0, "parity subset init failed: %s", gfl_error_message());
            return;
        }
        unsigned mask = 0;
        int ok = 1;
        for (int j = 0; j < k; j++) {
            ok &= pb.A[j] >= 0 && pb.A[j] < d && (j == 0 || pb.A[j] > pb.A[j - 1]);
            if (pb.A[j] >= 0 && pb.A[j] < d) {
                cnt[pb.A[j]]++;
                mask |= 1u << pb.A[j];
            }
        }
        CHECK(ok, "seed %llu: subset A not increasing in [0,d)", (unsigned long long)cfg.seed);
        distinct_sets += s > 0 && mask != prev_mask;
        prev_mask = mask;
        /* Same seed, same A. */
        gfl_problem pb2;
        if (small_problem(&pb2, &cfg) == GFL_OK) {
            CHECK(memcmp(pb.A, pb2.A, (size_t)k * sizeof(int)) == 0,
                  "seed %llu: A not reproducible", (unsigned long long)cfg.seed);
            gfl_problem_clear(&pb2);
        }
        gfl_problem_clear(&pb);
    }
    /* Consecutive seeds pick the same set w.p. 1/C(12,3) = 1/220. */
    CHECK(distinct_sets >= (S - 1) / 2, "subset A changes with the seed only %d times in %d",
          distinct_sets, S - 1);
    double e = (double)S * k / d, chi2 = 0;
    for (int j = 0; j < d; j++)
        chi2 += (cnt[j] - e) * (cnt[j] - e) / e;
    /* Each index is in A w.p. k/d; the counts are not independent, but the
     * statistic still has mean below d - 1; the bound is generous. */
    double bound = (d - 1) + 10 * sqrt(2.0 * (d - 1)) + 10;
    CHECK(chi2 <= bound, "subset: index frequencies chi2 = %.1f > %.1f over %d seeds", chi2, bound,
          S);
}

static void t_sample_linear(void)
{
    const double margins[] = {0.1, 0.0, 1.5};
    for (int q = 0; q < 3; q++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_config_defaults(&cfg, GFL_CASE_LINEAR, GFL_PRESET_SMALL);
        cfg.seed = test_seed(41 + (uint64_t)q);
        cfg.margin = margins[q];
        int d = cfg.d;
        gfl_error_clear();
        if (small_problem(&pb, &cfg) != GFL_OK) {
            CHECK(0, "linear init: %s", gfl_error_message());
            return;
        }
        long N = nsamples(40000);
        double *X, *Y;
        draw(&pb, 41 + (uint64_t)q, N, &X, &Y);
        double c = cfg.margin;
        long bad_margin = 0, bad_y = 0, plus = 0;
        moments ax = {0}, other = {0};
        for (long k = 0; k < N; k++) {
            const double *x = X + (size_t)k * d;
            bad_margin += !(fabs(x[0]) >= c) || x[0] == 0.0;
            bad_y += Y[k] != (x[0] > 0 ? 1.0 : -1.0);
            plus += Y[k] > 0;
            mom_add(&ax, fabs(x[0]));
            for (int i = 1; i < d; i++)
                mom_add(&other, x[i]);
        }
        CHECK(bad_margin == 0, "linear margin %g: %ld samples with |x_1| < margin", c, bad_margin);
        CHECK(bad_y == 0, "linear: %ld labels != sign(x_1)", bad_y);
        double se = 0.5 / sqrt((double)N);
        CHECK(fabs((double)plus / N - 0.5) <= K_SE * se, "linear margin %g: P(y=+1) = %.4f", c,
              (double)plus / N);
        /* |x_1| given |x_1| >= c: E = phi(c)/Q(c), E x^2 = 1 + c phi(c)/Q(c). */
        double Q = 1 - Phi(c), e1 = phi(c) / Q, e2 = 1 + c * phi(c) / Q;
        double sem = sqrt((e2 - e1 * e1) / (double)N);
        CHECK(fabs(mom_mean(&ax) - e1) <= K_SE * sem,
              "linear margin %g: E|x_1| = %.5f vs %.5f (SE %.2e)", c, mom_mean(&ax), e1, sem);
        double no = (double)other.n;
        CHECK(fabs(mom_mean(&other)) <= K_SE / sqrt(no) &&
                  fabs(mom_var(&other) - 1) <= K_SE * sqrt(2 / no),
              "linear: other coordinates mean %.4f var %.4f, want N(0,1)", mom_mean(&other),
              mom_var(&other));
        free(X);
        free(Y);
        gfl_problem_clear(&pb);
    }
}

static void t_sample_multiindex(void)
{
    for (int rot = 0; rot <= 1; rot++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_config_defaults(&cfg, GFL_CASE_MULTIINDEX, GFL_PRESET_SMALL);
        cfg.seed = test_seed(51);
        cfg.rotate = rot;
        int d = cfg.d;
        gfl_error_clear();
        if (small_problem(&pb, &cfg) != GFL_OK) {
            CHECK(0, "multiindex init: %s", gfl_error_message());
            return;
        }
        const double *u1 = pb.U, *u2 = pb.U + d;
        if (rot) {
            long double n1 = 0, n2 = 0, dp = 0;
            for (int j = 0; j < d; j++) {
                n1 += (long double)u1[j] * u1[j];
                n2 += (long double)u2[j] * u2[j];
                dp += (long double)u1[j] * u2[j];
            }
            CHECK(fabsl(n1 - 1) <= 1e-12L && fabsl(n2 - 1) <= 1e-12L && fabsl(dp) <= 1e-12L,
                  "rotate seed %llu: U rows not orthonormal: |u1|^2-1 = %.2Le, |u2|^2-1 = %.2Le, "
                  "<u1,u2> = %.2Le",
                  (unsigned long long)cfg.seed, n1 - 1, n2 - 1, dp);
            /* A real rotation: not the axes; depends on the seed. */
            CHECK(fabs(u1[0]) < 1 - 1e-6 && fabs(u2[1]) < 1 - 1e-6,
                  "rotate: U is the identity pair");
            gfl_config c2 = cfg;
            gfl_problem pb2;
            c2.seed = cfg.seed + 1;
            if (small_problem(&pb2, &c2) == GFL_OK) {
                CHECK(memcmp(pb2.U, pb.U, 2 * (size_t)d * sizeof(double)) != 0,
                      "rotate: U does not depend on the seed");
                gfl_problem_clear(&pb2);
            }
        } else {
            int axes = 1;
            for (int j = 0; j < d; j++)
                axes &= u1[j] == (j == 0) && u2[j] == (j == 1);
            CHECK(axes, "rotate off: (u1, u2) != (e1, e2)");
        }
        long N = nsamples(40000);
        double *X, *Y;
        draw(&pb, 51 + (uint64_t)rot, N, &X, &Y);
        long bad_y = 0, close = 0, plus = 0;
        moments all = {0};
        for (long k = 0; k < N; k++) {
            const double *x = X + (size_t)k * d;
            double want;
            if (!rot) {
                want = ((x[0] > 0) == (x[1] > 0)) ? 1.0 : -1.0; /* sign(x1 x2) */
            } else {
                long double p1 = 0, p2 = 0;
                for (int j = 0; j < d; j++) {
                    p1 += (long double)u1[j] * x[j];
                    p2 += (long double)u2[j] * x[j];
                }
                if (fabsl(p1) < 1e-12L || fabsl(p2) < 1e-12L) { /* sign not certain */
                    close++;
                    continue;
                }
                want = (p1 > 0) == (p2 > 0) ? 1.0 : -1.0;
            }
            bad_y += Y[k] != want;
            plus += Y[k] > 0;
            for (int j = 0; j < d; j++)
                mom_add(&all, x[j]);
        }
        CHECK(bad_y == 0, "multiindex rotate=%d: %ld labels != sign(<u1,x><u2,x>)", rot, bad_y);
        CHECK(close <= 2, "multiindex: %ld samples too close to a sign change", close);
        double se = 0.5 / sqrt((double)N);
        CHECK(fabs((double)plus / N - 0.5) <= K_SE * se, "multiindex rotate=%d: P(y=+1) = %.4f",
              rot, (double)plus / N);
        double na = (double)all.n;
        CHECK(fabs(mom_mean(&all)) <= K_SE / sqrt(na) && fabs(mom_var(&all) - 1) <= K_SE * sqrt(2 / na),
              "multiindex: x not N(0, I): mean %.4f var %.4f", mom_mean(&all), mom_var(&all));
        free(X);
        free(Y);
        gfl_problem_clear(&pb);
    }
}

/* ------------------------------------------------------------------------ */
/* init (SPEC 2)                                                            */

static void check_init(gfl_bias_mode mode, uint64_t salt)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.bias_mode = mode;
    cfg.sigma_a = 2.5;
    cfg.sigma_w = 0.7;
    cfg.sigma_b = 1.5;
    cfg.btilde = 0.375;
    cfg.d = 6;
    cfg.m = 2 * (int)nsamples(2000);
    int m = cfg.m, d = cfg.d, h = m / 2;
    double *a = malloc((size_t)m * sizeof(double));
    double *W = malloc((size_t)m * d * sizeof(double));
    double *b = malloc((size_t)m * sizeof(double));
    gfl_rng r;
    gfl_rng_init(&r, test_seed(salt), GFL_STREAM_INIT, 0, 0);
    gfl_problem_draw_init(&cfg, &r, a, W, b);
    const char *mn = gfl_bias_mode_name(mode);
    /* Mirror copy, bit for bit. */
    long bad = 0;
    for (int i = 0; i < h; i++) {
        double na = -a[i];
        bad += memcmp(&a[i + h], &na, sizeof na) != 0;
        bad += memcmp(W + (size_t)(i + h) * d, W + (size_t)i * d, (size_t)d * sizeof(double)) != 0;
        bad += memcmp(&b[i + h], &b[i], sizeof(double)) != 0;
    }
    CHECK(bad == 0, "bias %s: %ld mirror mismatches (a_{i+m/2} = -a_i, same w, b)", mn, bad);
    /* Laws of the first half: a ~ N(0, sigma_a^2), w_ij ~ N(0, sigma_w^2). */
    moments ma = {0}, mw = {0}, mb = {0};
    for (int i = 0; i < h; i++) {
        mom_add(&ma, a[i]);
        mom_add(&mb, b[i]);
        for (int j = 0; j < d; j++)
            mom_add(&mw, W[(size_t)i * d + j]);
    }
    double sa2 = cfg.sigma_a * cfg.sigma_a, sw2 = cfg.sigma_w * cfg.sigma_w;
    CHECK(fabs(mom_mean(&ma)) <= K_SE * cfg.sigma_a / sqrt(h) &&
              fabs(mom_var(&ma) - sa2) <= K_SE * sa2 * sqrt(2.0 / h),
          "bias %s: a mean %.4f var %.4f, want N(0, %.4f) (h = %d)", mn, mom_mean(&ma),
          mom_var(&ma), sa2, h);
    double nw = (double)mw.n;
    CHECK(fabs(mom_mean(&mw)) <= K_SE * cfg.sigma_w / sqrt(nw) &&
              fabs(mom_var(&mw) - sw2) <= K_SE * sw2 * sqrt(2.0 / nw),
          "bias %s: w mean %.4f var %.4f, want N(0, %.4f)", mn, mom_mean(&mw), mom_var(&mw), sw2);
    long bt = 0, neg = 0;
    for (int i = 0; i < h; i++) {
        bt += fabs(b[i]) == cfg.btilde;
        neg += b[i] < 0;
    }
    switch (mode) {
    case GFL_BIAS_CONST:
        CHECK(bt == h && neg == 0, "const bias: %ld of %d equal +btilde, %ld negative", bt, h, neg);
        break;
    case GFL_BIAS_SIGN: {
        double se = 0.5 / sqrt(h);
        CHECK(bt == h, "sign bias: %ld of %d have |b| = btilde", bt, h);
        CHECK(neg > 0 && neg < h, "sign bias: both signs must occur (%ld negative of %d)", neg, h);
        CHECK(fabs((double)neg / h - 0.5) <= K_SE * se, "sign bias: P(b < 0) = %.4f (SE %.2e)",
              (double)neg / h, se);
        break;
    }
    case GFL_BIAS_GAUSS: {
        double sb2 = cfg.sigma_b * cfg.sigma_b;
        CHECK(fabs(mom_mean(&mb)) <= K_SE * cfg.sigma_b / sqrt(h) &&
                  fabs(mom_var(&mb) - sb2) <= K_SE * sb2 * sqrt(2.0 / h),
              "gauss bias: mean %.4f var %.4f, want N(0, %.4f)", mom_mean(&mb), mom_var(&mb), sb2);
        CHECK(bt <= 1, "gauss bias: %ld values equal to +-btilde", bt);
        break;
    }
    }
    /* gfl_problem_draw_neuron draws from the same law (SPEC 4). */
    moments nb = {0}, nwm = {0};
    long nbt = 0;
    double *w = malloc((size_t)d * sizeof(double));
    for (int s = 0; s < h; s++) {
        double bb;
        gfl_problem_draw_neuron(&cfg, &r, w, &bb);
        mom_add(&nb, bb);
        nbt += fabs(bb) == cfg.btilde;
        for (int j = 0; j < d; j++)
            mom_add(&nwm, w[j]);
    }
    double nn = (double)nwm.n;
    CHECK(fabs(mom_var(&nwm) - sw2) <= K_SE * sw2 * sqrt(2.0 / nn),
          "draw_neuron (%s): w var %.4f vs %.4f", mn, mom_var(&nwm), sw2);
    if (mode != GFL_BIAS_GAUSS)
        CHECK(nbt == h, "draw_neuron (%s): %ld of %d biases with |b| = btilde", mn, nbt, h);
    free(w);
    free(a);
    free(W);
    free(b);
}

static void t_init_laws(void)
{
    check_init(GFL_BIAS_CONST, 61);
    check_init(GFL_BIAS_SIGN, 62);
    check_init(GFL_BIAS_GAUSS, 63);
}

/* The initialization held by a problem (what both engines load) is mirrored. */
static void t_init_problem_mirror(void)
{
    for (int c = 0; c < GFL_NCASES; c++)
        for (int mode = 0; mode < 3; mode++) {
            gfl_config cfg;
            gfl_problem pb;
            gfl_config_defaults(&cfg, (gfl_case_id)c, GFL_PRESET_SMALL);
            cfg.seed = test_seed(64);
            cfg.bias_mode = (gfl_bias_mode)mode;
            cfg.n_test = 8;
            gfl_error_clear();
            if (gfl_problem_init(&pb, &cfg) != GFL_OK) {
                CHECK(0, "init %s: %s", gfl_case_name(cfg.case_id), gfl_error_message());
                continue;
            }
            int m = cfg.m, d = cfg.d, h = m / 2;
            long bad = 0, zero_a = 0;
            for (int i = 0; i < h; i++) {
                double na = -pb.a0[i];
                bad += memcmp(&pb.a0[i + h], &na, sizeof na) != 0;
                bad += memcmp(pb.W0 + (size_t)(i + h) * d, pb.W0 + (size_t)i * d,
                              (size_t)d * sizeof(double)) != 0;
                bad += pb.b[i + h] != pb.b[i];
                zero_a += pb.a0[i] == 0;
            }
            CHECK(bad == 0 && zero_a == 0, "case %s bias %d: %ld mirror mismatches, %ld zero a_i",
                  gfl_case_name(cfg.case_id), mode, bad, zero_a);
            /* Different seeds, different initializations. */
            gfl_problem pb2;
            cfg.seed++;
            if (gfl_problem_init(&pb2, &cfg) == GFL_OK) {
                CHECK(memcmp(pb.W0, pb2.W0, (size_t)m * d * sizeof(double)) != 0,
                      "case %s: W0 does not depend on the seed", gfl_case_name(cfg.case_id));
                gfl_problem_clear(&pb2);
            }
            gfl_problem_clear(&pb);
        }
}

/* ------------------------------------------------------------------------ */

void t_core_register(void)
{
    CU_pSuite s = CU_add_suite("core_rng", NULL, NULL);
    CU_add_test(s, "same key, same stream", t_rng_same_key);
    CU_add_test(s, "different keys, disjoint streams", t_rng_different_keys);
    CU_add_test(s, "batch of step t regenerable in any order", t_rng_batch_regenerable);
    CU_add_test(s, "uniform, uniform_pos, sign moments", t_rng_uniform_moments);
    CU_add_test(s, "normal moments", t_rng_normal_moments);
    CU_add_test(s, "below: chi-square and rejection", t_rng_below);

    s = CU_add_suite("core_config", NULL, NULL);
    CU_add_test(s, "defaults validate (all cases, both presets)", t_config_defaults_validate);
    CU_add_test(s, "set parses every option type", t_config_set_parses);
    CU_add_test(s, "set rejects bad values and options", t_config_set_rejects);
    CU_add_test(s, "set refuses a missing value", t_config_set_missing_value);
    CU_add_test(s, "validate rejects bad sizes and ranges", t_config_validate_rejects);
    CU_add_test(s, "format -> set round trip", t_config_roundtrip);
    CU_add_test(s, "format -> set round trip from the defaults", t_config_roundtrip_defaults);

    s = CU_add_suite("core_samplers", NULL, NULL);
    CU_add_test(s, "mog moments", t_sample_mog);
    CU_add_test(s, "xor moments", t_sample_xor);
    CU_add_test(s, "parity structure and law", t_sample_parity);
    CU_add_test(s, "parity seeded subset", t_sample_parity_subset);
    CU_add_test(s, "linear margin and labels", t_sample_linear);
    CU_add_test(s, "multiindex labels and rotation", t_sample_multiindex);

    s = CU_add_suite("core_init", NULL, NULL);
    CU_add_test(s, "mirror symmetry and bias laws", t_init_laws);
    CU_add_test(s, "problem init is mirrored", t_init_problem_mirror);
}
