/* gfl_chain: the theorem's explicit proof chain (SPEC 6) on an actual run.
 *
 * Exact links (C1, C4, C5, C5g, C6, chain, tight) are inequalities with no hidden
 * constant that hold for every sample; they are judged with gfl_cert_le on
 * enclosures.  Statistical links (C2, C3, population, apriori) state their
 * level.  The comparator atilde of C4-C6 puts convex weights on learned
 * neurons per witness neuron: uniform over the K best (K from a grid) or
 * optimized, whichever minimizes the theorem-form chain bound; the training
 * is run twice (the same run, bit for bit): once to measure what choosing
 * the comparator needs, once to evaluate it at every step. */
#ifndef GFL_CHAIN_H
#define GFL_CHAIN_H

#include "gfl_cert.h"
#include "gfl_engine.h"
#include "gfl_features.h"
#include "gfl_opt.h"
#include "gfl_path.h"

/* Deliberate defects, for the tests that prove each exact link can FAIL. */
typedef enum {
    GFL_CHAIN_FAULT_NONE = 0,
    GFL_CHAIN_FAULT_DECAY,   /* train with lam1 = 0.9/eta1: breaks the first-step identity (C1) */
    GFL_CHAIN_FAULT_REGRET,  /* regret bound without the |a^(1) - atilde|^2 / (2 eta) term (C5) */
    GFL_CHAIN_FAULT_WITNESS, /* approx term computed for a perturbed witness, a* times 0.01 (C4) */
    GFL_CHAIN_FAULT_DRIFT    /* drift term dropped (C6) */
} gfl_chain_fault;

typedef struct {
    double delta0;   /* C2: Chebyshev tail level */
    double level;    /* confidence level of the statistical links */
    double c_n;      /* a-priori form constant */
    double eps;      /* a-priori form target */
    int n_pop;       /* Monte Carlo size of the population evaluations */
    gfl_chain_fault fault;
} gfl_chain_params;

void gfl_chain_defaults(gfl_chain_params *cp);

typedef struct {
    char id[16];
    gfl_verdict verdict;
    double lhs, rhs, slack;
    double level;    /* NaN for exact links */
    char note[240];
} gfl_link;

enum { GFL_L_C1, GFL_L_C2, GFL_L_C3, GFL_L_C4, GFL_L_C5, GFL_L_C5G, GFL_L_C6, GFL_L_CHAIN, GFL_L_TIGHT,
       GFL_L_POP, GFL_L_APRIORI, GFL_NLINKS };

/* The a-priori form at the triple it was evaluated at (SPEC 6): the smaller
 * of the configured triple's value and the searched best triple's
 * (gfl_features_search); NaN where not available. */
typedef struct {
    double p, gamma, B_G, conc, rbb, opt_hat, eps, bound;
    int optimized;        /* the chosen triple is the searched one */
    int grid_points;      /* points searched (0: no search) */
    int searched_found;   /* some point has every witness feature a member at level_each */
    double level_each;    /* the Bonferroni-corrected level of each point's claims */
    double configured_gamma, configured_B_G, configured_bound;
} gfl_apriori_parts;

typedef struct {
    gfl_link link[GFL_NLINKS];
    /* chain terms, averaged over t = 2..T */
    double lstar;    /* (1/T') sum_t L_Z(f*) */
    double approx, drift, reg, regret, stat;
    const char *stat_kind; /* how stat was bounded (population step); NULL when not applicable */
    double comp;     /* (1/T') sum_t L_Z(f_{atilde, W^(t-1)}) (tight chain) */
    double chain_bound, tight_bound, pop_bound, apriori_bound;
    const char *loosest;  /* the largest term of the theorem-form chain */
    const char *apriori_dominant;
    gfl_apriori_parts apriori;
    int K;                /* learned neurons per witness neuron (theorem-form chain); 0: optimized weights */
    int tight_K;          /* the tight chain's comparator: K, 0 for a^(T), -1 for the optimized weights */
    /* the theorem-form chain's comparator (docs/proofs.md C4): bounds
     * predicted from the first pass, NaN where there is none */
    struct {
        int optimized;    /* 1: optimized weights; 0: uniform over K neurons */
        int K;            /* the uniform comparator's K, or 0 */
        int neurons;      /* neurons the optimized weights could use */
        int support;      /* neurons with atilde_i != 0 */
        double uniform_bound, optimized_bound, chosen_bound;
        double qp_gap;    /* duality gap of the optimized weights, in bound units */
    } cmp;
    double atilde_norm;
    double min_batch_loss; /* lhs of the chain: min_{t>=2} L_{Z^(t-1)}(f^(t-1)) */
    gfl_pop_value pop_best; /* population loss of the best evaluated network */
    int pop_best_t;
    double pop_final_err;
    /* curves for the figures: test loss at evaluated steps */
    int neval;
    int *eval_t;
    double *eval_test_loss;
    double seconds;
} gfl_chain_result;

/* The population oracle is reached through gfl_population_loss and C1
 * recomputes G_Z in MPFR, so the chain needs no oracle table of its own. */
gfl_status gfl_chain_run(const gfl_problem *pb, const gfl_path *path, const gfl_witness *wit,
                         const gfl_features_result *feat, const gfl_opt_result *opt,
                         const gfl_chain_params *cp, gfl_chain_result *res);
void gfl_chain_clear(gfl_chain_result *res);

/* SPEC 6: a link whose lhs, rhs or slack is infinite, or whose slack is NaN,
 * is demoted from PASS to UNCERTIFIED and from CONSISTENT to INCONCLUSIVE. */
void gfl_chain_guard(gfl_link *l);

/* C6's drift term on one sample (SPEC 6 C6):
 * L_l sum_i |atilde_i| |w_i - w1_i| xbar, rounded up; W and W1 are m x d. */
double gfl_chain_drift(gfl_loss loss, int m, int d, const double *atilde, const double *W, const double *W1,
                       double xbar);

#endif
