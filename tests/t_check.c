/* The proof-chain checker (SPEC 5, 6): every exact link reports FAIL when its
 * inequality is deliberately broken, and PASS on the same instance otherwise;
 * certified comparisons bracket the exact value; the a-priori loss radius
 * bounds the fast path's error against a 256-bit reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_paths.h"
#include "gfl_check.h"
#include "gfl_fast.h"
#include "gfl_loss.h"
#include "gfl_ref.h"
#include "gfl_test.h"

/* A small instance where each fault is known to break its link (seed fixed:
 * the fault tests are about the checker, not about the draw). */
gfl_status gfl_test_check_instance(gfl_case_id cid, const char *path, int T, gfl_chain_fault fault,
                                   gfl_check_case *out)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, cid, GFL_PRESET_SMALL);
    cfg.sigma_a = 4;
    cfg.T = T;
    cfg.seed = 1;
    gfl_check_params p;
    gfl_check_defaults(&p);
    p.cp.fault = fault;
    p.cp.n_pop = 4096;
    p.n_fit = 1024;
    gfl_error_clear();
    return gfl_check_run(&cfg, gfl_path_find(path), &p, out);
}

static void run_case(gfl_case_id cid, const char *path, int T, gfl_chain_fault fault, gfl_check_case *out)
{
    gfl_status st = gfl_test_check_instance(cid, path, T, fault, out);
    if (st != GFL_OK)
        printf("\n  check failed: %s\n", gfl_error_message());
    CU_ASSERT_FATAL(st == GFL_OK);
}

static void expect(const gfl_check_case *c, int link, gfl_verdict want, const char *what)
{
    gfl_verdict got = c->chain.link[link].verdict;
    if (got != want)
        printf("\n  %s: link %s is %s, want %s (%s)\n", what, c->chain.link[link].id, gfl_verdict_name(got),
               gfl_verdict_name(want), c->chain.link[link].note);
    CU_ASSERT_EQUAL(got, want);
}

static void no_bad_except(const gfl_check_case *c, int allowed_a, int allowed_b)
{
    for (int k = 0; k < GFL_NLINKS; k++)
        if (k != allowed_a && k != allowed_b)
            CU_ASSERT(!gfl_verdict_bad(c->chain.link[k].verdict));
}

static void test_clean_pass(void)
{
    gfl_check_case c;
    run_case(GFL_CASE_XOR, "fast", 60, GFL_CHAIN_FAULT_NONE, &c);
    static const int exact[] = {GFL_L_C1, GFL_L_C4, GFL_L_C5, GFL_L_C5G, GFL_L_C6, GFL_L_CHAIN, GFL_L_TIGHT};
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++)
        expect(&c, exact[k], GFL_V_PASS, "xor, no fault");
    CU_ASSERT(!gfl_check_bad(&c));
    /* the chain's own arithmetic: bound = sum of its named terms */
    const gfl_chain_result *ch = &c.chain;
    CU_ASSERT_DOUBLE_EQUAL(ch->chain_bound, ch->lstar + ch->approx + ch->drift + ch->reg + ch->regret,
                           1e-12 * ch->chain_bound);
    CU_ASSERT(ch->min_batch_loss <= ch->tight_bound && ch->min_batch_loss <= ch->chain_bound);
    /* the tight chain's family holds the theorem-form comparator, whose measured
     * losses C4 and C6 bound (both PASS): it can only be tighter */
    CU_ASSERT(ch->tight_bound <= ch->chain_bound * (1 + 1e-12));
    /* K comes from the grid {1, 2, 3, 4, 6, 8, 12, ...}, or is 0 for the
     * optimized weights (docs/proofs.md, C4) */
    int k = ch->K, pow2 = k > 0 && (k & (k - 1)) == 0, three = k % 3 == 0 && ((k / 3) & (k / 3 - 1)) == 0;
    CU_ASSERT(k == 0 ? ch->cmp.optimized : k >= 1 && k <= c.cfg.m && (pow2 || three));
    gfl_check_clear(&c);
}

static void test_fault_decay(void)
{
    gfl_check_case c;
    run_case(GFL_CASE_XOR, "fast", 20, GFL_CHAIN_FAULT_DECAY, &c);
    expect(&c, GFL_L_C1, GFL_V_FAIL, "xor fast, lam1 = 0.9/eta1");
    gfl_check_clear(&c);
    run_case(GFL_CASE_XOR, "ref", 6, GFL_CHAIN_FAULT_DECAY, &c);
    expect(&c, GFL_L_C1, GFL_V_FAIL, "xor ref, lam1 = 0.9/eta1");
    gfl_check_clear(&c);
    run_case(GFL_CASE_XOR, "ref", 6, GFL_CHAIN_FAULT_NONE, &c);
    expect(&c, GFL_L_C1, GFL_V_PASS, "xor ref, no fault");
    expect(&c, GFL_L_C5, GFL_V_PASS, "xor ref, no fault");
    gfl_check_clear(&c);
}

