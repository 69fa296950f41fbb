/* gfl_population: the population loss L_D and 0-1 error of a network, through
 * an engine (so in the path's own arithmetic).
 *
 * Enumeration cases (parity): exact, by evaluating every point of {+-1}^d
 * repeated c(x) times (P(x) = c(x)/2^(d+2) with integer c), so the engine's
 * plain mean is the weighted mean.  Other cases: a Monte Carlo sample split in
 * B equal chunks; the spread of the chunk means gives the standard error
 * (batch means), and sigma = se sqrt(N) estimates the per-sample spread. */
#ifndef GFL_POPULATION_H
#define GFL_POPULATION_H

#include "gfl_engine.h"
#include "gfl_oracle.h"

typedef struct {
    double loss, loss_se; /* se 0 when exact */
    double err, err_se;
    double sigma;         /* per-sample standard deviation of the loss (0 when exact) */
    gfl_oracle_kind kind;
    long N;               /* sample size (points x repetitions for enumeration) */
} gfl_pop_value;

/* mc may be NULL for enumeration cases. */
gfl_status gfl_population_loss(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_sample *mc,
                               int m, const double *a, const double *W, const double *b,
                               gfl_pop_value *out);

#endif
