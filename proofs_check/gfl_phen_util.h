/* gfl_phen_util: helpers shared by the phenomena experiments (gfl_phen*.c). */
#ifndef GFL_PHEN_UTIL_H
#define GFL_PHEN_UTIL_H

#include <stdarg.h>
#include <stdio.h>

#include "gfl_phen.h"
#include "gfl_plot.h"

typedef struct {
    FILE *f; /* writes into the result's md */
} gfl_phen_md;

void gfl_phen_log(const gfl_phen_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
gfl_status gfl_phen_md_open(gfl_phen_md *w, gfl_phen_result *r);
void gfl_phen_md_close(gfl_phen_md *w);
void gfl_phen_ci_text(char *buf, size_t len, const gfl_phen_ci *c);
/* A line plot into o->figdir (nothing without a figure directory). */
gfl_status gfl_phen_figure(const gfl_phen_opts *o, const char *name, const gfl_plot_opts *po,
                           const gfl_plot_series *s, int ns);
/* Defaults of case c with the given sizes; one final test evaluation. */
gfl_config gfl_phen_config(gfl_case_id c, int d, int m, int n, int T, uint64_t seed);
/* Final test errors of cfg at seeds seed0 .. seed0 + nseeds - 1. */
gfl_status gfl_phen_errors(const gfl_phen_opts *o, gfl_config cfg, int nseeds, double *v);

/* Symmetric eigendecomposition (LAPACKE dsyev) of the d x d matrix S
 * (overwritten by its eigenvectors, column-major order of LAPACK = rows here:
 * eigenvector q is row q of S after the call, eigenvalues ascending in ev). */
gfl_status gfl_phen_eigh(double *S, int d, double *ev);
/* Top right singular vector of the m x d matrix W (top eigenvector of W^T W). */
gfl_status gfl_phen_top_direction(const double *W, int m, int d, double *v);

#endif
