/* Population oracles, witnesses and gradient-feature statistics (SPEC 4, 5, 7),
 * each against an independent oracle: Monte Carlo for the closed forms,
 * enumeration for Monte Carlo, integer arithmetic for the exact enumeration,
 * the other path, closed-form quantiles. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_paths.h"
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_features.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"
#include "gfl_stats.h"
#include "gfl_test.h"
#include "gfl_witness.h"

static void setup(gfl_problem *pb, gfl_case_id c, int d, uint64_t seed)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, c, GFL_PRESET_SMALL);
    cfg.d = d;
    cfg.seed = seed;
    CU_ASSERT_FATAL(gfl_problem_init(pb, &cfg) == GFL_OK);
}

/* Random (w, b): w ~ N(0, s^2 I), b uniform in [-0.5, 1]. */
static void random_neurons(uint64_t seed, int K, int d, double s, double *w, double *b)
{
    gfl_rng r;
    gfl_rng_init(&r, seed, 99, 1, 2);
    for (int q = 0; q < K; q++) {
        for (int j = 0; j < d; j++)
            w[(size_t)q * d + j] = s * gfl_rng_normal(&r);
        b[q] = -0.5 + 1.5 * gfl_rng_uniform(&r);
    }
}

/* Oracle G vs the empirical mean of y x 1[<w,x> > b] over a large sample of the
 * case's law, coordinate by coordinate within k standard errors. */
static void check_against_mc(gfl_case_id c, int d, int N, double k_se)
{
    enum { K = 6 };
    gfl_problem pb;
    uint64_t seed = gfl_test_seed();
    setup(&pb, c, d, seed);
    gfl_sample mc;
    CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, N, 7) == GFL_OK);
    double w[K * 32], b[K], G[K * 32], Gm[K * 32], se[K];
    random_neurons(seed, K, d, 1.0, w, b);
    int checked = 0;
    CU_ASSERT_FATAL(gfl_fast_oracle.G(&pb, NULL, K, w, b, G, se) == GFL_OK);
    CU_ASSERT_FATAL(gfl_fast_oracle.G_emp(&pb, mc.X, mc.Y, N, K, w, b, Gm, NULL) == GFL_OK);
    for (int q = 0; q < K; q++) {
        CU_ASSERT_EQUAL(se[q], 0.0); /* exact oracle */
        for (int j = 0; j < d; j++) {
            /* per-coordinate sd of y x_j 1[.] is at most sqrt(E x_j^2) */
            double sd = 0, m1 = 0;
            long act = 0;
            for (int k = 0; k < N; k++) {
                const double *x = mc.X + (size_t)k * d;
                double dot = 0;
                for (int i = 0; i < d; i++)
                    dot += w[q * d + i] * x[i];
                double v = dot > b[q] ? mc.Y[k] * x[j] : 0.0;
                act += dot > b[q];
                m1 += v;
                sd += v * v;
            }
            m1 /= N;
            sd = sqrt(fmax(sd / N - m1 * m1, 0) / (N - 1));
            /* the normal approximation needs activations: a neuron the sample
             * (almost) never activates is not a test of the formula */
            if (act < 30)
                continue;
            checked++;
            double z = fabs(G[q * d + j] - Gm[q * d + j]) / fmax(sd, 1e-12);
            if (z > k_se)
                printf("\n  %s seed %llu neuron %d coord %d: oracle %.6g, MC %.6g +- %.2g (%.1f SE)\n",
                       gfl_case_name(c), (unsigned long long)seed, q, j, G[q * d + j], Gm[q * d + j], sd, z);
            CU_ASSERT(z <= k_se);
        }
    }
    CU_ASSERT(checked >= K * d / 2); /* most coordinates were actually compared */
    gfl_sample_clear(&mc);
    gfl_problem_clear(&pb);
}

static void test_mog_closed_form_vs_mc(void)
{
    check_against_mc(GFL_CASE_MOG, 6, 200000, 4.5);
    check_against_mc(GFL_CASE_XOR, 4, 200000, 4.5);
}

static void test_parity_enum_vs_mc(void)
{
    check_against_mc(GFL_CASE_PARITY, 8, 200000, 4.5);
    check_against_mc(GFL_CASE_PARITY_UNIFORM, 7, 200000, 4.5);
}

/* The ref path's parity G is the exact dyadic value: compared with == against
 * an integer computation written from the law of SPEC 7 (not the library's
 * weight function).  w and b are multiples of 2^-7, so every <w,x> - b is an
 * integer multiple of 2^-7 and the test decides the indicator exactly, ties
 * included (sigma'(0) = 0: a tie is inactive). */
