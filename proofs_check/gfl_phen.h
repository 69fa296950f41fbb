/* gfl_phen: the paper's explanations of empirical phenomena as reproducible
 * experiments (SPEC 8; docs/phenomena.md).
 *
 * Each experiment states its claim and anchor, runs a grid over at least five
 * seeds (a reduced grid with quick), reports its figures with 95% Student-t
 * intervals over the seeds, draws its figures when given a directory, and
 * decides REPRODUCED / NOT REPRODUCED against thresholds fixed in the code and
 * written, with the pilot run that calibrated them, in docs/phenomena.md.
 * Training goes through gfl_train with the engine of the path it is given; the grids are lists
 * of configurations, one run each, so they can move onto a sweep runner. */
#ifndef GFL_PHEN_H
#define GFL_PHEN_H

#include <jansson.h>
#include <stdio.h>

#include "gfl_config.h"
#include "gfl_engine.h"
#include "gfl_path.h"
#include "gfl_status.h"

typedef struct {
    const gfl_path *path; /* the arithmetic every run uses (the CLI passes the tested path) */
    int quick;            /* reduced grid (tests, make proofs) */
    const char *figdir;   /* directory for the figures, or NULL */
    uint64_t seed0;       /* seeds are seed0 .. seed0 + nseeds - 1 */
    FILE *log;            /* progress lines, or NULL */
} gfl_phen_opts;

typedef struct {
    int reproduced;
    json_t *json;  /* the experiment's figures (owned) */
    char *md;      /* its section of report.md (owned) */
    size_t md_len;
} gfl_phen_result;

typedef struct {
    const char *name, *claim, *anchor;
    gfl_status (*run)(const gfl_phen_opts *o, gfl_phen_result *r);
} gfl_phen_experiment;

extern const gfl_phen_experiment gfl_phen_experiments[];
extern const int gfl_phen_nexperiments;

const gfl_phen_experiment *gfl_phen_find(const char *name);
void gfl_phen_result_clear(gfl_phen_result *r);

/* 95% Student-t interval of the mean of n values (n >= 2). */
typedef struct {
    double mean, lo, hi, sd;
    int n;
} gfl_phen_ci;
void gfl_phen_interval(const double *v, int n, gfl_phen_ci *ci);
json_t *gfl_phen_ci_json(const gfl_phen_ci *ci);

/* One training run of Algorithm 1 on the fast path: test error, the final
 * parameters and W^(1) (after step 1), and the problem (its test set, b, init).
 * Fields the caller does not want may be left NULL by passing want_* = 0. */
typedef struct {
    gfl_config cfg;
    double test_error;
    double *a, *W;   /* final, m and m x d */
    double *a1, *W1; /* after step 1, m and m x d */
    double *a0, *W0, *b; /* initialization */
    double *Xtest, *Ytest;
} gfl_phen_model;

/* Trains cfg; a0/W0 (may be NULL) replace the drawn initialization. */
gfl_status gfl_phen_train(const gfl_path *path, const gfl_config *cfg, const double *a0, const double *W0, const double *b,
                          gfl_phen_model *out);
void gfl_phen_model_clear(gfl_phen_model *m);
/* Test 0-1 error of the network (a, W, b) of width m on (X, Y). */
gfl_status gfl_phen_error(const gfl_path *path, const gfl_config *cfg, int m, const double *a, const double *W, const double *b,
                          const double *X, const double *Y, int n, double *err);

/* Experiments (one file each besides the first three). */
gfl_status gfl_phen_beyond_kernel(const gfl_phen_opts *o, gfl_phen_result *r);
gfl_status gfl_phen_simplicity_bias(const gfl_phen_opts *o, gfl_phen_result *r);
gfl_status gfl_phen_distributions(const gfl_phen_opts *o, gfl_phen_result *r);
gfl_status gfl_phen_lottery_ticket(const gfl_phen_opts *o, gfl_phen_result *r);
gfl_status gfl_phen_feature_matrix(const gfl_phen_opts *o, gfl_phen_result *r);

/* Runs the selected experiments (name NULL: all), writes json (may be NULL)
 * and, with report_dir, report.md, report.json and the figures there (built
 * under a temporary name, then renamed).  *all_reproduced is 1 when every
 * experiment run is REPRODUCED. */
gfl_status gfl_phen_run(const gfl_path *path, const char *name, int quick, const char *json_path, const char *report_dir,
                        FILE *out, int *all_reproduced);

#endif
