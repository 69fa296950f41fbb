/* gfl_verify: an outside implementation's trajectory held to the reference
 * (SPEC 9, 12; rules, derivation of the bounds and examples in docs/verify.md).
 *
 * Two comparisons of every listed state O_t of the trajectory:
 *   local  -- the reference replays Algorithm 1 from the outside's own state
 *             at the previous listed step (one step when every step is
 *             listed) and O_t must lie within an a-priori, summation-order
 *             independent bound of the outside's rounding at its declared
 *             unit roundoff u; this decides the verdict;
 *   drift  -- the reference trajectory from (a0, W0) and an enclosure of
 *             every trajectory the outside may legitimately produce, which
 *             grows with the steps (the relative differences SPEC 9 reports).
 * A ReLU or hinge decision is *ambiguous* when its argument lies within the
 * bound of its kink; there the outside may take the other branch.  A state
 * outside the bound that assumes the reference's branches but inside the one
 * that allows either branch at ambiguous decisions is an *explained split*;
 * outside both, an unexplained difference: FAIL, with a one-line diagnosis
 * when a known defect fits the difference.
 */
#ifndef GFL_VERIFY_H
#define GFL_VERIFY_H

#include <jansson.h>

#include "gfl_engine.h"
#include "gfl_traj.h"

typedef enum { GFL_VSTEP_OK = 0, GFL_VSTEP_SPLIT, GFL_VSTEP_FAIL } gfl_vstep_status;
typedef enum { GFL_VERIFY_PASS = 0, GFL_VERIFY_FAIL } gfl_verify_verdict;

typedef struct {
    int t;                 /* the listed step */
    int gap;               /* steps replayed from the previous listed state (0 for t = 0) */
    /* local: max over entries of |O - R| / bound (<= 1 is within); loss NaN when absent */
    double local_a, local_W, local_loss;
    double local_wide;     /* the same against the bound that allows either branch at ties */
    double rel_local;      /* max(|O - R|) / max|R| over a and W */
    double tol_local;      /* max bound / max|R| over a and W */
    long relu_ambiguous, hinge_ambiguous; /* decisions within their kink's bound */
    gfl_vstep_status status;
    /* drift: against the reference trajectory from (a0, W0) */
    double rel_a, rel_W, rel_loss; /* normwise max|O - F| / max|F| */
    double tol_a, tol_W;   /* the enclosure, normwise relative */
    int within;            /* every entry inside the enclosure */
} gfl_verify_step;

typedef struct {
    int T, S;
    double u;
    int float32;
    long prec;
    gfl_verify_step *steps;  /* S entries, one per listed step */
    long ambiguous_total;
    int first_split_step;    /* 0: none (-1 never: step 0 cannot split) */
    int first_fail_step;     /* -1: none */
    char first_fail_entry[160]; /* which entry, by how much */
    int drift_within;        /* the drift enclosure held at every listed step */
    double max_local;        /* max of local_a, local_W, local_loss over the steps */
    gfl_verify_verdict verdict;
    char reason[320];        /* why FAIL; "" on PASS */
    char diagnosis[320];     /* a known defect that fits, or "" */
    double seconds;
} gfl_verify_result;

/* Verifies tr against Algorithm 1 on the instance dp, replayed by the
 * engine ref (the MPFR path at the dump's precision).  A FAIL is a result:
 * the status is GFL_OK unless an engine fails or memory runs out. */
gfl_status gfl_verify_run(const gfl_dump *dp, const gfl_traj *tr, const gfl_engine_vt *ref,
                          gfl_verify_result *res);
void gfl_verify_clear(gfl_verify_result *res);
const char *gfl_verify_verdict_name(gfl_verify_verdict v);
const char *gfl_vstep_status_name(gfl_vstep_status s);

/* The report (docs/verify.md): the human table, the JSON document and the
 * figure verify_drift.png (with its .gp) in dir. */
void gfl_verify_print(FILE *f, const gfl_dump *dp, const gfl_traj *tr, const char *traj_dir,
                      const gfl_verify_result *res);
json_t *gfl_verify_json(const gfl_dump *dp, const gfl_traj *tr, const char *traj_dir,
                        const gfl_verify_result *res);
/* Writes dir/verify_drift.png; *png receives its path (capacity len). */
gfl_status gfl_verify_plot(const char *dir, const gfl_verify_result *res, char *png, size_t len);

#endif
