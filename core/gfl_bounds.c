#include "gfl_bounds.h"

double gfl_gamma_up(long n)
{
    if (n <= 0)
        return 0.0;
    if (n >= (1L << 52))
        return INFINITY;
    double nu = ldexp((double)n, -53); /* exact */
    double den = 1.0 - nu;              /* exact: a multiple of 2^-53 in [1/2, 1) */
    return gfl_next_up(nu / den);
}
