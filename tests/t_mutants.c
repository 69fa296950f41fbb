/* Tests written against the mutants that survived the rest of the suites
 * (tools/mutate.py, docs/mutation.md).  Each compares the checker's certified
 * primitives and statistics with an independent oracle: exact integer
 * arithmetic for the certified comparison, a 300-bit recomputation of Higham's
 * gamma and of the documented loss-radius model, direct binomial summation
 * for the Clopper-Pearson interval and the lower quantile, per-point losses
 * for the Monte Carlo population loss, and G_Z from its definition for the
 * per-neuron |G_Z - G|. */
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_paths.h"
#include "gfl_cert.h"
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_features.h"
#include "gfl_population.h"
#include "gfl_rng.h"
#include "gfl_stats.h"
#include "gfl_test.h"

/* ------------------------------------------------------------------------ */
/* gfl_cert_le against exact arithmetic                                     */

/* Values used below are multiples of 2^-90 below 2^30: exact as counts of 2^-90. */
#define SCALE 90
static __int128 fix(double x) { return (__int128)ldexp(x, SCALE); }

/* A double in [1, 4) with a full random mantissa, or a radius: 0, a few bits
 * far below one ulp of the values, or about one ulp. */
static double rnd_value(gfl_rng *r)
{
    return ldexp((double)((UINT64_C(1) << 52) | gfl_rng_below(r, UINT64_C(1) << 52)), -52 - (int)gfl_rng_below(r, 2));
}

static double rnd_radius(gfl_rng *r)
{
    switch (gfl_rng_below(r, 4)) {
    case 0:
        return 0.0;
    case 1: /* far below an ulp: the ends are not doubles, directed rounding decides */
        return ldexp((double)(1 + gfl_rng_below(r, 1023)), -60 - (int)gfl_rng_below(r, 20));
    case 2: /* around an ulp */
        return ldexp((double)(1 + gfl_rng_below(r, 1023)), -60 + (int)gfl_rng_below(r, 4));
    default:
        return ldexp((double)(1 + gfl_rng_below(r, 1023)), -40);
    }
}

/* PASS only when lhs + lhs_err <= rhs - rhs_err exactly, FAIL only when
 * lhs - lhs_err > rhs + rhs_err exactly, a clear margin always decided, and the
 * slack never above the exact one (it is "rounded down"). */
static void test_cert_le_exact(void)
{
    gfl_rng r;
    gfl_rng_init(&r, gfl_test_seed(), 901, 0, 0);
    int reps = 4000 * (gfl_test_effort() + 1), close_pass = 0, close_other = 0, bad = 0;
    for (int rep = 0; rep < reps; rep++) {
        double lhs = rnd_value(&r), le = rnd_radius(&r), re = rnd_radius(&r), rhs;
        /* rhs within a few ulps of lhs (the interesting region), or anywhere */
        if (gfl_rng_below(&r, 4)) {
            rhs = lhs;
            for (int k = (int)gfl_rng_below(&r, 7) - 3; k != 0; k += k > 0 ? -1 : 1)
                rhs = nextafter(rhs, k > 0 ? INFINITY : -INFINITY);
        } else {
            rhs = rnd_value(&r);
        }
        __int128 L = fix(lhs), R = fix(rhs), El = fix(le), Er = fix(re);
        __int128 exact_slack = (R - Er) - (L + El), gap = (L - El) - (R + Er);
        __int128 ulp4 = fix(8 * 0x1p-51);
        double slack;
        gfl_verdict v = gfl_cert_le(lhs, le, rhs, re, &slack);
        int ok = 1;
        if (v == GFL_V_PASS && exact_slack < 0)
            ok = 0; /* a wrong PASS */
        if (v == GFL_V_FAIL && gap <= 0)
            ok = 0; /* a wrong FAIL */
        if (exact_slack >= ulp4 && v != GFL_V_PASS)
            ok = 0;
        if (gap >= ulp4 && v != GFL_V_FAIL)
            ok = 0;
        if (v != GFL_V_PASS && v != GFL_V_FAIL && v != GFL_V_UNCERTIFIED)
            ok = 0;
        /* slack is (rhs - rhs_err) - (lhs + lhs_err) rounded down: <= exact, within a few ulps */
        if (!(fix(slack) <= exact_slack && exact_slack - fix(slack) <= ulp4))
            ok = 0;
        if (!ok && bad++ < 5)
            CHECK(0, "cert_le(%a, %a, %a, %a) = %s, slack %a", lhs, le, rhs, re, gfl_verdict_name(v), slack);
        if (exact_slack < ulp4 && exact_slack > -ulp4) {
            if (v == GFL_V_PASS)
                close_pass++;
            else
                close_other++;
        }
    }
    CHECK(bad == 0, "%d of %d certified comparisons disagree with exact arithmetic", bad, reps);
    /* the test has teeth: many draws sit within a few ulps, on both sides */
    CHECK(close_pass > reps / 20 && close_other > reps / 20, "close cases: %d pass, %d not", close_pass, close_other);
}

