/* gfl_problem: one concrete instance of a case study (SPEC 2, 7, 9).
 *
 * Everything random is generated here, once, as doubles: the case structure
 * (parity subset, rotation), the symmetric initialization, the held-out test
 * set and, on demand, the batch of any step.  Both paths consume these same
 * doubles (MPFR reads a double exactly), so they train on the same instance.
 */
#ifndef GFL_PROBLEM_H
#define GFL_PROBLEM_H

#include "gfl_config.h"
#include "gfl_rng.h"

/* Gaussian mixture sum_j pi_j N(mu_j, s_j^2 I_d) with labels y_j (mog, xor). */
typedef struct {
    int ncomp;
    double *mu;  /* ncomp x d */
    double *s;   /* ncomp */
    double *y;   /* ncomp, +-1 */
    double *pi;  /* ncomp, sums to 1 */
} gfl_mixture;

struct gfl_dataset;

typedef struct {
    gfl_config cfg;
    struct gfl_dataset *data; /* case data (SPEC 11): the split table; NULL otherwise */
    gfl_mixture mix;   /* mog, xor */
    int *A;            /* parity: the k label coordinates, increasing */
    double *U;         /* linear: w* (1 x d); multiindex: u1, u2 (2 x d), orthonormal;
                        * slabs: the rotation R (d x d), row j the image of e_j */
    double *a0, *W0, *b; /* initialization: m, m x d (row i = w_i), m */
    double *Xtest, *Ytest; /* n_test x d, n_test */
} gfl_problem;

gfl_status gfl_problem_init(gfl_problem *pb, const gfl_config *cfg);
void gfl_problem_clear(gfl_problem *pb);

/* Draws n samples from the case's law using stream r (X: n x d, Y: n).
 * Case data: rows drawn uniformly, with replacement, from the feature pool
 * (the law the statistical links sample from, SPEC 11). */
void gfl_problem_sample(const gfl_problem *pb, gfl_rng *r, int n, double *X, double *Y);
/* The training batch of step t (1-based): regenerated from (seed, case, t) alone;
 * with fixed_batch every step gets the batch of step 1. */
void gfl_problem_batch(const gfl_problem *pb, int t, double *X, double *Y);
/* Symmetric initialization (SPEC 2) from stream r into a (m), W (m x d), b (m). */
void gfl_problem_draw_init(const gfl_config *cfg, gfl_rng *r, double *a, double *W, double *b);
/* One draw (w, b) of the first-layer initialization law (SPEC 4). */
void gfl_problem_draw_neuron(const gfl_config *cfg, gfl_rng *r, double *w, double *b);

/* Slabs (SPEC 8): one axis-aligned point z of the law (returns y), and the
 * seeded rotation x = sum_j z_j R_j and its inverse z_j = <R_j, x>. */
double gfl_slabs_point(const gfl_config *c, gfl_rng *r, double *z);
void gfl_slabs_rotate(const gfl_problem *pb, const double *z, double *x);
void gfl_slabs_unrotate(const gfl_problem *pb, const double *x, double *z);

#endif