static void test_parity_ref_exact(void)
{
    for (int uniform = 0; uniform < 2; uniform++) {
        int d = 9, k = 3;
        gfl_problem pb;
        setup(&pb, uniform ? GFL_CASE_PARITY_UNIFORM : GFL_CASE_PARITY, d, gfl_test_seed());
        gfl_rng r;
        gfl_rng_init(&r, gfl_test_seed(), 99, 3, (uint64_t)uniform);
        for (int rep = 0; rep < 4; rep++) {
            long wi[16], bi = (long)gfl_rng_below(&r, 200) - 60; /* b in [-60, 140] / 128 */
            double w[16], b, G[16], se;
            for (int j = 0; j < d; j++) {
                wi[j] = (long)gfl_rng_below(&r, 129) - 64;
                w[j] = ldexp((double)wi[j], -7);
            }
            if (rep == 0) { /* force ties: b equal to <w, 1> */
                bi = 0;
                for (int j = 0; j < d; j++)
                    bi += wi[j];
            }
            b = ldexp((double)bi, -7);
            CU_ASSERT_FATAL(gfl_ref_oracle.G(&pb, NULL, 1, w, &b, G, &se) == GFL_OK);
            int64_t acc[16] = {0};
            for (long idx = 0; idx < (1L << d); idx++) {
                long dot = 0, x[16];
                int first_k_equal = 1, y = 1;
                for (int j = 0; j < d; j++) {
                    x[j] = (idx >> j) & 1 ? -1 : 1;
                    dot += wi[j] * x[j];
                }
                for (int j = 0; j < k; j++) {
                    y *= (int)x[j];
                    first_k_equal &= x[j] == x[0];
                }
                /* P(x) 2^(d+2): uniform part 2^(d+2) / 2^(d+1) = 2, structured part
                 * 2^(d+2) * (1/2)(1/2) 2^-(d-k) = 2^k when x_A is constant. */
                int64_t c = uniform ? 4 : 2 + (first_k_equal ? (1 << k) : 0);
                if (dot > bi)
                    for (int j = 0; j < d; j++)
                        acc[j] += c * y * x[j];
            }
            for (int j = 0; j < d; j++)
                CU_ASSERT_EQUAL(G[j], ldexp((double)acc[j], -(d + 2)));
            CU_ASSERT_EQUAL(se, 0.0);
        }
        gfl_problem_clear(&pb);
    }
}

/* ref and fast agree to 1e-12 (normwise relative) on G for every case. */
static void test_ref_fast_agree(void)
{
    enum { K = 5 };
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_problem pb;
        setup(&pb, (gfl_case_id)c, 6, gfl_test_seed());
        gfl_sample mc;
        CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, 3000, 1) == GFL_OK);
        double w[K * 6], b[K], Gr[K * 6], Gf[K * 6], ser[K], sef[K], Ar[K], Af[K];
        random_neurons(gfl_test_seed() + (uint64_t)c, K, 6, 1.0, w, b);
        CU_ASSERT_FATAL(gfl_ref_oracle.G(&pb, &mc, K, w, b, Gr, ser) == GFL_OK);
        CU_ASSERT_FATAL(gfl_fast_oracle.G(&pb, &mc, K, w, b, Gf, sef) == GFL_OK);
        double num = 0, den = 0;
        for (int q = 0; q < K * 6; q++) {
            num = fmax(num, fabs(Gr[q] - Gf[q]));
            den = fmax(den, fabs(Gr[q]));
        }
        if (!(num <= 1e-12 * den))
            printf("\n  %s: ref/fast G differ by %.3g (max |G| %.3g)\n", gfl_case_name((gfl_case_id)c), num, den);
        CU_ASSERT(den > 0 && num <= 1e-12 * den);
        for (int q = 0; q < K; q++)
            CU_ASSERT(fabs(ser[q] - sef[q]) <= 1e-9 * fmax(ser[q], 1e-300) + 1e-300);
        /* the empirical G_Z too, on the sample as a batch */
        CU_ASSERT_FATAL(gfl_ref_oracle.G_emp(&pb, mc.X, mc.Y, 500, K, w, b, Gr, Ar) == GFL_OK);
        CU_ASSERT_FATAL(gfl_fast_oracle.G_emp(&pb, mc.X, mc.Y, 500, K, w, b, Gf, Af) == GFL_OK);
        for (int q = 0; q < K * 6; q++)
            CU_ASSERT(fabs(Gr[q] - Gf[q]) <= 1e-13);
        for (int q = 0; q < K; q++)
            CU_ASSERT(fabs(Ar[q] - Af[q]) <= 1e-13);
        gfl_moments mr, mf;
        CU_ASSERT(gfl_ref_oracle.moments(&pb, &mc, &mr) == GFL_OK);
        CU_ASSERT(gfl_fast_oracle.moments(&pb, &mc, &mf) == GFL_OK);
        CU_ASSERT(fabs(mr.Bx2 - mf.Bx2) <= 1e-14 * mr.Bx2);
        CU_ASSERT(fabs(mr.Bx1_mc - mf.Bx1_mc) <= 1e-12 * mr.Bx1_mc);
        gfl_sample_clear(&mc);
        gfl_problem_clear(&pb);
    }
}

