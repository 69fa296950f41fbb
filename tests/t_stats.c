/* Clopper-Pearson bounds and the binomial quantile against two independent
 * oracles for the defining equations P(Bin(n, lo) >= x) = alpha/2 and
 * P(Bin(n, hi) <= x) = alpha/2: the binomial tail summed here term by term in
 * long double (each term from its own lgammal, no recurrence), and GSL's
 * regularized incomplete beta (a continued fraction), whose error grows like
 * n 2e-15 relative and which gives up near the mean for n >~ 1e7. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gfl_rng.h"
#include "gfl_stats.h"
#include "gfl_test.h"

/* Bin(n, p) probability of j, from its logarithm. */
static long double pmf(long j, long n, double p)
{
    return expl(lgammal((long double)n + 1) - lgammal((long double)j + 1) -
                lgammal((long double)(n - j) + 1) + (long double)j * logl((long double)p) +
                (long double)(n - j) * log1pl(-(long double)p));
}

/* P(X >= x) when ge, else P(X <= x): the terms of the tail, from its end
 * nearest the mean outwards, until they stop mattering.  The tails asked for
 * here are the small ones (alpha/2), so the sum is short. */
static double tail(long x, long n, double p, int ge)
{
    long double s = 0;
    for (long j = x; j >= 0 && j <= n; j += ge ? 1 : -1) {
        long double t = pmf(j, n, p);
        if (s + t == s)
            break;
        s += t;
    }
    return (double)s;
}

/* Does the root of tail = h lie within one ulp of p, up to a relative error
 * tol of the tail?  (Near p = 0 or 1 one ulp of p moves the tail by far more
 * than 1e-10 -- by n ulp / p at x = n -- so the plain relative error of the
 * tail at p says nothing about the bound there.)  `up` tells whether the tail
 * rises with p.  Returns the relative error at p itself through *err. */
static int root_within_ulp(double (*t)(long, long, double), long x, long n, double p, double h,
                           int up, double tol, double *err)
{
    double below = nextafter(p, 0), above = nextafter(p, 1);
    double lo_side = t(x, n, up ? below : above), hi_side = t(x, n, up ? above : below);
    *err = fabs(t(x, n, p) / h - 1);
    return *err <= tol || (lo_side <= h * (1 + tol) && hi_side >= h * (1 - tol));
}

static double ours_ge(long x, long n, double p) { return tail(x, n, p, 1); }
static double ours_le(long x, long n, double p) { return tail(x, n, p, 0); }
/* GSL: P(X >= x) = I_p(x, n - x + 1), P(X <= x) = 1 - I_p(x + 1, n - x) */
static double gsl_ge(long x, long n, double p) { return gsl_cdf_beta_P(p, (double)x, (double)(n - x + 1)); }
static double gsl_le(long x, long n, double p) { return gsl_cdf_beta_Q(p, (double)(x + 1), (double)(n - x)); }

/* The defining equations, monotonicity in x and the bracket lo <= x/n <= hi
 * for x in xs (increasing).  Returns the number of failures. */
static int check_cp(long n, double level, const long *xs, int nx, double tol)
{
    double h = (1 - level) / 2, plo = -1, phi = -1;
    int bad = 0;
    for (int i = 0; i < nx; i++) {
        long x = xs[i];
        double lo, hi, elo = 0, ehi = 0, glo = 0, ghi = 0;
        gfl_stats_clopper_pearson(x, n, level, &lo, &hi);
        double phat = (double)x / (double)n;
        int ok = 0 <= lo && lo <= phat && phat <= hi && hi <= 1 && lo > plo && hi > phi;
        ok = ok && (x == 0 ? lo == 0 : root_within_ulp(ours_ge, x, n, lo, h, 1, tol, &elo));
        ok = ok && (x == n ? hi == 1 : root_within_ulp(ours_le, x, n, hi, h, 0, tol, &ehi));
        /* GSL's continued fraction loses about n 2e-15 and fails near the mean beyond 1e6 */
        double gtol = fmax(tol, (double)n * 1e-14);
        if (n <= 1000000)
            ok = ok && (x == 0 || root_within_ulp(gsl_ge, x, n, lo, h, 1, gtol, &glo)) &&
                 (x == n || root_within_ulp(gsl_le, x, n, hi, h, 0, gtol, &ghi));
        if (!ok && bad++ < 5)
            CHECK(0, "n %ld level %g x %ld: [%.17g, %.17g] (previous [%.17g, %.17g]), "
                  "tail rel. errors %.3g %.3g, GSL's %.3g %.3g", n, level, x, lo, hi, plo, phi, elo,
                  ehi, glo, ghi);
        plo = lo;
        phi = hi;
    }
    return bad;
}

/* Every x at n = 2000 (where gsl_cdf_beta_Pinv failed to converge for 28
 * counts and aborted the process) at both levels the CLI uses. */
static void t_cp_every_count(void)
{
    static long xs[2001];
    for (long x = 0; x <= 2000; x++)
        xs[x] = x;
    gsl_set_error_handler_off();
    double levels[] = {0.95, 0.99};
    for (int l = 0; l < 2; l++)
        CHECK(check_cp(2000, levels[l], xs, 2001, 1e-10) == 0, "n = 2000, level %g", levels[l]);
    /* and every count of every small n */
    for (long n = 1; n <= 64; n++) {
        static long all[65];
        for (long x = 0; x <= n; x++)
            all[x] = x;
        CHECK(check_cp(n, 0.95, all, (int)n + 1, 1e-10) == 0, "n = %ld", n);
    }
}