/* The four directed roundings of gfl_cert_le, one case each where the wrong
 * direction gives a wrong verdict (ends one bit below an ulp off a double). */
static void test_cert_le_directions(void)
{
    double s, one_up = nextafter(1.0, 2.0);
    /* lhs + 2^-60 > 1: the upper end of lhs must round up */
    CHECK(gfl_cert_le(1.0, 0x1p-60, 1.0, 0.0, &s) == GFL_V_UNCERTIFIED, "lhs end rounded up");
    /* 1 - 2^-60 < 1: the lower end of rhs must round down */
    CHECK(gfl_cert_le(1.0, 0.0, 1.0, 0x1p-60, &s) == GFL_V_UNCERTIFIED, "rhs end rounded down");
    /* slack = (1 - 2^-60) - 1 < 0 exactly: never rounded up to 0 */
    CHECK(gfl_cert_le(1.0, 0.0, 1.0, 0x1p-60, &s) == GFL_V_UNCERTIFIED && s < 0, "slack %a", s);
    /* the FAIL test: lhs - r and rhs + r meet exactly at 1 + 2^-60, no FAIL; a
     * FAIL needs the lower end of lhs rounded down, the upper end of rhs up */
    CHECK(gfl_cert_le(one_up, 0x1p-52 - 0x1p-60, 1.0, 0x1p-60, &s) == GFL_V_UNCERTIFIED, "meeting ends");
    CHECK(gfl_cert_le(nextafter(one_up, 2.0), 0.0, 1.0, 0x1p-60, &s) == GFL_V_FAIL, "disjoint by two ulps");
    /* negative radii are read as their absolute values */
    CHECK(gfl_cert_le(1.0, -0.25, 2.0, -0.25, &s) == GFL_V_PASS && s == 0.5, "negative radii, slack %a", s);
    CHECK(gfl_cert_le(1.0, -0.5, 1.5, -0.25, &s) == GFL_V_UNCERTIFIED, "negative radii overlap");
}

/* dir = 0 rounds to nearest: 1 + 2^-60 goes down, 1 + 2^-53 + 2^-60 goes up
 * (exact sums decided by hand); sums, sums of two and products alike. */
static void test_cert_nearest(void)
{
    double lo[2] = {1.0, 0x1p-60}, hi[2] = {1.0, 0x1p-53 + 0x1p-60}, one_up = 1.0 + 0x1p-52;
    CHECK(gfl_cert_sum(lo, 2, 0) == 1.0, "nearest of 1 + 2^-60: %a", gfl_cert_sum(lo, 2, 0));
    CHECK(gfl_cert_sum(hi, 2, 0) == one_up, "nearest of 1 + 2^-53 + 2^-60: %a", gfl_cert_sum(hi, 2, 0));
    CHECK(gfl_cert_add(1.0, 0x1p-60, 0) == 1.0 && gfl_cert_add(1.0, 0x1p-60, +1) == one_up &&
              gfl_cert_add(1.0, -0x1p-60, -1) == 1.0 - 0x1p-53 && gfl_cert_add(1.0, -0x1p-60, 0) == 1.0,
          "gfl_cert_add directions");
    /* (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104: nearest is 1 + 2^-51 */
    CHECK(gfl_cert_mul(one_up, one_up, 0) == 1.0 + 0x1p-51, "nearest product %a", gfl_cert_mul(one_up, one_up, 0));
    /* (1 + 2^-52)(1 + 3 2^-52) = 1 + 4 2^-52 + 3 2^-104: nearest 1 + 2^-50, up one ulp more */
    double b = 1.0 + 0x1p-52 * 3;
    CHECK(gfl_cert_mul(one_up, b, 0) == 1.0 + 0x1p-50 && gfl_cert_mul(one_up, b, +1) == 1.0 + 0x1p-50 + 0x1p-52,
          "products of (1 + 2^-52)(1 + 3 2^-52)");
    /* an empty sum is +0, in every direction */
    CHECK(gfl_cert_sum(lo, 0, -1) == 0.0 && !signbit(gfl_cert_sum(lo, 0, -1)), "empty sum");
}