static void test_fault_regret(void)
{
    gfl_check_case c;
    run_case(GFL_CASE_XOR, "fast", 60, GFL_CHAIN_FAULT_REGRET, &c);
    expect(&c, GFL_L_C5, GFL_V_FAIL, "xor, regret without the initial distance");
    no_bad_except(&c, GFL_L_C5, GFL_L_TIGHT);
    gfl_check_clear(&c);
}

static void test_fault_witness(void)
{
    gfl_check_case c;
    /* on xor the optimized comparator is as good as f* on every batch, so no
     * approximation term >= 0 can be caught there (docs/proofs.md) */
    run_case(GFL_CASE_MULTIINDEX, "fast", 60, GFL_CHAIN_FAULT_WITNESS, &c);
    expect(&c, GFL_L_C4, GFL_V_FAIL, "multiindex, approx term of a perturbed witness");
    gfl_check_clear(&c);
}

static void test_fault_drift(void)
{
    gfl_check_case c;
    run_case(GFL_CASE_LINEAR, "fast", 60, GFL_CHAIN_FAULT_DRIFT, &c);
    expect(&c, GFL_L_C6, GFL_V_FAIL, "linear, drift term dropped");
    no_bad_except(&c, GFL_L_C6, GFL_L_C6);
    gfl_check_clear(&c);
}

/* Exact sum of doubles in [2^-30, 2^30) as a 128-bit integer count of 2^-83. */
static __int128 exact_scaled(const double *v, int n)
{
    __int128 s = 0;
    for (int i = 0; i < n; i++)
        s += (__int128)ldexp(v[i], 83); /* exact: |v| >= 2^-30 has no bits below 2^-83 */
    return s;
}

static __int128 scaled(double x) { return (__int128)ldexp(x, 83); }

/* Directed rounding: down <= exact <= up, nearest is one of them, and they
 * are adjacent doubles (or equal when the sum is a double). */
static void test_directed_rounding(void)
{
    gfl_rng r;
    gfl_rng_init(&r, gfl_test_seed(), 77, 0, 0);
    int reps = 200 * (gfl_test_effort() + 1), strict = 0;
    for (int rep = 0; rep < reps; rep++) {
        int n = 2 + (int)gfl_rng_below(&r, 30);
        double v[32];
        for (int i = 0; i < n; i++) {
            /* mantissas of 20 bits keep every term representable at 2^-83 */
            double m = (double)(gfl_rng_below(&r, 1u << 20) | 1u);
            v[i] = gfl_rng_sign(&r) * ldexp(m, (int)gfl_rng_below(&r, 40) - 50);
        }
        __int128 ex = exact_scaled(v, n);
        double dn = gfl_cert_sum(v, (size_t)n, -1), up = gfl_cert_sum(v, (size_t)n, +1),
               rn = gfl_cert_sum(v, (size_t)n, 0);
        CU_ASSERT(scaled(dn) <= ex && ex <= scaled(up));
        CU_ASSERT(rn == dn || rn == up);
        CU_ASSERT(dn == up || nextafter(dn, INFINITY) == up);
        strict += dn != up;
    }
    CU_ASSERT(strict > reps / 10); /* many random sums are not doubles: the test has teeth */
    /* the textbook case: 1 + 2^-60 */
    double t[2] = {1.0, 0x1p-60};
    CU_ASSERT_EQUAL(gfl_cert_sum(t, 2, -1), 1.0);
    CU_ASSERT_EQUAL(gfl_cert_sum(t, 2, +1), 1.0 + 0x1p-52);
    CU_ASSERT_EQUAL(gfl_cert_mul(1.0 + 0x1p-52, 1.0 + 0x1p-52, -1), 1.0 + 0x1p-51);
    CU_ASSERT_EQUAL(gfl_cert_mul(1.0 + 0x1p-52, 1.0 + 0x1p-52, +1), 1.0 + 0x1p-51 + 0x1p-52);
}

/* gfl_cert_le on constructed enclosures. */
static void test_cert_le(void)
{
    double s;
    CU_ASSERT_EQUAL(gfl_cert_le(1.0, 0.1, 2.0, 0.1, &s), GFL_V_PASS);
    CU_ASSERT(s > 0.79 && s <= 0.8);
    CU_ASSERT_EQUAL(gfl_cert_le(2.0, 0.1, 1.0, 0.1, &s), GFL_V_FAIL);
    CU_ASSERT(s < 0);
    CU_ASSERT_EQUAL(gfl_cert_le(1.0, 0.1, 1.1, 0.1, &s), GFL_V_UNCERTIFIED);
    /* equality with zero radii is certified; one ulp over is not */
    CU_ASSERT_EQUAL(gfl_cert_le(1.0, 0.0, 1.0, 0.0, &s), GFL_V_PASS);
    CU_ASSERT_EQUAL(gfl_cert_le(nextafter(1.0, 2.0), 0.0, 1.0, 0.0, &s), GFL_V_FAIL);
    /* a radius of one ulp turns that into uncertified */
    CU_ASSERT_EQUAL(gfl_cert_le(nextafter(1.0, 2.0), 0x1p-52, 1.0, 0.0, &s), GFL_V_UNCERTIFIED);
    CU_ASSERT_EQUAL(gfl_cert_le(NAN, 0, 1, 0, &s), GFL_V_UNCERTIFIED);
    CU_ASSERT(gfl_cert_gamma(10, 0x1p-53) >= 10 * 0x1p-53);
    /* a NaN margin is NaN loss, never a perfect score */
    CU_ASSERT(isnan(gfl_loss_value(GFL_LOSS_HINGE, NAN)));
    CU_ASSERT(isnan(gfl_loss_value(GFL_LOSS_LOGISTIC, NAN)));
    CU_ASSERT_EQUAL(gfl_loss_value(GFL_LOSS_HINGE, 1.0), 0.0);
    CU_ASSERT_EQUAL(gfl_loss_value(GFL_LOSS_HINGE, 0.25), 0.75);
    CU_ASSERT(isinf(gfl_cert_gamma(1e20, 0x1p-53)));
}

