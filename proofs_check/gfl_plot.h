/* gfl_plot: figures through gnuplot (PNG), written once for every command.
 * Each figure is a self-contained gnuplot script with inline data blocks,
 * kept beside the PNG (NAME.gp) so a reader can re-render or restyle it. */
#ifndef GFL_PLOT_H
#define GFL_PLOT_H

#include "gfl_status.h"

typedef struct {
    const char *title;
    const double *x, *y;
    int n;
    const char *style; /* gnuplot style: "lines", "points", "linespoints", "steps"; NULL = lines */
} gfl_plot_series;

typedef struct {
    const char *title, *xlabel, *ylabel;
    int logy;
} gfl_plot_opts;

/* Line/point plot of ns series. */
gfl_status gfl_plot_xy(const char *png, const gfl_plot_opts *o, const gfl_plot_series *s, int ns);
/* Bar chart: one bar per label. */
gfl_status gfl_plot_bars(const char *png, const gfl_plot_opts *o, const char *const *labels,
                         const double *v, int n);
/* Histogram of v over [lo, hi] with the given number of bins (values outside are clamped). */
gfl_status gfl_plot_histogram(const char *png, const gfl_plot_opts *o, const double *v, int n,
                              double lo, double hi, int bins);

/* Two d x d matrices side by side as heat maps (each scaled to its largest |entry|). */
gfl_status gfl_plot_heatmap2(const char *png, const gfl_plot_opts *o, const double *A, const double *B, int d);

#endif
