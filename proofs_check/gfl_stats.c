#include "gfl_stats.h"

#include <gsl/gsl_cdf.h>

void gfl_stats_clopper_pearson(long x, long n, double level, double *lo, double *hi)
{
    double a = 1.0 - level;
    *lo = x <= 0 ? 0.0 : gsl_cdf_beta_Pinv(a / 2, (double)x, (double)(n - x + 1));
    *hi = x >= n ? 1.0 : gsl_cdf_beta_Pinv(1 - a / 2, (double)(x + 1), (double)(n - x));
}

long gfl_stats_binom_lower(long n, double p, double alpha)
{
    /* P(X <= q - 1) is increasing in q: walk up while it stays <= alpha. */
    long q = 0;
    while (q < n && gsl_cdf_binomial_P((unsigned)q, p, (unsigned)n) <= alpha)
        q++;
    return q;
}
