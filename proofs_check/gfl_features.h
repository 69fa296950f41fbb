/* gfl_features: gradient features (SPEC 4) of a case study.
 *
 * - membership of each witness feature (D, s) in S(p, gamma, B_G), estimated
 *   from N_init draws of the initialization law with a Clopper-Pearson
 *   interval: claimed only when the lower end is >= p;
 * - a table of p_hat over a grid of (gamma, B_G);
 * - the search for the best triple of the a-priori form (SPEC 6): a fine grid
 *   of (gamma, B_G) at the configured p, every point's membership claimed at
 *   the Bonferroni-corrected level (docs/features.md, "The best triple");
 * - the learned neurons after step 1: |G_Z|, |G|, |G_Z - G|, best witness
 *   feature and cosine, effective bias beta_i = b_i / |w_i^(1)|. */
#ifndef GFL_FEATURES_H
#define GFL_FEATURES_H

#include "gfl_engine.h"
#include "gfl_oracle.h"
#include "gfl_path.h"
#include "gfl_witness.h"

typedef struct {
    double gamma, B_G, p, level;
    int n_init, n_mc;
} gfl_features_params;

/* Defaults per case and path (documented in docs/features.md). */
void gfl_features_defaults(gfl_features_params *fp, const gfl_config *cfg, const gfl_path *path);
/* One parameter from its option text: gamma, bg (B_G), p, level (finite
 * numbers); n-init, n-mc (integers in [1, 1e8]).  One line, GFL_EINVAL, otherwise. */
gfl_status gfl_features_param_set(gfl_features_params *fp, const char *name, const char *value);

typedef struct {
    long count;        /* draws with G in C(D, gamma), |G| >= B_G, sign b = s */
    double p_hat, p_lo, p_hi;
    int member;        /* p_lo >= p */
    long best_count;   /* the same count at the searched triple (best_pt of the result) */
    double best_p_lo;  /* its Clopper-Pearson lower end at the corrected level */
} gfl_feature_stat;

/* The search for the triple (p, gamma, B_G) at which the a-priori form is
 * smallest.  p stays at the configured value: it does not enter the form (it
 * enters the theorem's requirement on m), so a larger p only makes membership
 * harder.  gamma: GFL_SEARCH_G values log-spaced in [1e-4, 0.99] plus the
 * configured one; B_G: the |G| quantiles k / GFL_SEARCH_B (k < GFL_SEARCH_B,
 * positive, distinct) of the draws plus the configured one.  The point is
 * chosen after seeing the draws, so each (point, feature) claim is made at
 * level_each = 1 - (1 - level) / (points x features) (Bonferroni): with
 * probability >= level every claim over the whole grid is true at once. */
#define GFL_SEARCH_G 20
#define GFL_SEARCH_B 20
typedef struct {
    int ng, nb, nf;          /* grid sizes; ng nb = 0: no search */
    double gamma[GFL_SEARCH_G + 1], B_G[GFL_SEARCH_B + 1]; /* ascending */
    double p, level, level_each;
    int conf_gi, conf_bi;    /* the configured point (-1 when B_G = 0 is not on the grid) */
    long n;                  /* draws */
    long *count;             /* nf x ng x nb: sign(b) = s, |cos| >= 1 - gamma, |G| >= B_G */
    unsigned char *ok;       /* ng x nb: every feature's lower end >= p at level_each */
} gfl_feature_search;

/* acos: n x nf, |cos(G_q, D_f)| when sign(b_q) = s_f, else -1 (in no cone);
 * nG: n, |G_q|.  Builds the grid, the counts and the feasible points.  The
 * configured gamma must be in (0, 1), B_G >= 0, level in (0, 1). */
gfl_status gfl_features_search(const double *acos, const double *nG, long n, int nf,
                               const gfl_features_params *fp, gfl_feature_search *s);
/* The feasible point minimizing 2 gamma + coef / B_G (coef = c_n sqrt(B_x2 log n) / sqrt n):
 * its index gi * nb + bi, or -1 when no point has every feature a member. */
int gfl_features_search_best(const gfl_feature_search *s, double coef);
void gfl_features_search_clear(gfl_feature_search *s);
/* The concentration coefficient c_n sqrt(B_x2 log n) / sqrt n of the a-priori form. */
double gfl_features_conc_coef(double c_n, double Bx2, int n);

typedef struct {
    double norm_GZ, norm_G, G_se, dist_GZ_G; /* |G_Z(w0,b)|, |G(w0,b)| (+- se), |G_Z - G| */
    int best;          /* best witness feature, -1 if w^(1) = 0 */
    double cos;        /* signed cosine of u_i with D_best (|cos| is maximal) */
    double beta;       /* b_i / |w_i^(1)| (inf when w^(1) = 0) */
    double norm_w1;
} gfl_neuron_stat;

#define GFL_GRID_G 5
#define GFL_GRID_B 5

typedef struct {
    gfl_features_params fp;
    gfl_moments mom;
    int nfeat;
    gfl_feature_stat *feat;       /* nfeat */
    double grid_gamma[GFL_GRID_G], grid_BG[GFL_GRID_B];
    double *grid_p;               /* nfeat x GFL_GRID_G x GFL_GRID_B: p_hat */
    double G_norm_median, G_norm_max; /* of |G(w,b)| over the init draws */
    double contrast_G_median;     /* parity_uniform: median |G| of parity on the same draws */
    int m;
    gfl_neuron_stat *neuron;      /* m */
    double *G_pairs;              /* m/2 x d: population G(w_i^(0), b_i) of each mirror pair */
    double frac_pairs_aligned;    /* mirror pairs whose w^(1) is in C(D_j, gamma) for some j */
    gfl_feature_search search;    /* the best-triple search over the init draws */
    int best_pt;                  /* its best point at c_n = 1 and the case's n (-1: none) */
    double seconds;
} gfl_features_result;

gfl_status gfl_features_run(const gfl_problem *pb, const gfl_witness *wit, const gfl_engine_vt *eng,
                            const gfl_oracle_vt *orc, const gfl_features_params *fp,
                            gfl_features_result *res);
void gfl_features_clear(gfl_features_result *res);

/* |cos| >= 1 - gamma: the two-sided cone of SPEC 4. */
int gfl_in_cone(const double *v, const double *D, int d, double gamma, double *cos_out);

#endif
