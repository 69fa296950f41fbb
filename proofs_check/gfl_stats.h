/* gfl_stats: the few statistical tools the checker needs, on top of GSL's
 * distribution functions (a well-kept library; quantiles are not our point). */
#ifndef GFL_STATS_H
#define GFL_STATS_H

/* Clopper-Pearson interval for x successes in n trials at confidence `level`
 * (two-sided, e.g. 0.95). */
void gfl_stats_clopper_pearson(long x, long n, double level, double *lo, double *hi);
/* The largest q with P(Bin(n, p) <= q - 1) <= alpha, i.e. a lower alpha-quantile:
 * P(Bin(n, p) < q) <= alpha.  Returns 0 when even P(X = 0) > alpha. */
long gfl_stats_binom_lower(long n, double p, double alpha);

#endif
