/* gfl_train: the Algorithm 1 driver (SPEC 3), written once for both paths.
 *
 * The driver owns the loop: it regenerates each step's batch, picks
 * (eta_t, lam_t), decides whether W moves, evaluates on the test set, records
 * the trace and stops on a non-finite value.  The arithmetic is the engine's.
 */
#ifndef GFL_TRAIN_H
#define GFL_TRAIN_H

#include "gfl_engine.h"
#include "gfl_problem.h"

typedef struct {
    int t;              /* step; t = 0 is the initialization */
    double batch_loss;  /* L_{Z^(t-1)}(f^(t-1)); NaN at t = 0 */
    double grad_norm_a; /* |g_t|; NaN at t = 0 */
    double norm_a, norm_W;
    int evaluated;      /* test metrics present */
    double test_loss, test_error; /* of f^(t) */
} gfl_trace_rec;

typedef struct {
    int T;
    gfl_trace_rec *rec; /* T + 1 records, index t */
    double *a, *W;      /* final parameters, rounded to double */
    /* Final parameters exactly, when the engine holds more than a double
     * (engine exact_parts() > 1, the ref path): entry e is the unevaluated
     * sum of a_exact[e parts .. e parts + parts - 1] (W_exact likewise);
     * parts = 0 and both NULL for a double engine. */
    int parts;
    double *a_exact, *W_exact;
    double test_loss, test_error; /* final */
    double train_seconds;
} gfl_run;

/* Called after every step t >= 1 with the engine (to inspect its state). */
typedef gfl_status (*gfl_step_hook)(void *ctx, int t, void *eng, const gfl_engine_vt *vt);

/* Monotonic wall-clock seconds, for the timings every report prints. */
double gfl_clock_seconds(void);

gfl_status gfl_run_init(gfl_run *run, const gfl_config *cfg);
void gfl_run_clear(gfl_run *run);

/* Step parameters of Algorithm 1 at step t (1-based). */
void gfl_train_step_params(const gfl_config *cfg, int t, double *eta, double *lam, int *lam_inv_eta,
                           int *update_w);

gfl_status gfl_train(const gfl_engine_vt *vt, const gfl_problem *pb, gfl_run *run,
                     gfl_step_hook hook, void *hook_ctx);

#endif