/* Non-finite inputs (SPEC 6): a side or radius that is NaN or infinite is
 * never PASS and never FAIL -- an overflowed value is not the exact one, even
 * for -inf <= x or inf <= inf -- so every such comparison is UNCERTIFIED, and
 * the slack is NaN (there is no number to report). */
static void test_cert_le_nonfinite(void)
{
    static const double vals[] = {0.5, -2.0, INFINITY, -INFINITY, NAN};
    int n = (int)(sizeof vals / sizeof vals[0]), bad = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                for (int l = 0; l < n; l++) {
                    double lhs = vals[i], le = vals[j], rhs = vals[k], re = vals[l], slack = 0;
                    if (isfinite(lhs) && isfinite(le) && isfinite(rhs) && isfinite(re))
                        continue;
                    gfl_verdict v = gfl_cert_le(lhs, le, rhs, re, &slack), want;
                    want = GFL_V_UNCERTIFIED;
                    if ((v != want || !isnan(slack)) && bad++ < 5)
                        CHECK(0, "cert_le(%g, %g, %g, %g) = %s slack %g, want %s slack nan", lhs, le, rhs, re,
                              gfl_verdict_name(v), slack, gfl_verdict_name(want));
                }
    CHECK(bad == 0, "%d non-finite comparisons wrong", bad);
}

/* Verdict helpers: which verdicts are bad, and their names. */
static void test_verdicts(void)
{
    static const char *const want[] = {"PASS", "FAIL", "UNCERTIFIED", "CONSISTENT", "VIOLATED", "INCONCLUSIVE", "N/A"};
    for (int v = GFL_V_PASS; v <= GFL_V_NA; v++) {
        int bad = v == GFL_V_FAIL || v == GFL_V_VIOLATED;
        CHECK(gfl_verdict_bad((gfl_verdict)v) == bad, "verdict %d bad = %d", v, gfl_verdict_bad((gfl_verdict)v));
        CHECK(strcmp(gfl_verdict_name((gfl_verdict)v), want[v]) == 0, "verdict %d named %s", v,
              gfl_verdict_name((gfl_verdict)v));
    }
}

/* ------------------------------------------------------------------------ */
/* gamma_k and the loss radius against a 300-bit recomputation              */

/* k u / (1 - k u) rounded in direction rnd, at 300 bits. */
static double gamma_exact(double k, double u, mpfr_rnd_t rnd)
{
    mpfr_t x, y;
    mpfr_inits2(300, x, y, (mpfr_ptr)0);
    mpfr_set_d(x, k, MPFR_RNDN);
    mpfr_mul_d(x, x, u, MPFR_RNDN); /* exact */
    mpfr_ui_sub(y, 1, x, MPFR_RNDN);  /* exact */
    mpfr_div(x, x, y, rnd);
    double g = mpfr_get_d(x, rnd);
    mpfr_clears(x, y, (mpfr_ptr)0);
    return g;
}

/* gamma_k is k u/(1 - k u) rounded up: never below it, and tight (within a
 * relative 2^-48), for k u from 2^-50 up to 0.45; infinite from k u = 1/2. */
