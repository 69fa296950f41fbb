/* gfl_data_check: the checker's objects on a table of data (SPEC 11,
 * docs/data.md): the moments on the feature pool, the loss on the held-out
 * part, and beside Algorithm 1 two baselines computed by gfl itself -- the
 * random-features arm at the same width (SPEC 3, W never updated) and an
 * L2-regularized logistic regression on the features (Newton's method). */
#ifndef GFL_DATA_CHECK_H
#define GFL_DATA_CHECK_H

#include "gfl_data.h"
#include "gfl_engine.h"
#include "gfl_features.h"
#include "gfl_population.h"

void gfl_data_features_defaults(gfl_features_params *fp);
/* B_x2 = mean |x|^2 on the feature pool with its standard error; B_x1 the
 * mean |x| (estimate) and sqrt(B_x2) (the bound used). */
gfl_status gfl_data_moments(const gfl_sample *pool, int d, gfl_moments *mom);
/* L and 0-1 error of a network on every row of the held-out part: the mean
 * in the path's arithmetic, the standard error from the rows' spread. */
gfl_status gfl_data_population(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_sample *mc, int m,
                               const double *a, const double *W, const double *b, gfl_pop_value *out);

/* L2-regularized logistic regression with an intercept: minimizes
 * (1/N) sum_k log(1 + exp(-y_k (<w, x_k> + c))) + (lam/2)|w|^2 by Newton's
 * method (Cholesky, GSL) until the Newton decrement is below tol.
 * w (d) and *c out; returns the iterations used. */
gfl_status gfl_data_logreg(const double *X, const double *Y, int N, int d, double lam, double tol, double *w,
                           double *c, int *iters);

typedef struct gfl_data_summary {
    int N, d, dropped, n_train, n_feat, n_val, n_test, fresh;
    char pos[256], neg[256];
    const char *heldout;       /* "test" or "validation" */
    double alg_err, alg_lo, alg_hi, alg_loss; /* Algorithm 1, f^(T), held-out 0-1 error (Clopper-Pearson) */
    double rf_err, rf_lo, rf_hi;             /* random-features arm */
    double lr_err, lr_lo, lr_hi, lr_lambda;  /* logistic regression */
    int lr_iters;
    double level;
} gfl_data_summary;

/* The arms and the description of the split, on the path vt. */
gfl_status gfl_data_summary_run(const gfl_config *cfg, const gfl_engine_vt *vt, double level, gfl_data_summary *s);

struct gfl_check_case;
/* Case data: the candidate features not in S(p, gamma, B_G) are dropped from
 * the witness (when some are members) and the features are estimated again,
 * so that OPT_hat comes from a network of the class; c->pruned counts them. */
gfl_status gfl_data_check_prune(const gfl_problem *pb, const gfl_engine_vt *vt, const gfl_oracle_vt *orc,
                                const gfl_features_params *fp, struct gfl_check_case *c);
/* Lines printed after the case's report, and its "data" JSON member. */
void gfl_data_check_print(const struct gfl_check_case *c);
struct json_t;
void gfl_data_check_json(struct json_t *o, const struct gfl_check_case *c);

#endif
