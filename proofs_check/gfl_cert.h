/* gfl_cert: verdicts and certified comparisons (SPEC 6).
 *
 * An exact link "lhs <= rhs" is judged on enclosures: each side is a computed
 * double v with an error radius e such that the exact value lies in
 * [v - e, v + e] (e from the path's a-priori error model below).  The
 * comparison itself runs in MPFR with directed rounding: the left side's upper
 * end is rounded up, the right side's lower end down, so PASS means the
 * inequality holds for the exact values on that sample.  FAIL means the
 * enclosures are disjoint the wrong way; anything in between is UNCERTIFIED
 * (reported, never counted as a pass). */
#ifndef GFL_CERT_H
#define GFL_CERT_H

#include <stddef.h>

#include "gfl_config.h"

typedef enum {
    GFL_V_PASS = 0,      /* exact link holds (certified) */
    GFL_V_FAIL,          /* exact link broken: a bug or a false derivation */
    GFL_V_UNCERTIFIED,   /* exact link within rounding of equality */
    GFL_V_CONSISTENT,    /* statistical link not rejected at its level */
    GFL_V_VIOLATED,      /* statistical link rejected at its level */
    GFL_V_INCONCLUSIVE,  /* statistical: the interval straddles */
    GFL_V_NA             /* not applicable to this run (reason in the note) */
} gfl_verdict;

const char *gfl_verdict_name(gfl_verdict v);
/* FAIL or VIOLATED: the run contradicts the theorem or the checker. */
int gfl_verdict_bad(gfl_verdict v);
/* Anything but PASS, CONSISTENT or N/A: what --strict and make proofs reject
 * (SPEC 6: FAIL, VIOLATED, UNCERTIFIED, INCONCLUSIVE). */
int gfl_verdict_strict_bad(gfl_verdict v);

/* lhs +- lhs_err <= rhs +- rhs_err, certified.  *slack = (rhs - rhs_err) - (lhs + lhs_err)
 * rounded down (negative when not certified).  A side or radius that is NaN or
 * infinite is UNCERTIFIED whatever the other side (SPEC 6, numbers that cannot
 * be certified): an overflow is not the exact value, so even inf <= inf or
 * -inf <= x says nothing about the run. */
gfl_verdict gfl_cert_le(double lhs, double lhs_err, double rhs, double rhs_err, double *slack);

/* Sum of n doubles rounded up (dir > 0) or down (dir < 0), exactly otherwise. */
double gfl_cert_sum(const double *v, size_t n, int dir);
/* a + b and a * b rounded in direction dir (for building bounds). */
double gfl_cert_add(double a, double b, int dir);
double gfl_cert_mul(double a, double b, int dir);

/* Lipschitz constant L_l of the loss as a function of the margin (SPEC 1):
 * 1 for the hinge, 1/ln 2 for the logistic loss, rounded up so that every
 * Lipschitz step (C4, C6, the chain, the population step) stays an upper bound. */
double gfl_cert_lipschitz(gfl_loss loss);

/* Higham's gamma_k = k u / (1 - k u) for unit roundoff u, rounded up. */
double gfl_cert_gamma(double k, double u);

/* Radius of a sum of n doubles accumulated left to right in double
 * (SPEC 9): gamma_{n}(2^-53) times the sum of the absolute values of its terms,
 * rounded up.  C5's T'-term sums carry it. */
double gfl_cert_sum_err(int n, double sum_abs);

/* A-priori radius of a mean loss L = (1/n) sum_k l(y_k f(x_k)) computed by an
 * engine with unit roundoff u for the network (a, W, b) of width m on inputs
 * with |x| <= xmax:  |f~ - f| <= gamma_{d+m+4} sum_i |a_i| (|w_i| xmax + |b_i|)
 * (dot products, the bias, the pair and outer sums), l is Lip-Lipschitz
 * (1 for the hinge, 1/ln 2 for the logistic loss), and the mean of n
 * non-negative terms adds gamma_{n+4} L.  When the value reached us rounded to
 * double from a higher precision, add 2^-53 |L| (to_double). */
double gfl_cert_loss_err(double u, gfl_loss loss, int n, int d, int m, const double *a,
                         const double *W, const double *b, double xmax, double L, int to_double);

#endif