static void test_gamma_exact(void)
{
    static const double us[] = {0x1p-53, 0x1p-24, 0x1p-113};
    static const double kus[] = {0x1p-50, 1e-9, 0.001, 0.1, 0.25, 0.3, 0.45, 0.49};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++)
        for (size_t j = 0; j < sizeof kus / sizeof kus[0]; j++) {
            double k = nearbyint(kus[j] / us[i]);
            if (k < 1)
                continue;
            double g = gfl_cert_gamma(k, us[i]), lo = gamma_exact(k, us[i], MPFR_RNDD),
                   hi = gamma_exact(k, us[i], MPFR_RNDU);
            CHECK(isfinite(g) && g >= hi && g <= lo * (1 + 0x1p-48), "gamma(%g, %a) = %a, exact in [%a, %a]", k,
                  us[i], g, lo, hi);
        }
    CHECK(isinf(gfl_cert_gamma(0x1p52, 0x1p-53)), "k u = 1/2");
    CHECK(isinf(gfl_cert_gamma(3, 0.25)), "k u = 3/4");
    CHECK(gfl_cert_gamma(0, 0x1p-53) == 0.0, "gamma_0 = 0");
}

/* gfl_cert_gamma at 300 bits, rounded down: the model terms below are lower bounds. */
static double gam_lo(int k, double u) { return gamma_exact(k, u, MPFR_RNDD); }

/* The radius of gfl_cert_loss_err is at least its documented model (gfl_cert.h,
 * docs/proofs.md): gamma_{d+m+4} sum_i |a_i| (|w_i| xmax + |b_i|) Lip +
 * gamma_{n+4} |L| (+ gamma_8 |L| for the logistic loss's own evaluation, + 2^-53 |L|
 * when the value was rounded to double).  Small n, d, m make every index
 * offset visible; each case lets one term dominate. */
static void test_loss_err_model(void)
{
    double a[2] = {0.75, -1.5}, W[2 * 3] = {1, 2, 2, -0.5, 0, 0}, b[2] = {0.25, -2};
    double s_exact = 0.75 * (3 * 2.5 + 0.25) + 1.5 * (0.5 * 2.5 + 2); /* |w| = 3, 0.5; xmax = 2.5 */
    double tiny[2] = {0x1p-40, 0x1p-40};
    for (int loss = 0; loss < 2; loss++)
        for (int td = 0; td < 2; td++)
            for (int which = 0; which < 2; which++) {
                const double *aa = which ? tiny : a;
                double S = which ? 0x1p-40 * (3 * 2.5 + 0.25 + 0.5 * 2.5 + 2) : s_exact;
                double L = which ? 0.75 : 0x1p-30, u = 0x1p-53;
                int n = 1, d = 3, m = 2;
                double lip = loss == GFL_LOSS_HINGE ? 1.0 : 1 / log(2.0) * (1 - 0x1p-50);
                double model = gam_lo(d + m + 4, u) * S * lip + gam_lo(n + 4, u) * L + (td ? 0x1p-53 * L : 0.0) +
                               (loss == GFL_LOSS_LOGISTIC ? gam_lo(8, u) * L : 0.0);
                double rad = gfl_cert_loss_err(u, (gfl_loss)loss, n, d, m, aa, W, b, 2.5, L, td);
                CHECK(rad >= model * (1 - 0x1p-45), "loss %d to_double %d case %d: radius %a < model %a", loss, td,
                      which, rad, model);
                CHECK(rad <= 4 * model + gam_lo(16, u) * (L + S * 2), "loss %d to_double %d case %d: radius %a "
                      "far above the model %a", loss, td, which, rad, model);
                /* a negative loss value counts by its magnitude */
                double radn = gfl_cert_loss_err(u, (gfl_loss)loss, n, d, m, aa, W, b, 2.5, -L, td);
                CHECK(radn == rad, "radius of -L %a != radius of L %a", radn, rad);
            }
    /* the ref path's unit roundoff scales the radius down with the precision */
    double r53 = gfl_cert_loss_err(0x1p-53, GFL_LOSS_HINGE, 4, 3, 2, a, W, b, 2.5, 0.5, 0);
    double r113 = gfl_cert_loss_err(0x1p-113, GFL_LOSS_HINGE, 4, 3, 2, a, W, b, 2.5, 0.5, 0);
    CHECK(r113 < r53 * 0x1p-50, "radius at 113 bits %a vs 53 bits %a", r113, r53);
}

/* ------------------------------------------------------------------------ */
/* statistics against binomial summation                                     */