/* B_x2 closed forms against the sample mean of |x|^2 (within 5 SE), and
 * B_x1 <= sqrt(B_x2) against the Monte Carlo E|x|. */
static void test_moments_vs_mc(void)
{
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_problem pb;
        setup(&pb, (gfl_case_id)c, 5, gfl_test_seed());
        pb.cfg.margin = pb.cfg.case_id == GFL_CASE_LINEAR ? 0.7 : pb.cfg.margin;
        int N = 100000, d = 5;
        gfl_sample mc;
        CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, N, 3) == GFL_OK);
        gfl_moments m;
        CU_ASSERT_FATAL(gfl_fast_oracle.moments(&pb, &mc, &m) == GFL_OK);
        double s = 0, s2 = 0;
        for (int k = 0; k < N; k++) {
            double r2 = 0;
            for (int j = 0; j < d; j++)
                r2 += mc.X[(size_t)k * d + j] * mc.X[(size_t)k * d + j];
            s += r2;
            s2 += r2 * r2;
        }
        double mean = s / N, se = sqrt(fmax(s2 / N - mean * mean, 0) / (N - 1));
        CU_ASSERT(fabs(mean - m.Bx2) <= 5 * se + 1e-12);
        if (!(m.Bx1_mc <= m.Bx1 * (1 + N * 0x1p-53) + 5 * m.Bx1_se))
            printf("\n  %s: E|x| MC %.17g +- %.3g vs B_x1 %.17g\n", gfl_case_name((gfl_case_id)c),
                   m.Bx1_mc, m.Bx1_se, m.Bx1);
        CU_ASSERT(m.Bx1_mc <= m.Bx1 * (1 + N * 0x1p-53) + 5 * m.Bx1_se); /* parity: |x| = sqrt(d); the sum of N of them rounds */
        gfl_sample_clear(&mc);
        gfl_problem_clear(&pb);
    }
}

/* Clopper-Pearson against its closed form at the ends: x = 0 gives
 * [0, 1 - (a/2)^(1/n)], x = n gives [(a/2)^(1/n), 1]; and coverage of the
 * binomial lower quantile by direct summation. */
