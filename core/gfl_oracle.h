/* gfl_oracle: population quantities of a case study (SPEC 4, 7), the part
 * that is law rather than arithmetic.
 *
 * Which oracle is exact is a property of the case: closed form (Gaussian
 * mixtures: G; moments), exact enumeration of {+-1}^d with dyadic weights
 * (parity: G, moments, population loss), Monte Carlo with a stated standard
 * error (everything else).  The arithmetic of each oracle is written once per
 * path (ref/gfl_ref_oracle.c, fast/gfl_fast_oracle.c) behind gfl_oracle_vt. */
#ifndef GFL_ORACLE_H
#define GFL_ORACLE_H

#include <stdint.h>

#include "gfl_problem.h"

typedef enum {
    GFL_ORACLE_CLOSED_FORM = 0,
    GFL_ORACLE_ENUMERATION,
    GFL_ORACLE_MONTE_CARLO,
    GFL_ORACLE_BOUND /* a valid upper bound, used where the value is not needed exactly */
} gfl_oracle_kind;

typedef enum { GFL_Q_G = 0, GFL_Q_BX1, GFL_Q_BX2, GFL_Q_LOSS, GFL_NQ } gfl_quantity;

const char *gfl_oracle_kind_name(gfl_oracle_kind k);
const char *gfl_quantity_name(gfl_quantity q);
gfl_oracle_kind gfl_oracle_kind_of(gfl_case_id c, gfl_quantity q);

/* Enumeration (parity, parity_uniform): the largest d it is allowed for. */
#define GFL_ENUM_MAX_D 24
/* Point `idx` of {+-1}^d: x_j = -1 where bit j of idx is set. */
void gfl_parity_point(int d, uint64_t idx, double *x);
/* P(x) = c(x) / 2^(d+2) exactly, with the integer c(x) returned here
 * (structured: 2 + 2^k [x_A constant]; uniform: 4) [derived, SPEC 7];
 * valid at p_struct = 1/2 only (otherwise use gfl_parity_weight_parts). */
uint64_t gfl_parity_weight(const gfl_problem *pb, uint64_t idx);
/* The two components of the parity law (SPEC 8 mixture, --p-struct):
 * P(x) = ((1 - p) cu(x) + p cs(x)) / 2^(d+2) with cu = 4 (uniform) and
 * cs = 2^(k+1) [x_A constant] (structured), p = gfl_parity_p_struct (0 for
 * parity_uniform).  At p = 1/2, c(x) above is (cu + cs) / 2. */
void gfl_parity_weight_parts(const gfl_problem *pb, uint64_t idx, uint64_t *cu, uint64_t *cs);
double gfl_parity_p_struct(const gfl_problem *pb);
/* Slabs: E|x|^2 = E|z|^2 (the rotation keeps norms) [derived from the law]. */
double gfl_slabs_Bx2(const gfl_config *c);
/* The label y(x) = prod_{j in A} x_j of point idx. */
double gfl_parity_label(const gfl_problem *pb, uint64_t idx);

/* A Monte Carlo sample of the case's law from stream (seed, MC, case, tag). */
typedef struct {
    int N;
    double *X, *Y; /* N x d, N */
} gfl_sample;

/* Case data (SPEC 11): not a draw but a copy of one part of the split, by tag:
 * GFL_TAG_FIT the training pool, GFL_TAG_EVAL and GFL_TAG_POP the held-out
 * part, any other the feature pool; N is then ignored. */
gfl_status gfl_sample_draw(gfl_sample *s, const gfl_problem *pb, int N, uint64_t tag);
enum { GFL_TAG_FEATURES = 0, GFL_TAG_POP = 11, GFL_TAG_FIT = 21, GFL_TAG_EVAL = 22 };
void gfl_sample_clear(gfl_sample *s);

typedef struct {
    double Bx1;             /* E|x| where exact, else the bound sqrt(B_x2) (kind_Bx1) */
    double Bx1_mc, Bx1_se;  /* Monte Carlo estimate of E|x| and its standard error */
    double Bx2, Bx2_se;     /* E|x|^2 (se 0 when exact) */
    gfl_oracle_kind kind_Bx1, kind_Bx2;
} gfl_moments;

/* The per-path oracle arithmetic. */
typedef struct gfl_oracle_vt {
    const char *name;
    /* Population G(w_q, b_q) = E[y x 1[<w_q,x> > b_q]] for K neurons (w: K x d)
     * into G (K x d); se[q] is the standard error of the estimate in Euclidean
     * norm (0 for an exact oracle).  mc is used only for Monte Carlo cases. */
    gfl_status (*G)(const gfl_problem *pb, const gfl_sample *mc, int K, const double *w,
                    const double *b, double *G, double *se);
    /* Empirical G_Z(w_q, b_q) = (1/n) sum_k y_k x_k 1[<w_q,x_k> > b_q] (SPEC 4) and,
     * when A != NULL, A_q = (1/n) sum_k y_k sigma(<w_q,x_k> - b_q) (the a-part of
     * the first-step identity, SPEC 3). */
    gfl_status (*G_emp)(const gfl_problem *pb, const double *X, const double *Y, int n, int K,
                        const double *w, const double *b, double *G, double *A);
    /* B_x1 = E|x| and B_x2 = E|x|^2 (SPEC 4); mc for the Monte Carlo estimates. */
    gfl_status (*moments)(const gfl_problem *pb, const gfl_sample *mc, gfl_moments *out);
} gfl_oracle_vt;

#endif