/* The a-priori radius of a fast-path mean loss covers its distance to the
 * 256-bit reference value, on random networks (also with cancellation). */
static void test_loss_radius(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.prec = 256;
    cfg.m = 16;
    cfg.d = 6;
    cfg.seed = gfl_test_seed();
    gfl_problem pb;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    int n = 200, m = cfg.m, d = cfg.d;
    double *X = malloc((size_t)n * d * sizeof(double)), *Y = malloc((size_t)n * sizeof(double));
    double a[16], W[16 * 6], b[16];
    gfl_rng r;
    gfl_rng_init(&r, cfg.seed, 78, 0, 0);
    gfl_problem_sample(&pb, &r, n, X, Y);
    double xmax = 0, worst = 0;
    for (int k = 0; k < n; k++) {
        double s = 0;
        for (int j = 0; j < d; j++)
            s += X[k * d + j] * X[k * d + j];
        xmax = fmax(xmax, sqrt(s) * (1 + 1e-15));
    }
    void *ef, *er;
    CU_ASSERT_FATAL(gfl_fast_engine.create(&ef, &cfg, n) == GFL_OK);
    CU_ASSERT_FATAL(gfl_ref_engine.create(&er, &cfg, n) == GFL_OK);
    for (int rep = 0; rep < 20 + 20 * gfl_test_effort(); rep++) {
        for (int loss = 0; loss < 2; loss++) {
            for (int i = 0; i < m; i++) {
                /* large opposite weights make f a cancellation of big terms */
                a[i] = (i % 2 ? -1 : 1) * ldexp(1 + gfl_rng_uniform(&r), (int)gfl_rng_below(&r, 20));
                b[i] = gfl_rng_normal(&r);
                for (int j = 0; j < d; j++)
                    W[i * d + j] = gfl_rng_normal(&r);
            }
            double Lf, Lr, e;
            /* an engine's loss is fixed at create() */
            cfg.loss = (gfl_loss)loss;
            gfl_fast_engine.destroy(ef);
            gfl_ref_engine.destroy(er);
            CU_ASSERT_FATAL(gfl_fast_engine.create(&ef, &cfg, n) == GFL_OK);
            CU_ASSERT_FATAL(gfl_ref_engine.create(&er, &cfg, n) == GFL_OK);
            gfl_fast_engine.load(ef, a, W, b);
            gfl_ref_engine.load(er, a, W, b);
            gfl_fast_engine.evaluate(ef, X, Y, n, &Lf, &e);
            gfl_ref_engine.evaluate(er, X, Y, n, &Lr, &e);
            double rad = gfl_cert_loss_err(0x1p-53, (gfl_loss)loss, n, d, m, a, W, b, xmax, Lf, 0);
            /* the reference is itself rounded to double: allow its half ulp */
            double diff = fabs(Lf - Lr) - 0x1p-53 * fabs(Lr);
            if (!(diff <= rad))
                printf("\n  loss %d rep %d: |fast - ref| = %.3g > radius %.3g (seed %llu)\n", loss, rep,
                       fabs(Lf - Lr), rad, (unsigned long long)cfg.seed);
            CU_ASSERT(diff <= rad);
            if (fabs(Lf - Lr) > 0)
                worst = fmax(worst, fabs(Lf - Lr) / rad);
        }
    }
    CU_ASSERT(worst > 0 && worst <= 1); /* some error was observed, and it was covered */
    gfl_fast_engine.destroy(ef);
    gfl_ref_engine.destroy(er);
    free(X);
    free(Y);
    gfl_problem_clear(&pb);
}

void t_check_register(void)
{
    CU_pSuite s = CU_add_suite("check", NULL, NULL);
    CU_add_test(s, "no fault: every exact link passes", test_clean_pass);
    CU_add_test(s, "wrong first-step decay: C1 fails", test_fault_decay);
    CU_add_test(s, "wrong regret constant: C5 fails", test_fault_regret);
    CU_add_test(s, "perturbed witness: C4 fails", test_fault_witness);
    CU_add_test(s, "dropped drift: C6 fails", test_fault_drift);
    CU_add_test(s, "directed rounding brackets the exact sum", test_directed_rounding);
    CU_add_test(s, "certified comparison", test_cert_le);
    CU_add_test(s, "loss radius covers the fast path's error", test_loss_radius);
}