static void test_stats(void)
{
    double lo, hi;
    for (long n = 1; n <= 200; n *= 3) {
        gfl_stats_clopper_pearson(0, n, 0.95, &lo, &hi);
        CU_ASSERT_EQUAL(lo, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(hi, 1 - pow(0.025, 1.0 / n), 1e-12);
        gfl_stats_clopper_pearson(n, n, 0.95, &lo, &hi);
        CU_ASSERT_DOUBLE_EQUAL(lo, pow(0.025, 1.0 / n), 1e-12);
        CU_ASSERT_EQUAL(hi, 1.0);
    }
    gfl_stats_clopper_pearson(30, 100, 0.95, &lo, &hi);
    CU_ASSERT(lo < 0.3 && 0.3 < hi && lo > 0.2 && hi < 0.41);
    long n = 50;
    double p = 0.3, alpha = 0.05;
    long q = gfl_stats_binom_lower(n, p, alpha);
    double cdf = 0, pk = pow(1 - p, (double)n), cdf_q = 0; /* P(X <= j) by recursion */
    for (long j = 0; j < q; j++) {
        cdf += pk;
        pk *= (double)(n - j) / (double)(j + 1) * p / (1 - p);
    }
    cdf_q = cdf + pk;
    CU_ASSERT(cdf <= alpha + 1e-12);   /* P(X < q) <= alpha */
    CU_ASSERT(cdf_q > alpha);          /* and q is the largest such */
}

/* Witnesses (SPEC 7): parity interpolates y with margin 1 on all of {+-1}^d
 * (evaluated by enumeration with the fast engine), mixtures have margin 2 at
 * every component mean, and B_F matches the weights. */
static void test_witness(void)
{
    gfl_problem pb;
    setup(&pb, GFL_CASE_PARITY, 7, gfl_test_seed());
    pb.cfg.k = 3;
    gfl_witness wit;
    CU_ASSERT_FATAL(gfl_witness_init(&wit, &pb) == GFL_OK);
    CU_ASSERT_EQUAL(wit.r, 4);
    CU_ASSERT_EQUAL(wit.nfeat, 2);
    int m;
    double *a, *W, *b;
    CU_ASSERT_FATAL(gfl_witness_network(&wit, &m, &a, &W, &b) == GFL_OK);
    int d = 7, npts = 1 << d;
    double *X = malloc((size_t)npts * d * sizeof(double)), *f = malloc((size_t)npts * sizeof(double));
    for (int i = 0; i < npts; i++)
        gfl_parity_point(d, (uint64_t)i, X + (size_t)i * d);
    gfl_config cw = pb.cfg;
    cw.m = m;
    void *eng;
    CU_ASSERT_FATAL(gfl_fast_engine.create(&eng, &cw, npts) == GFL_OK);
    gfl_fast_engine.load(eng, a, W, b);
    gfl_fast_engine.forward(eng, X, npts, f);
    double minmargin = INFINITY;
    for (int i = 0; i < npts; i++)
        minmargin = fmin(minmargin, gfl_parity_label(&pb, (uint64_t)i) * f[i]);
    CU_ASSERT(fabs(minmargin - 1.0) <= 1e-12);
    gfl_fast_engine.destroy(eng);
    free(X), free(f), free(a), free(W), free(b);
    gfl_witness_clear(&wit);
    gfl_problem_clear(&pb);

    setup(&pb, GFL_CASE_XOR, 5, gfl_test_seed());
    CU_ASSERT_FATAL(gfl_witness_init(&wit, &pb) == GFL_OK);
    for (int j = 0; j < pb.mix.ncomp; j++) {
        const double *mu = pb.mix.mu + (size_t)j * 5;
        double fx = 0;
        for (int q = 0; q < wit.r; q++) {
            double dot = 0;
            for (int i = 0; i < 5; i++)
                dot += wit.D[q * 5 + i] * mu[i];
            fx += wit.astar[q] * fmax(dot - wit.bstar[q], 0);
        }
        CU_ASSERT_DOUBLE_EQUAL(pb.mix.y[j] * fx, 2.0, 1e-12);
    }
    double Ba1, Ba2, Bb;
    gfl_witness_bounds(&wit, &Ba1, &Ba2, &Bb);
    CU_ASSERT_DOUBLE_EQUAL(Ba1, 4.0 / pb.cfg.mu, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(Ba2, 8.0 / pb.cfg.mu, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(Bb, pb.cfg.mu / 2, 1e-15);
    gfl_witness_clear(&wit);
    gfl_problem_clear(&pb);
}

/* The feature report on a small parity instance: every witness feature is a
 * member, the learned neurons align, and the counts agree with a direct
 * recount of the cone condition on the same draws. */
static void test_features_run(void)
{
    gfl_problem pb;
    setup(&pb, GFL_CASE_PARITY, 8, gfl_test_seed());
    gfl_witness wit;
    CU_ASSERT_FATAL(gfl_witness_init(&wit, &pb) == GFL_OK);
    gfl_features_params fp;
    gfl_features_defaults(&fp, &pb.cfg, gfl_path_find("fast"));
    fp.n_init = 300;
    fp.n_mc = 1000;
    gfl_features_result res;
    CU_ASSERT_FATAL(gfl_features_run(&pb, &wit, &gfl_fast_engine, &gfl_fast_oracle, &fp, &res) == GFL_OK);
    for (int f = 0; f < res.nfeat; f++) {
        CU_ASSERT(res.feat[f].member);
        CU_ASSERT(res.feat[f].p_lo <= res.feat[f].p_hat && res.feat[f].p_hat <= res.feat[f].p_hi);
    }
    CU_ASSERT(res.frac_pairs_aligned > 0.5);
    /* each neuron's best cosine really is the largest over the features */
    for (int i = 0; i < res.m; i++) {
        const gfl_neuron_stat *s = &res.neuron[i];
        CU_ASSERT(s->best >= 0 && fabs(s->cos) <= 1 + 1e-12);
        CU_ASSERT(s->norm_GZ >= 0 && s->dist_GZ_G <= s->norm_GZ + s->norm_G + 1e-12);
    }
    gfl_features_clear(&res);
    /* bad parameters are refused */
    fp.gamma = 1.5;
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_features_run(&pb, &wit, &gfl_fast_engine, &gfl_fast_oracle, &fp, &res), GFL_EINVAL);
    gfl_witness_clear(&wit);
    gfl_problem_clear(&pb);
}

void t_oracle_register(void)
{
    CU_pSuite s = CU_add_suite("oracle", NULL, NULL);
    CU_add_test(s, "mog/xor closed-form G vs Monte Carlo", test_mog_closed_form_vs_mc);
    CU_add_test(s, "parity enumeration vs Monte Carlo", test_parity_enum_vs_mc);
    CU_add_test(s, "ref parity G is the exact dyadic value", test_parity_ref_exact);
    CU_add_test(s, "ref and fast agree on G, G_Z, moments", test_ref_fast_agree);
    CU_add_test(s, "B_x2 closed forms vs Monte Carlo", test_moments_vs_mc);
    CU_add_test(s, "Clopper-Pearson and binomial quantile", test_stats);
    CU_add_test(s, "witness networks", test_witness);
    CU_add_test(s, "feature membership and learned neurons", test_features_run);
}
