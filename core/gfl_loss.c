#include "gfl_loss.h"
#include "gfl_testcase.h"

#include <math.h>

/* SPEC 1: losses as functions of the margin z = y f(x). */
double gfl_loss_value(gfl_loss l, double z)
{
    GFL_TESTCASE(l == GFL_LOSS_HINGE && z == 1.0); /* margin exactly 1: l(1) = 0 */
    if (l == GFL_LOSS_HINGE)
        return z >= 1.0 ? 0.0 : 1.0 - z; /* written so that a NaN margin gives NaN */
    /* log(1 + e^-z) / log 2, written to avoid overflow of e^-z. */
    double v = z >= 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
    return v / M_LN2;
}

double gfl_loss_deriv(gfl_loss l, double z)
{
    GFL_TESTCASE(l == GFL_LOSS_HINGE && z == 1.0); /* margin exactly 1: l'(1) = 0 */
    if (l == GFL_LOSS_HINGE)
        return z < 1.0 ? -1.0 : 0.0; /* l'(1) = 0 */
    /* -(1/log 2) / (1 + e^z), stable for both signs of z. */
    double e = exp(-fabs(z));
    double s = z >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e);
    return -s / M_LN2;
}
