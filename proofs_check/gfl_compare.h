/* gfl_compare: the differential checker -- the two paths in lockstep on one
 * instance (SPEC 9; rules, bounds and verdicts in docs/compare.md).
 *
 * After every step both engines hand back their parameters (as doubles) and
 * the branches they took (decisions()).  The comparison records per step the
 * normwise relative differences of a, W and the batch loss, the number of
 * *ambiguous* decisions (ReLU |h_ik| or hinge |1 - y_k f(x_k)| within the fast
 * path's a-priori bound plus the effect of the parameter difference the two
 * paths already carry), and classifies every decision the paths take
 * differently: *explained* when it was ambiguous, *unexplained* (a bug)
 * otherwise.  Optionally the ref path runs a third time at prec + 64 bits as a
 * self-check of the reference.
 */
#ifndef GFL_COMPARE_H
#define GFL_COMPARE_H

#include <stddef.h>

#include "gfl_path.h"
#include "gfl_problem.h"

#define GFL_COMPARE_TOL 1e-10        /* SPEC 9: trajectory tolerance before any branch split */
#define GFL_COMPARE_CHECK_EXTRA 64   /* the self-check runs the ref path at prec + 64 bits */
#define GFL_COMPARE_CHECK_SLACK 20   /* and trusts it when they agree to prec - 20 bits */

typedef struct {
    int t;
    double rel_a, rel_W, rel_loss;  /* normwise: max|r - f| / max|r| (a, W after the step) */
    long relu_split;       /* ReLU decisions 1[h_ik > 0] that differ between the paths */
    long hinge_split;      /* hinge decisions 1[y f < 1] that differ */
    long relu_ambiguous;   /* ReLU decisions within their threshold */
    long hinge_ambiguous;  /* hinge decisions within their threshold */
    long unexplained;      /* differing decisions outside their threshold (bugs) */
    double selfcheck_bits; /* ref at prec vs prec + 64 after the step; NaN when not run */
    int evaluated;
    double rel_test_loss;
} gfl_compare_step;

typedef enum { GFL_COMPARE_PASS = 0, GFL_COMPARE_FAIL } gfl_compare_verdict;

typedef struct {
    int selfcheck; /* run the reference again at prec + 64 (needs ref->agreement_bits) */
    double tol;    /* max_rel_diff allowed before the first split */
} gfl_compare_opts;

typedef struct {
    int T;
    long prec;
    gfl_compare_step *steps;   /* index t = 1..T (0 unused) */
    int first_split_step;      /* 0: the paths never took different branches */
    long first_split_decisions;   /* differing decisions at that step */
    long first_split_unexplained; /* of which outside their threshold */
    int explained;             /* (only with a split) every differing decision there was ambiguous */
    int first_unexplained_step;/* 0: none at any step */
    long ambiguous_total, unexplained_total; /* over all steps */
    long ambiguous_before_split; /* over the steps before the first split */
    double max_rel_a, max_rel_W, max_rel_loss; /* before the first split (NaN-propagating) */
    double max_rel_diff;       /* max of the three */
    double tol;
    int selfcheck_run;         /* the prec + 64 run was made */
    long prec_check;           /* its precision */
    double selfcheck_bits;     /* min over steps of the bits of agreement */
    int trusted;               /* selfcheck_bits >= prec - 20 (1 when not run) */
    const char *name[2];       /* the two paths' names: [0] the reference, [1] the path under test */
    gfl_compare_verdict verdict;
    char reason[320];          /* why FAIL (every reason, '; '-separated); "" on PASS */
    double test_loss[2], test_error[2]; /* final, [0] = the reference, [1] = the path under test */
    double seconds[2];         /* training and evaluation time of each */
    double seconds_check;      /* the self-check's ref run and the bounds */
} gfl_compare_result;

/* Normwise relative difference max_i |r_i - f_i| / max_i |r_i| (absolute when r == 0). */
double gfl_compare_rel(const double *r, const double *f, size_t len);

/* selfcheck on, tol GFL_COMPARE_TOL. */
void gfl_compare_opts_default(gfl_compare_opts *o);

/* Both paths (and the self-check) on pb, step by step; fills res (call
 * gfl_compare_clear).  A FAIL verdict is a result, not an error: the status is
 * GFL_OK unless an engine fails or memory runs out. */
gfl_status gfl_compare_run_opts(const gfl_problem *pb, const gfl_path *ref, const gfl_path *test,
                                const gfl_compare_opts *opts, gfl_compare_result *res);
/* The same with the default options. */
gfl_status gfl_compare_run(const gfl_problem *pb, const gfl_path *ref, const gfl_path *test,
                           gfl_compare_result *res);
void gfl_compare_clear(gfl_compare_result *res);

const char *gfl_compare_verdict_name(gfl_compare_verdict v);

#endif