/* P(Bin(n, p) <= x) by summing the probability function in long double. */
static long double binom_cdf(long x, long n, double p)
{
    if (x < 0)
        return 0;
    if (x >= n)
        return 1;
    long double s = 0;
    for (long j = 0; j <= x; j++)
        s += expl(lgammal(n + 1.0L) - lgammal(j + 1.0L) - lgammal(n - j + 1.0L) + j * logl(p) +
                  (n - j) * log1pl(-(long double)p));
    return s;
}

/* Clopper-Pearson: the lower end p_lo has P(X >= x | p_lo) = a/2, the upper
 * end p_hi has P(X <= x | p_hi) = a/2 (a = 1 - level), in the interior too. */
static void test_clopper_pearson_interior(void)
{
    static const long ns[] = {3, 7, 20, 50, 137};
    static const double levels[] = {0.95, 0.8, 0.5};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            long n = ns[i];
            long xs[] = {1, n / 3, n / 2, n - 1};
            double a = 1 - levels[l];
            for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
                long x = xs[k];
                if (x < 1 || x > n - 1)
                    continue;
                double lo, hi;
                gfl_stats_clopper_pearson(x, n, levels[l], &lo, &hi);
                double up_tail = (double)(1 - binom_cdf(x - 1, n, lo)), low_tail = (double)binom_cdf(x, n, hi);
                CHECK(lo > 0 && lo < (double)x / n && hi < 1 && hi > (double)x / n, "x %ld n %ld: [%g, %g]", x, n,
                      lo, hi);
                CHECK(fabs(up_tail - a / 2) < 1e-9, "x %ld n %ld level %g: P(X >= x | lo = %.12g) = %.12g, want %g",
                      x, n, levels[l], lo, up_tail, a / 2);
                CHECK(fabs(low_tail - a / 2) < 1e-9, "x %ld n %ld level %g: P(X <= x | hi = %.12g) = %.12g, want %g",
                      x, n, levels[l], hi, low_tail, a / 2);
            }
        }
}

/* The binomial tails at the edges of their domain, in closed form: k outside
 * [0, n], p = 0 and p = 1, and the single-term tails p^n and (1 - p)^n; and
 * each tail against the term-by-term sum at k on both sides of n p, where
 * the two summation routes (from the far end, or one minus the other) meet. */
static void test_binom_tail_edges(void)
{
    static const long ns[] = {1, 7, 40};
    static const double ps[] = {0.0, 0.2, 0.5, 0.9, 1.0};
    int bad = 0;
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            long n = ns[i];
            double p = ps[j];
            for (long k = -2; k <= n + 2; k++) {
                /* closed forms where the tail is 0 or 1 or a single term */
                double ge_want = k <= 0 ? 1.0 : k > n ? 0.0 : p == 0 ? 0.0 : p == 1 ? 1.0 : NAN;
                double le_want = k < 0 ? 0.0 : k >= n ? 1.0 : p == 0 ? 1.0 : p == 1 ? 0.0 : NAN;
                if (k == n && p > 0 && p < 1)
                    ge_want = pow(p, (double)n);
                if (k == 0 && n > 0 && p > 0 && p < 1)
                    le_want = pow(1 - p, (double)n);
                double ge = gfl_stats_binom_ge(k, n, p), le = gfl_stats_binom_le(k, n, p);
                if (isnan(ge_want) && k >= 0 && k <= n) { /* interior: the sum oracle, upper terms summed */
                    long double u = 0;
                    for (long q = n; q >= k; q--)
                        u += expl(lgammal(n + 1.0L) - lgammal(q + 1.0L) - lgammal(n - q + 1.0L) + q * logl(p) +
                                  (n - q) * log1pl(-(long double)p));
                    ge_want = (double)u;
                }
                if (isnan(le_want) && k >= 0 && k <= n)
                    le_want = (double)binom_cdf(k, n, p);
                if (!(fabs(ge - ge_want) <= 1e-13 * ge_want + 1e-300) && bad++ < 5)
                    CHECK(0, "P(Bin(%ld, %g) >= %ld) = %.17g, want %.17g", n, p, k, ge, ge_want);
                if (!(fabs(le - le_want) <= 1e-13 * le_want + 1e-300) && bad++ < 5)
                    CHECK(0, "P(Bin(%ld, %g) <= %ld) = %.17g, want %.17g", n, p, k, le, le_want);
            }
        }
    CHECK(bad == 0, "%d binomial tails wrong at the edges", bad);
}

