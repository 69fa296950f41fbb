/* gfl_loss: the losses of SPEC 1 as functions of the margin z = y f(x), in
 * double: l(z) and l'(z) (hinge: l'(1) = 0; logistic: log(1 + e^-z)/log 2).
 * The fast path's engine and the OPT refit (plain double arithmetic, any
 * feasible point bounds OPT) both evaluate the loss with these. */
#ifndef GFL_LOSS_H
#define GFL_LOSS_H

#include "gfl_config.h"

double gfl_loss_value(gfl_loss l, double z);
double gfl_loss_deriv(gfl_loss l, double z);

#endif
