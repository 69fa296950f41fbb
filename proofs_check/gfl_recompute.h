/* gfl_recompute: the exact links that re-derive a step of Algorithm 1 (SPEC 6
 * C1, C5g) independently of the engine that ran it.
 *
 * The state comes in exactly, as the unevaluated sums of doubles that
 * store_exact() gives (parts per entry), so a higher-precision engine is never
 * judged through its values rounded to double.  Everything is recomputed in
 * MPFR at P = max(prec, 53) + 64 bits from the state, the batch and the
 * config alone -- no engine, no oracle -- and the engine's result is held to
 * the path's a-priori rounding bound (unit roundoff u = 2^-53 fast,
 * 2^-prec ref).  The functions take the state as arguments so that a test can
 * perturb it and watch the link fail. */
#ifndef GFL_RECOMPUTE_H
#define GFL_RECOMPUTE_H

#include "gfl_cert.h"

/* C1: the first-step identity on every entry of (W^(1), a^(1)). */
typedef struct {
    int entries;     /* m (d + 1) */
    int bad;         /* entries whose residual exceeds its tolerance */
    int nonfinite;   /* entries with a NaN or infinite side */
    int ambiguous;   /* ReLU decisions h_ik within the path's rounding of 0 */
    double max_ratio; /* max residual / tolerance */
    double max_rel;   /* max residual / max |right side| */
    int worst;        /* entry of max_ratio: e < m d is W[e], else a[e - m d] */
    double worst_tol; /* its tolerance */
} gfl_c1_check;

/* (X, Y): the first batch (n samples); (a0, W0, b): the initialization;
 * (a1, W1): the state after step 1, `parts` doubles per entry.  at_prec: the
 * run computed at cfg->prec bits (gfl_path.at_prec; tolerance 2^(8-prec)
 * times the sum of the absolute values of the terms forming the residual),
 * else in double (the a-priori bound 2 gamma_{n+d+8} scale + 8u |init|). */
gfl_status gfl_recompute_c1(const gfl_config *cfg, int at_prec, int n, const double *X, const double *Y,
                            const double *a0, const double *W0, const double *b, int parts, const double *a1,
                            const double *W1, gfl_c1_check *out);

/* C5g: the a-update of one step t >= 2 is a subgradient step.  Accumulates
 * over the sampled steps (zero it once). */
typedef struct {
    int steps;        /* steps checked */
    int bad_norm;     /* steps where | |g_t| - |g_t^re| | exceeds its bound */
    int bad_update;   /* entries where a^(t) - (a^(t-1) - eta g_t^re) exceeds its bound */
    int nonfinite;    /* steps with a NaN or infinite value */
    long amb_relu;    /* ReLU decisions within rounding of the kink */
    long amb_hinge;   /* hinge decisions within rounding of the kink */
    double max_norm_ratio, max_update_ratio; /* residual / bound, largest */
    int worst_t;      /* step of the largest ratio */
} gfl_c5g_check;

/* One step t: batch (X, Y) of n samples, biases b, the exact state before
 * (a_prev, W_prev) and a_next after the step, `parts` doubles per entry; eta
 * and lam the step's parameters (doubles, as the engine read them);
 * grad_norm the engine's |g_t| from the trace. */
gfl_status gfl_recompute_c5g(const gfl_config *cfg, int at_prec, int t, int n, const double *X, const double *Y,
                             const double *b, int parts, const double *a_prev, const double *W_prev,
                             const double *a_next, double eta, double lam, double grad_norm, gfl_c5g_check *acc);

#endif
