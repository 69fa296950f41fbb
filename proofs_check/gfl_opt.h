/* gfl_opt: OPT_hat, an upper bound on OPT (SPEC 5).
 *
 * OPT is a minimum over the gradient-feature-induced networks, so any
 * feasible network bounds it from above.  Two candidates: the case's explicit
 * witness f*, and a refit of the output weights over the witness neurons
 * (their directions D_j and biases b*_j, nothing else: the refit network has
 * r neurons, biases within B_b, the witness's directions, so it lies in the
 * same class F(d, r, B_F, S) as f*) by projected subgradient descent on a
 * fitting sample, kept feasible by clipping to the box |a_j| <= B_a1 and then
 * scaling into the ball |a| <= B_a2 (feasible, which is all a bound needs).
 * Each candidate's population loss comes from the path's engine: exact for
 * parity, else on an independent Monte Carlo sample with an upper confidence
 * bound (normal approximation, labelled as such).  OPT_hat is the smaller.
 *
 * Both candidates are in the class only when every witness feature is a
 * member of S(p, gamma, B_G) (SPEC 5): gfl_opt_run leaves OPT_hat not
 * available until gfl_opt_membership has seen the feature estimates. */
#ifndef GFL_OPT_H
#define GFL_OPT_H

#include "gfl_features.h"
#include "gfl_population.h"
#include "gfl_witness.h"

typedef struct {
    int r;                  /* witness neurons */
    double Ba1, Ba2, Bb;    /* of the witness (B_F, SPEC 5) */
    gfl_pop_value witness;  /* L_D(f*) */
    double witness_upper;   /* one-sided upper confidence bound (value when exact) */
    int refit_done;
    int r_refit;            /* neurons of the refit: the witness's r (SPEC 5: at most r) */
    double refit_Bb;        /* max |b_j| of the refit: the witness's B_b */
    double *refit_a;        /* r_refit: output weights; neuron j is (D_j, b*_j) of the witness */
    gfl_pop_value refit;
    double refit_upper;
    double opt_hat;         /* min of the upper bounds; NaN when not available */
    int exact;              /* opt_hat is an exact value, not a confidence bound */
    int available;          /* every witness feature is a member of S (SPEC 5) */
    char na_reason[160];    /* why OPT_hat is not available ("" when it is) */
    double level;
} gfl_opt_result;

/* On success the caller owns out (gfl_opt_clear); on error out owns nothing. */
gfl_status gfl_opt_run(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_witness *wit,
                       const gfl_sample *mc_fit, const gfl_sample *mc_eval, double level,
                       gfl_opt_result *out);
/* OPT_hat is available iff every witness feature is a member of S(p, gamma,
 * B_G) by the estimates in feat (SPEC 5); otherwise opt_hat is NaN and
 * na_reason names the first non-member feature. */
void gfl_opt_membership(gfl_opt_result *o, const gfl_features_result *feat);
void gfl_opt_clear(gfl_opt_result *o);

#endif
