/* gfl_train: Algorithm 1 (SPEC 3), written once for every path.
 *
 * The stepper is Algorithm 1 itself: it creates an engine on the instance,
 * regenerates each step's batch, picks (eta_t, lam_t), decides whether W
 * moves and takes the step; the arithmetic is the engine's.  Everything that
 * runs Algorithm 1 drives a stepper: gfl_train (the trace, the test-set
 * evaluations and the NaN guard), the lockstep comparison of two paths
 * (proofs_check/gfl_compare.c), the proof chain (through gfl_train) and the
 * gradient features (step 1).
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

/* One run of Algorithm 1 on one engine, step by step. */
typedef struct {
    const gfl_engine_vt *vt;
    const gfl_problem *pb;
    gfl_config cfg;     /* pb->cfg, or a copy at another precision (a self-check) */
    void *eng;
    int t;              /* steps taken */
    /* The next step (gfl_stepper_draw): its number, parameters and batch. */
    int next;
    double eta, lam;
    int lam_inv_eta, update_w;
    double *X, *Y;      /* n x d, n */
} gfl_stepper;

/* An engine of vt for cfg (NULL: pb->cfg) with workspaces for batches of up
 * to n_max samples, loaded with the initialization (a0, W0, b) of pb. */
gfl_status gfl_stepper_init(gfl_stepper *s, const gfl_engine_vt *vt, const gfl_problem *pb,
                            const gfl_config *cfg, int n_max);
/* Parameters and batch of step t + 1 into s (regenerated from the seed). */
void gfl_stepper_draw(gfl_stepper *s);
/* Step t + 1 on the batch and parameters that `batch` drew for it (batch == s
 * for its own; another stepper's to run several engines in lockstep on one
 * batch). */
gfl_status gfl_stepper_step(gfl_stepper *s, const gfl_stepper *batch, gfl_step_info *info);
/* Mean loss and 0-1 error on the test set. */
gfl_status gfl_stepper_evaluate(gfl_stepper *s, double *loss, double *err);
/* 1 when step t is one the test set is evaluated at (every eval_every, and the last). */
int gfl_stepper_eval_due(const gfl_config *cfg, int t);
void gfl_stepper_clear(gfl_stepper *s);

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
