/* The proof chain's parts (gfl_chain.h), shared by its three files:
 *   gfl_chain.c              the driver: context, the two training passes, the hook
 *   gfl_chain_comparators.c  per-batch work: the witness, the candidate comparators
 *                            atilde (uniform K and optimized weights), C4 and C6 on
 *                            each batch, C5g's steps
 *   gfl_chain_links.c        the links' verdicts and notes (C1..C6, chain, tight,
 *                            population, apriori)
 * Not part of the library's interface. */
#ifndef GFL_CHAIN_PARTS_H
#define GFL_CHAIN_PARTS_H

#include <math.h>

#include "gfl_bounds.h"
#include "gfl_chain.h"
#include "gfl_recompute.h"
#include "gfl_tags.h"
#include "gfl_train.h"

/* Rounding allowances of the enclosures (SPEC 6, 9).  With u = 2^-53 the unit
 * roundoff of double (GFL_U_DOUBLE; Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., eq. (2.5)), a quantity computed in double
 * with k roundings is within a factor (1 + u)^k <= 1 + 2 k u of its exact
 * value for k u < 1/2 (ibid., Lemma 3.1). */
#define GFL_CHAIN_2U 0x1p-52           /* 2u: a factor (1 + k 2u) covers k roundings */
/* Relative allowance on the right side of a certified comparison whose sides
 * are sums of two or three doubles (a few u, far below 2^-50). */
#define GFL_CHAIN_SLACK_SUM 0x1p-50
/* Relative allowance on a bound that is a product of a few rounded terms and
 * the rounded-up Lipschitz constant (a few u, far below 2^-40). */
#define GFL_CHAIN_SLACK_FINAL 0x1p-40

/* Candidates for K (learned neurons per witness neuron), roughly geometric
 * (ratios 4/3 and 3/2) from 1 to 2048; with the optimized weights and the
 * trained a^(T) as two more comparators, at most GFL_CHAIN_MAX_CAND
 * comparators are evaluated. */
#define GFL_CHAIN_K_GRID {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048}
#define GFL_CHAIN_MAX_CAND 32
/* cand_K of the two comparators that are not a uniform K */
#define GFL_CHAIN_CAND_AT 0
#define GFL_CHAIN_CAND_OPT (-1)

/* The planted defects (gfl_chain_fault): lam1 = 0.9/eta1 instead of 1/eta1
 * breaks the first-step identity (C1); a* scaled by 0.01 in C4's evaluation of
 * the approximation term perturbs the witness (C4; the comparator is chosen on
 * the true term). */
#define GFL_CHAIN_FAULT_DECAY_LAM1 0.9
#define GFL_CHAIN_FAULT_WITNESS_SCALE 0.01

/* Step 1's state (kept in pass 1, checked again in pass 2). */
typedef struct {
    double *a, *W;         /* a^(1), W^(1) rounded to double */
    double *nw, *U, *beta; /* |w_i^(1)|, u_i = w_i^(1)/|w_i^(1)|, beta_i = b_i/|w_i^(1)| */
    double *ax, *Wx;       /* the same exactly (store_exact, parts doubles per entry), for C1 */
} chain_step1;

/* C5g: the sampled steps and the exact state around the current one. */
typedef struct {
    unsigned char *at;     /* index t: step t is recomputed */
    double *aprev, *Wprev, *anext, *Wnext;
    gfl_c5g_check check;
} chain_c5g;

/* Pass 1's sums over t = 2..T (network W^(t-1), batch Z^(t-1)): what choosing K needs. */
typedef struct {
    double *Dsum, *Esum;   /* sum_t |w_i^(t-1) - w_i^(1)| xbar_t, and without xbar */
    double xbar_sum, lstar_sum;
} chain_pass1;

/* One term of a C4 comparator (SPEC 6 C4, docs/proofs.md): learned neuron i
 * carries weight w of witness neuron j, so atilde_i gets a*_j w / |w_i^(1)|.
 * For each j the weights over its entries are convex (>= 0, summing to 1);
 * the uniform-K comparator has K entries of weight 1/K per j. */
typedef struct {
    int i, j;
    double w;
} chain_entry;

/* The comparators: the chosen atilde (its entries ent[0 .. nent - 1]; K its
 * uniform K, or 0 for the optimized weights) and, for the tight chain, every
 * C4 comparator of the K grid, the optimized weights and the trained output
 * weights a^(T) (cand_a is ncand x m; cand_chain is the chosen one;
 * cand_bound their predicted theorem-form bounds, NaN for a^(T)). */
