/* gfl_stats: the few statistical tools the checker needs.
 *
 * The quantiles are found by bisection on binomial tails summed in long
 * double, with a bracket that always holds, not by GSL's Newton-based inverses:
 * gsl_cdf_beta_Pinv fails to converge for some counts (28 of the 2001 at
 * n = 2000, level 0.95), and GSL's default error handler then aborts the
 * process; its incomplete beta loses about n 2e-15 relative and gives NaN
 * near the mean for n >~ 1e7. */
#ifndef GFL_STATS_H
#define GFL_STATS_H

/* Clopper-Pearson interval for x successes in n trials at confidence `level`
 * (two-sided, level in (0, 1), e.g. 0.95): lo solves P(Bin(n, lo) >= x) = alpha/2
 * and hi solves P(Bin(n, hi) <= x) = alpha/2, alpha = 1 - level; lo = 0 at x = 0,
 * hi = 1 at x = n.  Always 0 <= lo <= x/n <= hi <= 1, both monotone in x.
 * Out-of-range arguments give the trivial interval [0, 1]. */
void gfl_stats_clopper_pearson(long x, long n, double level, double *lo, double *hi);
/* The largest q with P(Bin(n, p) <= q - 1) <= alpha, i.e. a lower alpha-quantile:
 * P(Bin(n, p) < q) <= alpha.  Returns 0 when even P(X = 0) > alpha. */
long gfl_stats_binom_lower(long n, double p, double alpha);
/* The binomial tails P(Bin(n, p) >= k) and P(Bin(n, p) <= k), to about 1e-12
 * relative (1e-10 at n = 1e8) even far in the tails; cost about ten standard
 * deviations of terms. */
double gfl_stats_binom_ge(long k, long n, double p);
double gfl_stats_binom_le(long k, long n, double p);

#endif
