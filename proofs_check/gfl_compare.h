/* gfl_compare: the two paths run in lockstep on one instance (SPEC 9).
 * After every step both engines hand back their parameters (as doubles) and
 * the branches they took; the comparison records per-step normwise relative
 * differences and the first step where the branches differ. */
#ifndef GFL_COMPARE_H
#define GFL_COMPARE_H

#include "gfl_engine.h"
#include "gfl_problem.h"

typedef struct {
    int t;
    double rel_a, rel_W, rel_loss; /* normwise: max|r - f| / max|r| */
    long relu_split;  /* ReLU decisions 1[h_ik > 0] that differ between the paths */
    long hinge_split; /* hinge decisions 1[y f < 1] that differ */
    int evaluated;
    double rel_test_loss;
} gfl_compare_step;

typedef struct {
    int T;
    gfl_compare_step *steps;   /* index t = 1..T (0 unused) */
    int first_split_step;      /* 0: the paths never took different branches */
    double max_rel_a, max_rel_W, max_rel_loss; /* over steps before the first split */
    double max_rel_diff;       /* max of the three */
    double test_loss[2], test_error[2]; /* final, [0] = ref, [1] = fast */
    double seconds[2];
} gfl_compare_result;

/* Normwise relative difference max_i |r_i - f_i| / max_i |r_i| (absolute when r == 0). */
double gfl_compare_rel(const double *r, const double *f, size_t len);

gfl_status gfl_compare_run(const gfl_problem *pb, const gfl_engine_vt *ref, const gfl_engine_vt *fast,
                           gfl_compare_result *res);
void gfl_compare_clear(gfl_compare_result *res);

#endif
