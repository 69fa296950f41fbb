#include "gfl_stats.h"

#include <math.h>

/* Sum of the Bin(n, p) probabilities of j = j0, j0 + dir, ... (inside [0, n]),
 * for j0 at or beyond the mode in the direction dir, so that the terms only
 * decrease: the sum stops once a term no longer changes it (about ten standard
 * deviations, 5e4 terms at n = 1e8).  The first term comes from lgammal, the
 * others by the ratio of neighbours; long double keeps the relative error near
 * 1e-19 |log C(n, j0)|, i.e. below 1e-12 for n <= 1e6.  GSL's incomplete beta,
 * the textbook route, is off by about n 2e-15 relative (2e-10 at n = 1e5) and
 * its continued fraction gives up (NaN) near the mean for n >~ 1e7. */
static double sum_away(long j0, long n, double p, int dir)
{
    long double lp = logl((long double)p), lq = log1pl(-(long double)p);
    long double t = expl(lgammal((long double)n + 1) - lgammal((long double)j0 + 1) -
                         lgammal((long double)(n - j0) + 1) + (long double)j0 * lp +
                         (long double)(n - j0) * lq);
    long double s = 0, r = expl(lp - lq); /* p / (1 - p) */
    for (long j = j0; j >= 0 && j <= n && s + t != s; j += dir) {
        s += t;
        /* pmf(j + 1) / pmf(j) = (n - j) / (j + 1) * p / q */
        t = dir > 0 ? t * (long double)(n - j) / (long double)(j + 1) * r
                    : t * (long double)j / (long double)(n - j + 1) / r;
    }
    return (double)s;
}

/* Each tail is summed from its far end when that end lies beyond the mean
 * (small tails keep their relative accuracy), else as one minus the other. */
double gfl_stats_binom_ge(long k, long n, double p)
{
    if (k <= 0 || p >= 1)
        return k <= n ? 1.0 : 0.0;
    if (k > n || !(p > 0))
        return 0.0;
    return (double)k > (double)n * p ? sum_away(k, n, p, 1) : 1.0 - sum_away(k - 1, n, p, -1);
}

double gfl_stats_binom_le(long k, long n, double p)
{
    if (k >= n || !(p > 0))
        return k >= 0 ? 1.0 : 0.0;
    if (k < 0 || p >= 1)
        return 0.0;
    return (double)k < (double)n * p ? sum_away(k, n, p, -1) : 1.0 - sum_away(k + 1, n, p, 1);
}

/* g(p) = +-log(tail(p) / h), signed so that it rises with p. */
static double g_at(double (*tail)(long, long, double), int rising, long x, long n, double h, double p)
{
    double g = log(tail(x, n, p) / h);
    return rising ? g : -g;
}

/* The p in [a, b] where a monotone tail crosses h, to the last bit: with g
 * as above, g(a) < 0 <= g(b) holds throughout and the answer is a or b once
 * they are neighbouring doubles.  Bisection alone takes ~60 evaluations of
 * the tail; here a few regula falsi steps on g (nearly linear in p near the
 * root; Illinois modification, halving when the secant point is unusable)
 * find the root to ~1e-12, a bracket of that width around it is confirmed
 * with two evaluations, and bisection finishes inside it: about 25 in all.
 * If the confirmation fails the bisection simply goes on in the bracket held
 * so far.  A wiggle of the computed tail near the root moves the answer by a
 * few ulps at most.  Returns the end that widens the interval (a for the
 * lower bound, b for the upper). */
static double solve(double (*tail)(long, long, double), int rising, long x, long n, double h, double a,
                    double b, int want_low)
{
    double ga = g_at(tail, rising, x, n, h, a), gb = g_at(tail, rising, x, n, h, b), c = a;
    int side = 0;
    for (int it = 0; it < 12 && nextafter(a, b) < b; it++) {
        c = a - ga * (b - a) / (gb - ga);
        if (!isfinite(ga) || !isfinite(gb) || !(c > a && c < b))
            c = a + (b - a) / 2;
        double g = g_at(tail, rising, x, n, h, c);
        if (g < 0) {
            a = c, ga = g;
            if (side < 0)
                gb /= 2;
            side = -1;
        } else {
            b = c, gb = g;
            if (side > 0)
                ga /= 2;
            side = 1;
        }
    }
    double d = 1e-12 * c, lo = fmax(a, c - d), hi = fmin(b, c + d);
    if (lo > a && hi < b && g_at(tail, rising, x, n, h, lo) < 0 && g_at(tail, rising, x, n, h, hi) >= 0)
        a = lo, b = hi;
    for (;;) {
        double mid = a + (b - a) / 2;
        if (!(mid > a && mid < b))
            return want_low ? a : b;
        if (g_at(tail, rising, x, n, h, mid) < 0)
            a = mid;
        else
            b = mid;
    }
}

void gfl_stats_clopper_pearson(long x, long n, double level, double *lo, double *hi)
{
    *lo = 0.0;
    *hi = 1.0;
    if (n <= 0 || x < 0 || x > n || !(level > 0 && level < 1))
        return;
    double h = (1.0 - level) / 2; /* alpha / 2, in (0, 1/2) */
    double phat = (double)x / (double)n;
    /* Ends in closed form: P(Bin(n, p) >= n) = p^n and P(Bin(n, p) <= 0) = (1 - p)^n. */
    double end = exp(log(h) / (double)n);
    /* The bracket: x is the mean of Bin(n, x/n), which is then also a median, so
     * P(X >= x) >= 1/2 > alpha/2 and P(X <= x) >= 1/2 > alpha/2 there, while the
     * tails are 0 at p = 0 and p = 1 respectively.  Hence lo <= x/n <= hi. */
    *lo = x == 0 ? 0.0 : x == n ? end : solve(gfl_stats_binom_ge, 1, x, n, h, 0.0, phat, 1);
    *hi = x == n ? 1.0 : x == 0 ? -expm1(log(h) / (double)n) : solve(gfl_stats_binom_le, 0, x, n, h, phat, 1.0, 0);
}

long gfl_stats_binom_lower(long n, double p, double alpha)
{
    /* ok(q) = [P(X <= q) <= alpha] holds for q below some q* and fails from q*
     * on (the CDF rises); the answer is q* capped at n.  Bisection: lo satisfies
     * "every q < lo is ok", hi is n or a q that is not ok. */
    long lo = 0, hi = n;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (gfl_stats_binom_le(mid, n, p) <= alpha)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