typedef struct {
    int K;
    int nent;
    chain_entry *ent;
    double *atilde;
    int ncand, cand_chain;
    int cand_K[GFL_CHAIN_MAX_CAND];
    double cand_bound[GFL_CHAIN_MAX_CAND];
    double *cand_a, *cand_sum, *cand_err, *cand_pert;
    /* the optimization (gfl_chain_choose_K) */
    int opt_ok;            /* the optimized comparator exists (every witness neuron got a neuron) */
    int opt_neurons;       /* neurons it may use (eligible ones, each assigned to one witness neuron) */
    int support;           /* neurons with atilde_i != 0 in the chosen comparator */
    double uniform_bound, optimized_bound, chosen_bound; /* predicted from pass 1 */
    double qp_gap;         /* duality gap of the optimized weights (bound units) */
} chain_comparators;

/* Pass 2's per-batch tallies of C4 and C6 and the radii C5 needs. */
typedef struct {
    double lstar_err, approx_sum, drift_sum;
    double c4_worst, c6_worst;  /* smallest certified slack */
    int c4_fail, c6_fail, c4_unc, c6_unc, c4_worst_t, c6_worst_t;
    double *batch_err;     /* radius of the batch loss of step t (index t) */
    double *gscale;        /* bound on the a-gradient's rounding (index t) */
} chain_pass2;

/* Everything the two passes share. */
typedef struct {
    const gfl_problem *pb;
    const gfl_engine_vt *vt;
    const gfl_witness *wit;
    const gfl_chain_params *cp;
    int m, d, n, T, h, pass;
    int at_prec;           /* the path computes at cfg->prec bits, values reach us rounded to double */
    double u;              /* unit roundoff of the path */
    int parts;             /* doubles per entry of the engine's exact state */
    const gfl_run *run;
    double xmax;           /* largest |x| over the batches seen */
    chain_step1 s1;
    chain_c5g g;
    chain_pass1 p1;
    chain_comparators cmp;
    chain_pass2 p2;
    int best_t;            /* the best evaluated network (population step) */
    double *best_a, *best_W;
    /* engines and buffers */
    void *eng_wit, *eng_comp, *eng_comp1;
    int wit_m;
    double *wit_a, *wit_W, *wit_b;
    double *X, *Y, *a_cur, *W_cur;
} ctx_t;

static inline double vnorm(const double *v, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

static inline double dist(const double *u, const double *v, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++)
        s += (u[i] - v[i]) * (u[i] - v[i]);
    return sqrt(s);
}

static inline double sqdist(const double *u, const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (u[i] - v[i]) * (u[i] - v[i]);
    return s;
}

/* gfl_chain_comparators.c */
double gfl_chain_batch_xbar(const ctx_t *c, double *xmax);
double gfl_chain_loss_err(const ctx_t *c, int m, const double *a, const double *W, const double *b, double L);
double gfl_chain_approx_scale(const ctx_t *c);
double gfl_chain_approx_term(const ctx_t *c, const chain_entry *E, int ne, double xbar);
double gfl_chain_predict_bound(const ctx_t *c, const double *atilde, const chain_entry *E, int ne, double G2);
int gfl_chain_simplex_qp(int n, const double *q, const double *l, double *p, double *nu, double *gap);
gfl_status gfl_chain_c5g_step(ctx_t *c, int t, void *eng, const gfl_engine_vt *vt);
void gfl_chain_measure(ctx_t *c, double xbar, double lw);
gfl_status gfl_chain_compare_batch(ctx_t *c, int s, double xbar, double lw);
gfl_status gfl_chain_choose(ctx_t *c, double G2, const double *aT);
gfl_status gfl_chain_choose_K(ctx_t *c, const gfl_run *run);

/* gfl_chain_links.c */
void gfl_chain_set_link(gfl_link *l, const char *id, gfl_verdict v, double lhs, double rhs, double slack,
                        double level);
void gfl_chain_set_note(gfl_link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
gfl_status gfl_chain_link_c1(ctx_t *c, gfl_link *l);
void gfl_chain_link_c2(const ctx_t *c, const gfl_features_result *feat, gfl_link *l);
void gfl_chain_link_c3(const ctx_t *c, const gfl_features_result *feat, gfl_link *l);
void gfl_chain_link_c4_c6(const ctx_t *c, gfl_chain_result *res);
void gfl_chain_link_c5g(const ctx_t *c, gfl_link *l);
void gfl_chain_link_regret(const ctx_t *c, const gfl_run *run, gfl_chain_result *res);
gfl_status gfl_chain_links_population(ctx_t *c, const gfl_features_result *feat, const gfl_opt_result *opt,
                                      const gfl_run *run, gfl_chain_result *res);

#endif
