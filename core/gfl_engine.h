/* gfl_engine: the one interface both arithmetic paths implement (SPEC 9).
 *
 * As in BLIS, the reference and the fast implementation share one signature
 * table; the training driver, the comparison and the checker talk to the
 * table only.  An engine owns its parameters in its own arithmetic (MPFR or
 * double) and its workspaces, allocated once in create(); everything that
 * crosses the interface is double (exact for MPFR to read; rounded to nearest
 * when the ref path hands values back).
 */
#ifndef GFL_ENGINE_H
#define GFL_ENGINE_H

#include <stdint.h>

#include "gfl_config.h"

typedef struct {
    double batch_loss;  /* L_Z(f^(t-1)) on this step's batch (before the step) */
    double grad_norm_a; /* |g_t| = |grad_a L_Z(f^(t-1)) + lam_t a^(t-1)| (SPEC 6 C5) */
    double norm_a;      /* |a^(t)| after the step */
    double norm_W;      /* |W^(t)|_F after the step */
} gfl_step_info;

typedef struct gfl_engine_vt {
    const char *name; /* "ref" or "fast" */
    /* Workspaces for batches of up to n_max samples; parameters zero. */
    gfl_status (*create)(void **eng, const gfl_config *cfg, int n_max);
    void (*destroy)(void *eng);
    /* Sets (a, W, b) from doubles (W: m x d, row i = w_i). */
    gfl_status (*load)(void *eng, const double *a, const double *W, const double *b);
    /* One step of Algorithm 1 on batch (X, Y) of n samples (SPEC 3):
     *   a <- a - eta (grad_a L_Z + lam a),  W <- W - eta (grad_W L_Z + lam W)
     * with both gradients at the old parameters; W only when update_w.
     * lam_inv_eta: use lam = 1/eta computed in the engine's own precision. */
    gfl_status (*step)(void *eng, const double *X, const double *Y, int n, double eta, double lam,
                       int lam_inv_eta, int update_w, gfl_step_info *info);
    /* L_Z and its gradients at the current parameters, no decay (SPEC 1):
     * ga (m) = dL_Z/da, gW (m x d) = dL_Z/dW, rounded to double. */
    gfl_status (*gradient)(void *eng, const double *X, const double *Y, int n, double *loss,
                           double *ga, double *gW);
    /* Mean loss and 0-1 error (f = 0 counts as an error) of the network on (X, Y). */
    gfl_status (*evaluate)(void *eng, const double *X, const double *Y, int n, double *loss,
                           double *err);
    /* Network outputs f(x_k), rounded to double. */
    gfl_status (*forward)(void *eng, const double *X, int n, double *f);
    /* Current parameters rounded to nearest double. */
    void (*store)(void *eng, double *a, double *W);
    /* Branches taken by the last forward pass over n samples (step, forward or
     * evaluate): relu_on[k m + i] = 1[h_ik > 0], hinge_on[k] = 1[y_k f_k < 1]
     * (the latter only after step(); all zero for the logistic loss). */
    void (*decisions)(void *eng, int n, unsigned char *relu_on, unsigned char *hinge_on);
    /* The current parameters exactly, as unevaluated sums of doubles: entry e
     * of a (m entries) or W (m x d) is sum_{k < parts} P[e parts + k], the
     * parts non-overlapping and in decreasing magnitude.  exact_parts() gives
     * the number of parts that makes the sum exact (1 for a double engine,
     * ceil(prec / 53) + 1 for MPFR at prec bits), so a checker can read the
     * state of a higher-precision engine without rounding it through double
     * (SPEC 6 C1, C5g) while the interface stays double-only. */
    int (*exact_parts)(void *eng);
    void (*store_exact)(void *eng, int parts, double *a, double *W);
    /* Average gradient outer product of the current network over n samples
     * (SPEC 8 feature matrix): M (d x d) = (1/n) sum_k g_k g_k^T with the closed
     * form g_k = grad_x f(x_k) = sum_i a_i 1[<w_i,x_k> > b_i] w_i, accumulated in
     * the engine's arithmetic in batches of bounded memory, rounded to double. */
    gfl_status (*agop)(void *eng, const double *X, int n, double *M);
} gfl_engine_vt;

#endif