/* The lower quantile is the largest q <= n with P(X <= q - 1) <= alpha. */
static void test_binom_lower_grid(void)
{
    static const long ns[] = {1, 2, 5, 20, 60};
    static const double ps[] = {0.05, 0.3, 0.5, 0.7, 0.97};
    static const double alphas[] = {0.001, 0.05, 0.29, 0.9} /* no ties with a probability */;
    int checked_interior = 0;
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++)
            for (size_t k = 0; k < sizeof alphas / sizeof alphas[0]; k++) {
                long n = ns[i];
                double p = ps[j], alpha = alphas[k];
                long want = 0;
                while (want < n && binom_cdf(want, n, p) <= alpha) /* P(X <= want) <= alpha: want + 1 qualifies */
                    want++;
                long got = gfl_stats_binom_lower(n, p, alpha);
                CHECK(got == want, "binom_lower(n %ld, p %g, alpha %g) = %ld, want %ld", n, p, alpha, got, want);
                checked_interior += want > 0 && want < n;
            }
    CHECK(checked_interior > 10, "only %d interior quantiles", checked_interior);
    /* ties count (P(X <= q - 1) <= alpha): alpha set to the very value of
     * P(Bin(2, 1/2) <= 0) that the quantile's own tail computes gives q = 1 */
    double p0 = gfl_stats_binom_le(0, 2, 0.5);
    CHECK(fabs(p0 - 0.25) <= 0x1p-60, "P(Bin(2, 1/2) <= 0) = %a, want 0.25", p0);
    CHECK(gfl_stats_binom_lower(2, 0.5, p0) == 1, "tie at alpha = %a: q = %ld", p0, gfl_stats_binom_lower(2, 0.5, p0));
    CHECK(gfl_stats_binom_lower(2, 0.5, nextafter(p0, 0)) == 0, "just below the tie");
}

/* ------------------------------------------------------------------------ */
/* the Monte Carlo population loss against its per-sample losses            */

/* Mean, standard error and sigma of gfl_population_loss against the losses of
 * the sample's points one by one (the same engine, one point per call): the
 * mean agrees to rounding; batch means estimate the i.i.d. standard error
 * sd / sqrt(N) and sigma estimates sd (each within a factor 1.6: with 32
 * batches the ratio's relative spread is about 0.13). */
static void test_population_se(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.seed = gfl_test_seed();
    gfl_problem pb;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    gfl_sample mc = {0, NULL, NULL};
    int N = 4096, d = cfg.d;
    CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, N, 5) == GFL_OK);
    /* the initial network is 0 (paired neurons): unbalance the pairs */
    double *a = malloc((size_t)cfg.m * sizeof(double));
    CU_ASSERT_FATAL(a != NULL);
    for (int i = 0; i < cfg.m; i++)
        a[i] = pb.a0[i] * (1 + i % 3) / 8; /* losses of sd about 1/2: the batch spread is well above 1/32 */
    gfl_pop_value pv;
    CU_ASSERT_FATAL(gfl_population_loss(&gfl_fast_engine, &pb, &mc, cfg.m, a, pb.W0, pb.b, &pv) == GFL_OK);
    void *eng;
    CU_ASSERT_FATAL(gfl_fast_engine.create(&eng, &cfg, 1) == GFL_OK);
    CU_ASSERT_FATAL(gfl_fast_engine.load(eng, a, pb.W0, pb.b) == GFL_OK);
    long double s = 0, s2 = 0, e = 0;
    for (int k = 0; k < N; k++) {
        double l, err;
        gfl_fast_engine.evaluate(eng, mc.X + (size_t)k * d, mc.Y + k, 1, &l, &err);
        s += l;
        s2 += (long double)l * l;
        e += err;
    }
    gfl_fast_engine.destroy(eng);
    double mean = (double)(s / N), sd = (double)sqrtl((s2 - s * s / N) / (N - 1)), se = sd / sqrt((double)N);
    CHECK(pv.N == N && fabs(pv.loss - mean) <= 1e-12 * fabs(mean) + 1e-15, "loss %.17g, per-sample mean %.17g (N %ld)",
          pv.loss, mean, pv.N);
    CHECK(fabs(pv.err - (double)(e / N)) <= 1e-12, "0-1 error %.17g vs %.17g", pv.err, (double)(e / N));
    CHECK(sd > 0 && pv.loss_se > se / 1.6 && pv.loss_se < se * 1.6, "loss_se %.4g vs i.i.d. %.4g", pv.loss_se, se);
    CHECK(pv.sigma > sd / 1.6 && pv.sigma < sd * 1.6, "sigma %.4g vs sd %.4g", pv.sigma, sd);
    free(a);
    gfl_sample_clear(&mc);
    gfl_problem_clear(&pb);
}

