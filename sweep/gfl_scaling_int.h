/* gfl scaling, inside: the quantities read from each check run, the fits
 * of one case, and what explains them (sweep/gfl_scaling*.c). */
#ifndef GFL_SCALING_INT_H
#define GFL_SCALING_INT_H

#include <stddef.h>
#include <stdio.h>

struct json_t;

/* The tabulated quantities first (their slopes are in the report's table),
 * then the parts that only explain a form: the theorem-form chain is
 * lstar + approx + drift + reg + regret (SPEC 6), the a-priori form
 * OPT_hat + r B_a1 B_x1 sqrt(2 gamma + conc) + eps, split into its cone width
 * r B_a1 B_x1 sqrt(2 gamma) and concentration r B_a1 B_x1 sqrt(conc) parts
 * (each at most the square root it comes from). */
enum {
    SC_MINLD, SC_TIGHT, SC_CHAIN, SC_CHAIN_U, SC_APPROX, SC_DRIFT, SC_REGRET, SC_AP, SC_AP_CONF, SC_CONC,
    SC_NTAB,
    SC_LSTAR = SC_NTAB, SC_REG, SC_OPT, SC_CONE, SC_CONCP, SC_EPS,
    SC_CHAIN_P, /* comparator.chosen_bound: the chosen comparator's bound as predicted from pass 1, like uniform_bound */
    SC_NQ
};
enum { SC_NAX = 3 };

extern const char *const gfl_scaling_qname[SC_NQ]; /* the table's names */
extern const char *const gfl_scaling_term[SC_NQ];  /* the names the explanations use */
extern const char *const gfl_scaling_axname[SC_NAX];

typedef struct {
    long seed;
    double x[SC_NAX]; /* m, n, T */
    double y[SC_NQ];
    int cmp;          /* comparator: 0 not in the result (older gfl check), 1 uniform, 2 optimized */
    double K, support;
    int ap;           /* a-priori triple: 0 not in the result (parts from the link's note, or none),
                       * 1 the configured one, 2 optimized over a grid */
    double gamma, BG, p, cgamma, cBG, rbb, grid_points;
} gfl_scaling_point;

/* One case's fits: distinct values per axis, slopes and their bootstrap intervals. */
typedef struct {
    int nv[SC_NAX], vary[SC_NAX];
    const double *vals[SC_NAX];
    double beta[SC_NQ][1 + SC_NAX], lo[SC_NQ][SC_NAX], hi[SC_NQ][SC_NAX];
    double pred[SC_NQ][SC_NAX]; /* the predicted exponent (NAN: none) */
} gfl_scaling_fit;

/* Fills pt from one case object of check's JSON: the "comparator" and
 * "apriori" objects when present, else the a-priori link's note (older
 * results; docs/sweeps.md).  Returns 0 when m, n or T is missing. */
int gfl_scaling_read(const struct json_t *c, gfl_scaling_point *pt);

/* The median over the runs at grid point x of the double at byte offset off
 * of the point (NAN when none is finite). */
double gfl_scaling_median(const gfl_scaling_point *p, int n, const double x[SC_NAX], size_t off);
#define GFL_SC_Y(q) (offsetof(gfl_scaling_point, y) + (size_t)(q) * sizeof(double))

/* 1 when a slope does not show a decrease: its interval contains 0, or it
 * is above -0.05 (GFL_SCALING_FLAT). */
#define GFL_SCALING_FLAT (-0.05)
int gfl_scaling_flat(double slope, double lo, double hi);
/* A number in a markdown cell: "-" for NAN, else 3 significant digits. */
void gfl_scaling_num(FILE *md, double v);

/* "What was optimized": the comparator and the a-priori triple per grid
 * point, chosen beside uniform / configured. */
void gfl_scaling_optimized(FILE *md, const gfl_scaling_point *p, int n, const gfl_scaling_fit *f);
/* "Why a form plateaus": per form and axis with a flat slope, the form's
 * dominant part at the largest size, its value and its own slope. */
int gfl_scaling_plateaus(FILE *md, const gfl_scaling_point *p, int n, const gfl_scaling_fit *f);

#endif
