/* gfl_features: gradient features (SPEC 4) of a case study.
 *
 * - membership of each witness feature (D, s) in S(p, gamma, B_G), estimated
 *   from N_init draws of the initialization law with a Clopper-Pearson
 *   interval: claimed only when the lower end is >= p;
 * - a table of p_hat over a grid of (gamma, B_G);
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
} gfl_feature_stat;

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
    double seconds;
} gfl_features_result;

gfl_status gfl_features_run(const gfl_problem *pb, const gfl_witness *wit, const gfl_engine_vt *eng,
                            const gfl_oracle_vt *orc, const gfl_features_params *fp,
                            gfl_features_result *res);
void gfl_features_clear(gfl_features_result *res);

/* |cos| >= 1 - gamma: the two-sided cone of SPEC 4. */
int gfl_in_cone(const double *v, const double *D, int d, double gamma, double *cos_out);

#endif