/* C2's statistic |G_Z - G| per neuron against G_Z from its definition
 * (SPEC 4): (1/n) sum_k y_k x_k 1[<w_p, x_k> > b_p] on the first batch, for the
 * pair p = i mod m/2, minus the reported population G of that pair. */
static void test_features_dist(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.seed = gfl_test_seed();
    gfl_problem pb;
    gfl_witness wit;
    gfl_features_params fp;
    gfl_features_result res;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_witness_init(&wit, &pb) == GFL_OK);
    gfl_features_defaults(&fp, &cfg, gfl_path_find("fast"));
    fp.n_init = 100;
    fp.n_mc = 4096;
    CU_ASSERT_FATAL(gfl_features_run(&pb, &wit, &gfl_fast_engine, &gfl_fast_oracle, &fp, &res) == GFL_OK);
    int n = cfg.n, d = cfg.d, m = cfg.m, h = m / 2, bad = 0;
    double *X = malloc((size_t)n * d * sizeof(double)), *Y = malloc((size_t)n * sizeof(double));
    double *gz = malloc((size_t)d * sizeof(double));
    CU_ASSERT_FATAL(X && Y && gz);
    gfl_problem_batch(&pb, 1, X, Y);
    for (int i = 0; i < m; i++) {
        int p = i % h;
        const double *w = pb.W0 + (size_t)p * d;
        for (int j = 0; j < d; j++)
            gz[j] = 0;
        for (int k = 0; k < n; k++) {
            double z = 0;
            for (int j = 0; j < d; j++)
                z += w[j] * X[(size_t)k * d + j];
            if (z > pb.b[p])
                for (int j = 0; j < d; j++)
                    gz[j] += Y[k] * X[(size_t)k * d + j] / n;
        }
        double dd = 0;
        for (int j = 0; j < d; j++)
            dd += (gz[j] - res.G_pairs[(size_t)p * d + j]) * (gz[j] - res.G_pairs[(size_t)p * d + j]);
        double want = sqrt(dd), got = res.neuron[i].dist_GZ_G;
        if (!(fabs(got - want) <= 1e-9 * want + 1e-12) && bad++ < 3)
            CHECK(0, "neuron %d: |G_Z - G| = %.17g, recomputed %.17g", i, got, want);
    }
    CHECK(bad == 0, "%d of %d neurons with a wrong |G_Z - G|", bad, m);
    free(X), free(Y), free(gz);
    gfl_features_clear(&res);
    gfl_witness_clear(&wit);
    gfl_problem_clear(&pb);
}

void t_mutants_register(void)
{
    CU_pSuite s = CU_add_suite("mutants", NULL, NULL);
    CU_add_test(s, "cert_le agrees with exact arithmetic", test_cert_le_exact);
    CU_add_test(s, "cert_le rounds each end the safe way", test_cert_le_directions);
    CU_add_test(s, "cert_le with non-finite inputs", test_cert_le_nonfinite);
    CU_add_test(s, "directed rounding with dir = 0 is to nearest", test_cert_nearest);
    CU_add_test(s, "verdict names and bad verdicts", test_verdicts);
    CU_add_test(s, "gamma_k against 300 bits", test_gamma_exact);
    CU_add_test(s, "loss radius covers its documented model", test_loss_err_model);
    CU_add_test(s, "Clopper-Pearson interior against binomial sums", test_clopper_pearson_interior);
    CU_add_test(s, "binomial lower quantile against summation", test_binom_lower_grid);
    CU_add_test(s, "binomial tails at the edges, in closed form", test_binom_tail_edges);
    CU_add_test(s, "population loss and its standard error against per-sample losses", test_population_se);
    CU_add_test(s, "per-neuron |G_Z - G| against G_Z from its definition", test_features_dist);
}
