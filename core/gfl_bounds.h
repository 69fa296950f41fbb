/* gfl_bounds: upward-rounded double arithmetic for error bounds, and the
 * table of a-priori bounds a path may publish (core/gfl_path.h).
 *
 * A checker that holds one path to another (proofs_check/gfl_compare.c) needs
 * to know how far a path's own evaluation of h = <w, x> - b, of
 * f(x) = sum_i a_i sigma(h_i) and of the hinge margin 1 - y f can be from the
 * exact values.  A path that can say so exports a gfl_bounds_vt (fast: every
 * evaluation order of a double BLAS, fast/gfl_fast_bounds.h); the checker
 * reads the table only.  The operations below are what such bounds are
 * computed with: each rounds to nearest and then steps one double up, so a
 * formula evaluated with them from upper bounds of its inputs is an upper
 * bound of its real value (on nonnegative operands, where + and * are
 * monotone).  No MPFR here. */
#ifndef GFL_BOUNDS_H
#define GFL_BOUNDS_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Unit roundoff of IEEE double, round to nearest: 2^-53 (Higham, Accuracy and
 * Stability of Numerical Algorithms, 2nd ed., eq. (2.5)).  Also the relative
 * rounding of every value an engine hands back through the double interface. */
#define GFL_U_DOUBLE 0x1p-53

/* One neuron on one sample. */
typedef struct {
    double h;    /* the bounding module's own evaluation of h = <w, x> - b (round to nearest) */
    double err;  /* bound on |fl(h) - h| for any evaluation order, that h included;
                  * 0 when every order is exact */
    double sabs; /* upper bound of sum_j |w_j x_j| + |b| */
} gfl_hbound;

/* Upward-rounded arithmetic on nonnegative doubles.  Each operation rounds to
 * nearest and then steps to the next double up: a round-to-nearest result is
 * within half an ulp of the exact one (also in the subnormal range, and an
 * underflow to 0 is at most 2^-1075 away), so the stepped value is >= the exact
 * result.  Exact zeros stay 0 (a sum of nonnegatives is 0, a difference is 0,
 * or a product has a zero factor, only when exact), which is what lets a
 * certified-exact evaluation carry a bound of exactly 0. */
static inline double gfl_next_up(double x)
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

static inline double gfl_add_up(double a, double b)
{
    double s = a + b;
    return s == 0.0 ? 0.0 : gfl_next_up(s);
}

static inline double gfl_mul_up(double a, double b)
{
    double p = a * b;
    if (p == 0.0)
        return (a == 0.0 || b == 0.0) ? 0.0 : DBL_TRUE_MIN; /* underflow */
    return gfl_next_up(p);
}

/* Upper bound of |a - b|; 0 exactly when a == b (gradual underflow makes a
 * difference of doubles 0 only when they are equal). */
static inline double gfl_absdiff_up(double a, double b)
{
    double d = a - b;
    return d == 0.0 ? 0.0 : gfl_next_up(fabs(d));
}

/* gamma_n = n u / (1 - n u) at u = 2^-53, rounded upward; +inf when n u >= 1/2
 * (Higham, Lemma 3.1). */
double gfl_gamma_up(long n);

/* The a-priori bounds of a path's evaluations, valid for every evaluation
 * order (see fast/gfl_fast_bounds.h for the fast path's derivation). */
typedef struct gfl_bounds_vt {
    /* Bound for h = <w, x> - b as the path computes it. */
    void (*h)(int d, const double *w, const double *x, double b, gfl_hbound *out);
    /* Bound for f(x) = sum_i a_i sigma(h_i) given hb[i] = h() of neuron i on x;
     * *fhat receives the module's own evaluation of f, within the same bound. */
    double (*f)(int m, const double *a, const gfl_hbound *hb, double *fhat);
    /* Bound for the hinge margin 1 - y f (y = +-1) from f within ef of the
     * exact f; *margin receives fl(1 - y f). */
    double (*margin)(double ef, double y, double f, double *margin);
} gfl_bounds_vt;

#endif
