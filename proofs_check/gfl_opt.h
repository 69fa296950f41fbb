/* gfl_opt: OPT_hat, an upper bound on OPT (SPEC 5).
 *
 * OPT is a minimum over the gradient-feature-induced networks, so any
 * feasible network bounds it from above.  Two candidates: the case's explicit
 * witness f*, and a refit of the output weights over the witness directions
 * (with a grid of biases along each) by projected subgradient descent on a
 * fitting sample, kept feasible by clipping to the box |a_j| <= B_a1 and then
 * scaling into the ball |a| <= B_a2 (feasible, which is all a bound needs).
 * Each candidate's population loss comes from the path's engine: exact for
 * parity, else on an independent Monte Carlo sample with an upper confidence
 * bound (normal approximation, labelled as such).  OPT_hat is the smaller. */
#ifndef GFL_OPT_H
#define GFL_OPT_H

#include "gfl_population.h"
#include "gfl_witness.h"

typedef struct {
    int r;                  /* witness neurons */
    double Ba1, Ba2, Bb;    /* of the witness (B_F, SPEC 5) */
    gfl_pop_value witness;  /* L_D(f*) */
    double witness_upper;   /* one-sided upper confidence bound (value when exact) */
    int refit_done;
    int r_refit;            /* neurons of the refit (directions x biases) */
    double refit_Bb;
    gfl_pop_value refit;
    double refit_upper;
    double opt_hat;         /* min of the upper bounds */
    int exact;              /* opt_hat is an exact value, not a confidence bound */
    double level;
} gfl_opt_result;

gfl_status gfl_opt_run(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_witness *wit,
                       const gfl_sample *mc_fit, const gfl_sample *mc_eval, double level,
                       gfl_opt_result *out);

#endif
