/* A-priori error bounds of the fast path (SPEC 9); see gfl_fast_bounds.h.
 *
 * Error model.  For doubles with round to nearest and gradual underflow,
 * fl(a * b) = a b (1 + delta) + eta with |delta| <= u, |eta| <= 2^-1075, and
 * fl(a + b) = (a + b)(1 + delta) (a sum that lands in the subnormal range is
 * exact).  A fused multiply-add rounds once instead of twice, which only
 * removes factors below.
 *
 * Dot product, any order.  However a BLAS orders or blocks the sum
 * s = sum_j w_j x_j, each product goes through one multiplication and at most
 * d - 1 additions, so fl(s) = sum_j w_j x_j (1 + theta_j) + sum_j eta_j'
 * with |theta_j| <= gamma_d (Higham, Lemma 3.1 and eq. (3.5)).  h = s - b adds
 * one rounding to every term and -b enters with one rounding: that is a dot
 * product of length d + 1 with the extra pair (b, -1), hence
 *     |fl(h) - h| <= gamma_{d+1} (sum_j |w_j x_j| + |b|) + d 2^-1074,
 * the last term bounding the underflow errors eta_j (each <= 2^-1075, then
 * multiplied by at most (1 + u)^d < 2).
 *
 * Output layer.  The fast path computes S_i = sigma(fl(h_i)) and sums the m
 * products a_i S_i (mirror pairs first, SPEC 2; any order is covered).  With
 * e_i the bound of h_i and sigma 1-Lipschitz,
 *     |fl(f) - f| <= |fl(sum a_i S_i) - sum a_i S_i| + sum_i |a_i| |S_i - sigma(h_i)|
 *                 <= gamma_m sum_i |a_i| S_i + m 2^-1074 + sum_i |a_i| e_i.
 * S_i is the fast path's value, which this module does not see: it evaluates
 * h_i itself (hhat_i, also within e_i of h_i), so S_i <= sigma(hhat_i) + 2 e_i.
 *
 * Hinge margin.  y = +-1, so y fl(f) is exact and 1 - y fl(f) is one more
 * rounding: |fl(1 - y fl(f)) - (1 - y f)| <= e_f + u |fl(1 - y fl(f))|
 * (zero extra term when that subtraction is exact, checked with TwoSum).
 *
 * Certified exact evaluations.  If every term t_j of a sum (the products w_j x_j
 * and -b; or a_i sigma(h_i)) is an exact double, every nonzero one is an integer
 * multiple of 2^e, and sum_j |t_j| < 2^(e + 53), then every partial sum in
 * every order is an integer multiple of 2^e below 2^(e + 53) in magnitude,
 * hence a double: the fast path, this module and MPFR at any precision >= 53
 * all compute the exact value, and the bound is 0.  A product p = fl(a b) is
 * known exact when fma(a, b, -p) == 0 and |p| >= 2^-900 (so that the residual
 * is itself representable), or when a factor is 0.  This is how an exact tie
 * (h = 0 computed exactly by both paths, where they cannot legitimately
 * disagree) is told apart from a rounding tie.
 *
 * Computing the bounds.  The sums of absolute values and the final products
 * use the upward operations of core/gfl_bounds.h (round to nearest, then one
 * step up), so each returned bound is >= the real value of its formula.
 */
#include "gfl_fast_bounds.h"

#include <limits.h>

/* e such that |v| = M 2^e with M odd (v finite, nonzero). */
static int low_bit_exp(double v)
{
    int e;
    double f = frexp(fabs(v), &e); /* |v| = f 2^e, f in [1/2, 1): f 2^53 is an integer */
    uint64_t M = (uint64_t)ldexp(f, 53);
    return e - 53 + __builtin_ctzll(M);
}

/* p == fl(a b) is the exact product. */
static int product_exact(double a, double b, double p)
{
    if (a == 0.0 || b == 0.0)
        return 1;
    return isfinite(p) && fabs(p) >= 0x1p-900 && fma(a, b, -p) == 0.0;
}