/* Sampled counts for n up to 1e7 (GSL as the second oracle up to 1e6). */
static void t_cp_sampled(void)
{
    uint64_t seed = gfl_test_seed();
    gfl_rng r;
    gsl_set_error_handler_off(); /* the oracle must not abort either */
    gfl_rng_init(&r, seed, 0x57a7, 0, 0);
    long ns[] = {10000, 100000, 1000000, 10000000};
    for (int i = 0; i < 4; i++) {
        /* ten standard deviations of terms per tail: fewer counts at large n */
        int e = gfl_test_effort(), ns_x = (ns[i] <= 100000 ? 34 : 6) * (e > 0 ? e : 1);
        long n = ns[i], *xs = malloc(((size_t)ns_x + 4) * sizeof *xs);
        int nx = 0;
        if (!xs)
            return;
        xs[nx++] = 0;
        xs[nx++] = 1;
        for (int k = 0; k < ns_x; k++)
            xs[nx++] = 2 + (long)((double)(n - 4) * ((double)k + gfl_rng_uniform(&r)) / ns_x);
        xs[nx++] = n - 1;
        xs[nx++] = n;
        printf("\n  stats: seed %llu, n %ld ", (unsigned long long)seed, n);
        CHECK(check_cp(n, 0.95, xs, nx, 1e-10) == 0, "n = %ld (GFL_TEST_SEED=%llu)", n,
              (unsigned long long)seed);
        free(xs);
    }
}

/* The lower quantile is the largest q with P(X < q) <= alpha (the oracle sums
 * the lower tail), here over p in a grid and n up to 1e5; and the tails
 * themselves around the mean at n = 1e7. */
static void t_binom_lower(void)
{
    long ns[] = {1, 7, 50, 2000, 100000};
    double ps[] = {1e-4, 0.01, 0.3, 0.5, 0.97};
    double alphas[] = {1e-6, 0.05, 0.5};
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            for (int a = 0; a < 3; a++) {
                long n = ns[i];
                double p = ps[j], al = alphas[a];
                long q = gfl_stats_binom_lower(n, p, al);
                double below = q == 0 ? 0 : tail(q - 1, n, p, 0);
                double at = q == n ? 2 : tail(q, n, p, 0);
                /* 1e-12: the comparison of a tail with alpha cannot be exact */
                CHECK(q >= 0 && q <= n && below <= al * (1 + 1e-12) && at > al * (1 - 1e-12),
                      "n %ld p %g alpha %g: q %ld, P(X < q) %.17g, P(X <= q) %.17g", n, p, al, q, below, at);
            }
    /* the tails at n = 1e7 around the mean, where GSL's continued fraction returns NaN */
    long n = 10000000;
    long ks[] = {4990000, 4999000, 5000000, 5001000, 5010000};
    for (int i = 0; i < 5; i++) {
        long k = ks[i];
        double ge = gfl_stats_binom_ge(k, n, 0.5), le = gfl_stats_binom_le(k, n, 0.5);
        double want_ge = k > n / 2 ? tail(k, n, 0.5, 1) : 1 - tail(k - 1, n, 0.5, 0);
        double want_le = k < n / 2 ? tail(k, n, 0.5, 0) : 1 - tail(k + 1, n, 0.5, 1);
        CHECK(fabs(ge / want_ge - 1) < 1e-10 && fabs(le / want_le - 1) < 1e-10,
              "n 1e7 k %ld: P(X >= k) %.17g vs %.17g, P(X <= k) %.17g vs %.17g", k, ge, want_ge, le, want_le);
    }
}

/* Arguments outside the domain give the trivial interval, never a signal. */
static void t_cp_domain(void)
{
    double lo, hi;
    long bad[][2] = {{0, 0}, {-1, 10}, {11, 10}, {5, -3}};
    for (int i = 0; i < 4; i++) {
        gfl_stats_clopper_pearson(bad[i][0], bad[i][1], 0.95, &lo, &hi);
        CHECK(lo == 0 && hi == 1, "x %ld n %ld: [%g, %g]", bad[i][0], bad[i][1], lo, hi);
    }
    double levels[] = {0.0, 1.0, NAN, -2};
    for (int i = 0; i < 4; i++) {
        gfl_stats_clopper_pearson(3, 10, levels[i], &lo, &hi);
        CHECK(lo == 0 && hi == 1, "level %g: [%g, %g]", levels[i], lo, hi);
    }
    CHECK(gfl_stats_binom_ge(0, 5, 0.3) == 1 && gfl_stats_binom_ge(6, 5, 0.3) == 0 &&
              gfl_stats_binom_ge(3, 5, 1.0) == 1 && gfl_stats_binom_ge(3, 5, 0.0) == 0 &&
              gfl_stats_binom_le(5, 5, 0.3) == 1 && gfl_stats_binom_le(-1, 5, 0.3) == 0 &&
              gfl_stats_binom_le(3, 5, 0.0) == 1 && gfl_stats_binom_le(3, 5, 1.0) == 0,
          "binomial tails at the ends");
}

void t_stats_register(void)
{
    CU_pSuite s = CU_add_suite("stats", NULL, NULL);
    CU_add_test(s, "Clopper-Pearson at every count, n = 2000 and n <= 64", t_cp_every_count);
    CU_add_test(s, "Clopper-Pearson at sampled counts, n up to 1e7", t_cp_sampled);
    CU_add_test(s, "binomial lower quantile and the summed tails", t_binom_lower);
    CU_add_test(s, "Clopper-Pearson outside its domain", t_cp_domain);
}
