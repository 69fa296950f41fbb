/* gfl_fast_bounds: a-priori error bounds of the fast path (SPEC 9).
 *
 * The fast path evaluates h = <w, x> - b (a BLAS dot product of length d in an
 * order it does not promise, then one subtraction) and f(x) = sum_i a_i sigma(h_i)
 * (m products summed in some order).  These functions return bounds that hold
 * for *every* evaluation order, with or without fused multiply-add, so they do
 * not depend on how the BLAS blocks its loops:
 *
 *   |fl(<w,x> - b) - (<w,x> - b)| <= gamma_{d+1} (sum_j |w_j x_j| + |b|) + d 2^-1074
 *   |fl(f) - f| <= sum_i |a_i| e_i + gamma_m sum_i |a_i| (sigma(hhat_i) + 2 e_i) + m 2^-1074
 *   |fl(1 - y fl(f)) - (1 - y f)| <= e_f + u |fl(1 - y fl(f))|
 *
 * with gamma_n = n u / (1 - n u), u = 2^-53 (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., Lemma 3.1 and eq. (3.5)); the 2^-1074 terms
 * cover gradual underflow of the products.  A bound is 0 when the evaluation
 * is certified exact in every order (see gfl_fast_bounds.c); the comparison
 * relies on that to tell an exact tie (both paths must agree) from a rounding
 * tie.  Every bound is itself computed with upward-rounded operations, so it
 * is never below the real-number value of its formula.  No MPFR here.
 */
#ifndef GFL_FAST_BOUNDS_H
#define GFL_FAST_BOUNDS_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define GFL_FAST_U 0x1p-53 /* unit roundoff of IEEE double, round to nearest */

/* One neuron on one sample. */
typedef struct {
    double h;    /* this module's own evaluation of h = <w, x> - b (round to nearest) */
    double err;  /* bound on |fl(h) - h| for any evaluation order, this module's h included;
                  * 0 when every order is exact */
    double sabs; /* upper bound of sum_j |w_j x_j| + |b| */
} gfl_fast_hbound;

/* Upward-rounded arithmetic on nonnegative doubles.  Each operation rounds to
 * nearest and then steps to the next double up: a round-to-nearest result is
 * within half an ulp of the exact one (also in the subnormal range, and an
 * underflow to 0 is at most 2^-1075 away), so the stepped value is >= the exact
 * result.  Since + and * are monotone on nonnegative operands, a formula
 * evaluated with these operations from upper bounds of its inputs is an upper
 * bound of its real value.  Exact zeros stay 0 (a sum of nonnegatives is 0, a
 * difference is 0, or a product has a zero factor, only when exact), which is
 * what lets a certified-exact evaluation carry a bound of exactly 0. */
static inline double gfl_fast_next_up(double x)
{
    if (!(x < INFINITY)) /* +inf, NaN */
        return x;
    if (x == 0.0)
        return DBL_TRUE_MIN;
    if (x < 0.0)
        return nextafter(x, INFINITY);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits++; /* the next double up (DBL_MAX steps to +inf) */
    memcpy(&x, &bits, sizeof x);
    return x;
}

static inline double gfl_fast_add_up(double a, double b)
{
    double s = a + b;
    return s == 0.0 ? 0.0 : gfl_fast_next_up(s);
}

static inline double gfl_fast_mul_up(double a, double b)
{
    double p = a * b;
    if (p == 0.0)
        return (a == 0.0 || b == 0.0) ? 0.0 : DBL_TRUE_MIN; /* underflow */
    return gfl_fast_next_up(p);
}

/* Upper bound of |a - b|; 0 exactly when a == b (gradual underflow makes a
 * difference of doubles 0 only when they are equal). */
static inline double gfl_fast_absdiff_up(double a, double b)
{
    double d = a - b;
    return d == 0.0 ? 0.0 : gfl_fast_next_up(fabs(d));
}

/* gamma_n = n u / (1 - n u), rounded upward; +inf when n u >= 1/2. */
double gfl_fast_gamma(long n);

/* Bound for h = <w, x> - b as the fast path computes it. */
void gfl_fast_bound_h(int d, const double *w, const double *x, double b, gfl_fast_hbound *out);

/* Bound for f(x) = sum_i a_i sigma(h_i) as the fast path computes it, given
 * hb[i] = gfl_fast_bound_h of neuron i on x.  *fhat receives this module's own
 * evaluation of f, which obeys the same bound. */
double gfl_fast_bound_f(int m, const double *a, const gfl_fast_hbound *hb, double *fhat);

/* Bound for the hinge margin 1 - y f (y = +-1) computed from a value f within
 * ef of the exact f: |fl(1 - y f) - (1 - y f_exact)| <= result.  *margin
 * receives fl(1 - y f). */
double gfl_fast_bound_margin(double ef, double y, double f, double *margin);

#endif
