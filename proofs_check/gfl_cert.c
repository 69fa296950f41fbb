#include "gfl_cert.h"

#include <math.h>
#include <mpfr.h>
#include <string.h>

const char *gfl_verdict_name(gfl_verdict v)
{
    static const char *const names[] = {"PASS", "FAIL", "UNCERTIFIED", "CONSISTENT",
                                        "VIOLATED", "INCONCLUSIVE", "N/A"};
    return names[v];
}

int gfl_verdict_bad(gfl_verdict v) { return v == GFL_V_FAIL || v == GFL_V_VIOLATED; }

int gfl_verdict_strict_bad(gfl_verdict v)
{
    return v == GFL_V_FAIL || v == GFL_V_VIOLATED || v == GFL_V_UNCERTIFIED || v == GFL_V_INCONCLUSIVE;
}

static mpfr_rnd_t rnd(int dir) { return dir > 0 ? MPFR_RNDU : dir < 0 ? MPFR_RNDD : MPFR_RNDN; }

double gfl_cert_sum(const double *v, size_t n, int dir)
{
    /* 2100 bits hold any sum of doubles exactly but for the final rounding. */
    mpfr_t s, t;
    mpfr_inits2(2200, s, t, (mpfr_ptr)0);
    mpfr_set_zero(s, 1);
    for (size_t i = 0; i < n; i++) {
        mpfr_set_d(t, v[i], MPFR_RNDN);
        mpfr_add(s, s, t, MPFR_RNDN); /* exact at this precision for finite doubles */
    }
    double r = mpfr_get_d(s, rnd(dir));
    mpfr_clears(s, t, (mpfr_ptr)0);
    return r;
}

double gfl_cert_add(double a, double b, int dir)
{
    double v[2] = {a, b};
    return gfl_cert_sum(v, 2, dir);
}

double gfl_cert_mul(double a, double b, int dir)
{
    mpfr_t x;
    mpfr_init2(x, 110); /* exact product of two doubles */
    mpfr_set_d(x, a, MPFR_RNDN);
    mpfr_mul_d(x, x, b, MPFR_RNDN);
    double r = mpfr_get_d(x, rnd(dir));
    mpfr_clear(x);
    return r;
}

gfl_verdict gfl_cert_le(double lhs, double lhs_err, double rhs, double rhs_err, double *slack)
{
    if (!isfinite(lhs) || !isfinite(rhs) || !isfinite(lhs_err) || !isfinite(rhs_err)) {
        /* SPEC 6: a NaN or infinite side or radius is never PASS (nor FAIL:
         * an overflowed value is not the exact one, its enclosure is unbounded) */
        *slack = NAN;
        return GFL_V_UNCERTIFIED;
    }
    double hi[2] = {lhs, fabs(lhs_err)}, lo[2] = {rhs, -fabs(rhs_err)};
    double lhs_hi = gfl_cert_sum(hi, 2, +1), rhs_lo = gfl_cert_sum(lo, 2, -1);
    *slack = gfl_cert_add(rhs_lo, -lhs_hi, -1);
    if (lhs_hi <= rhs_lo)
        return GFL_V_PASS;
    double lo2[2] = {lhs, -fabs(lhs_err)}, hi2[2] = {rhs, fabs(rhs_err)};
    if (gfl_cert_sum(lo2, 2, -1) > gfl_cert_sum(hi2, 2, +1))
        return GFL_V_FAIL;
    return GFL_V_UNCERTIFIED;
}

double gfl_cert_lipschitz(gfl_loss loss)
{
    if (loss == GFL_LOSS_HINGE)
        return 1.0;
    /* SPEC 1: l(z) = log(1 + e^-z) / log 2 has |l'| <= 1 / log 2; computed
     * once (the radii ask for it per batch and per neuron), rounded up */
    static double r;
    if (r == 0.0) {
        mpfr_t x;
        mpfr_init2(x, 128);
        mpfr_const_log2(x, MPFR_RNDD);
        mpfr_ui_div(x, 1, x, MPFR_RNDU);
        r = mpfr_get_d(x, MPFR_RNDU);
        mpfr_clear(x);
    }
    return r;
}

double gfl_cert_gamma(double k, double u)
{
    double ku = gfl_cert_mul(k, u, +1);
    return ku >= 0.5 ? INFINITY : gfl_cert_mul(ku, 1.0 / (1.0 - ku), +1) * (1 + 4 * 0x1p-53);
}

double gfl_cert_sum_err(int n, double sum_abs)
{
    return gfl_cert_mul(gfl_cert_gamma(n, 0x1p-53), fabs(sum_abs), +1);
}

double gfl_cert_loss_err(double u, gfl_loss loss, int n, int d, int m, const double *a,
                         const double *W, const double *b, double xmax, double L, int to_double)
{
    /* Every operation below rounds up or overestimates: the radius is an upper bound. */
    double s = 0.0;
    for (int i = 0; i < m; i++) {
        double nw = 0.0;
        for (int j = 0; j < d; j++)
            nw += W[(size_t)i * d + j] * W[(size_t)i * d + j];
        nw = sqrt(nw) * (1 + 4 * (d + 2) * 0x1p-53);
        s += fabs(a[i]) * (nw * xmax + fabs(b[i]));
    }
    s *= 1 + 4 * (m + 2) * 0x1p-53;
    double lip = gfl_cert_lipschitz(loss);
    double ef = gfl_cert_gamma(d + m + 4, u) * s * lip;
    double e = ef + gfl_cert_gamma(n + 4, u) * fabs(L) * (1 + 0x1p-50);
    if (loss == GFL_LOSS_LOGISTIC)
        e += gfl_cert_gamma(8, u) * (fabs(L) + ef); /* exp, log1p, division per term */
    if (to_double)
        e += 0x1p-53 * fabs(L);
    return e * (1 + 0x1p-40);
}
