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

#include "gfl_bounds.h"

#define GFL_FAST_U GFL_U_DOUBLE /* unit roundoff of IEEE double, round to nearest */

/* The bounds below as the fast path's table (its gfl_path, fast/gfl_fast_path.c). */
extern const gfl_bounds_vt gfl_fast_bounds;

/* Bound for h = <w, x> - b as the fast path computes it. */
void gfl_fast_bound_h(int d, const double *w, const double *x, double b, gfl_hbound *out);

/* Bound for f(x) = sum_i a_i sigma(h_i) as the fast path computes it, given
 * hb[i] = gfl_fast_bound_h of neuron i on x.  *fhat receives this module's own
 * evaluation of f, which obeys the same bound. */
double gfl_fast_bound_f(int m, const double *a, const gfl_hbound *hb, double *fhat);

/* Bound for the hinge margin 1 - y f (y = +-1) computed from a value f within
 * ef of the exact f: |fl(1 - y f) - (1 - y f_exact)| <= result.  *margin
 * receives fl(1 - y f). */
double gfl_fast_bound_margin(double ef, double y, double f, double *margin);

#endif