/* The certificate above: terms exact, sum of |terms| (upper bound sabs) below
 * 2^(emin + 53).  emin == INT_MAX means every term is 0. */
static int sum_certified(int exact, int emin, double sabs)
{
    if (!exact)
        return 0;
    if (emin == INT_MAX)
        return 1;
    return sabs < ldexp(1.0, emin + 53 > 1100 ? 1100 : emin + 53);
}

void gfl_fast_bound_h(int d, const double *w, const double *x, double b, gfl_hbound *out)
{
    double s = 0.0, sabs = 0.0;
    int exact = 1, emin = INT_MAX;
    for (int j = 0; j < d; j++) {
        double p = w[j] * x[j];
        s += p;
        sabs = gfl_add_up(sabs, gfl_mul_up(fabs(w[j]), fabs(x[j])));
        if (exact && p != 0.0) {
            if (product_exact(w[j], x[j], p)) {
                int e = low_bit_exp(p);
                emin = e < emin ? e : emin;
            } else {
                exact = 0;
            }
        } else if (exact && w[j] != 0.0 && x[j] != 0.0) {
            exact = 0; /* underflowed to 0 */
        }
    }
    if (b != 0.0 && isfinite(b)) {
        int e = low_bit_exp(b);
        emin = e < emin ? e : emin;
    }
    sabs = gfl_add_up(sabs, fabs(b));
    out->h = s - b;
    out->sabs = sabs;
    if (sum_certified(exact && isfinite(sabs), emin, sabs)) {
        out->err = 0.0;
        return;
    }
    double err = gfl_mul_up(gfl_gamma_up((long)d + 1), sabs);
    out->err = gfl_add_up(err, ldexp((double)d, -1074));
}

double gfl_fast_bound_f(int m, const double *a, const gfl_hbound *hb, double *fhat)
{
    double F = 0.0, A = 0.0, B = 0.0, sabs = 0.0;
    int exact = 1, emin = INT_MAX;
    for (int i = 0; i < m; i++) {
        if (a[i] == 0.0)
            continue; /* 0 * S_i is 0 whatever S_i is */
        double s = hb[i].h > 0.0 ? hb[i].h : 0.0, e = hb[i].err, aa = fabs(a[i]);
        double p = a[i] * s;
        F += p;
        if (exact) {
            /* e == 0: the fast path's S_i is sigma(hhat_i) exactly */
            if (e != 0.0 || !product_exact(a[i], s, p)) {
                exact = 0;
            } else if (p != 0.0) {
                int ep = low_bit_exp(p);
                emin = ep < emin ? ep : emin;
            }
        }
        A = gfl_add_up(A, gfl_mul_up(aa, e));
        B = gfl_add_up(B, gfl_mul_up(aa, gfl_add_up(s, 2.0 * e)));
        sabs = gfl_add_up(sabs, gfl_mul_up(aa, s));
    }
    *fhat = F;
    if (sum_certified(exact && isfinite(sabs), emin, sabs))
        return 0.0;
    double err = gfl_add_up(A, gfl_mul_up(gfl_gamma_up(m), B));
    return gfl_add_up(err, ldexp((double)m, -1074));
}

double gfl_fast_bound_margin(double ef, double y, double f, double *margin)
{
    double z = y * f;     /* exact: y = +-1 */
    double r = 1.0 - z;
    double bb = r - 1.0;  /* TwoSum (Knuth): err = (1 - z) - r exactly */
    double err = (1.0 - (r - bb)) + (-z - bb);
    *margin = r;
    if (err == 0.0)
        return ef;
    return gfl_add_up(ef, gfl_mul_up(GFL_FAST_U, fabs(r)));
}

const gfl_bounds_vt gfl_fast_bounds = {gfl_fast_bound_h, gfl_fast_bound_f, gfl_fast_bound_margin};
