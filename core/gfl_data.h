/* gfl_data: a table of data instead of a case study (SPEC 11, docs/data.md).
 *
 * Reading (gfl_table_read): a CSV file, plain or gzip-compressed (libcsv and
 * zlib), or a pair of .npy files (X: N x d, Y: N).  Every row is kept or the
 * read fails with one line naming the line and column; labels are text
 * compared in canonical form (a number as its shortest round-trip decimal),
 * filtered by --classes and mapped to -1/+1.
 *
 * Splitting (gfl_dataset_init): one seeded permutation of the rows, cut into
 * the test part, the feature pool, the validation part and the training pool,
 * in that order (so the test part does not depend on --val-frac); features
 * standardized with the mean and deviation of the training pool only.
 *
 * Batches (gfl_dataset_batch, SPEC 3 on data): the training pool in a seeded
 * order is cut into floor(P / n) disjoint batches; step t <= floor(P / n)
 * takes batch t (fresh: it has not been used before), every later step takes
 * batch 1 again (the fixed set).  With --fixed-batch every step takes batch 1. */
#ifndef GFL_DATA_H
#define GFL_DATA_H

#include <stdint.h>

#include "gfl_config.h"

typedef struct {
    const char *path;        /* CSV (.gz accepted) or X.npy */
    const char *labels_path; /* Y.npy, or "" / NULL for a CSV */
    gfl_header_mode header;
    const char *label;       /* column name or 1-based index; "" = last */
    const char *positive;    /* comma list of label values mapped to +1; "" */
    const char *classes;     /* comma list of label values kept; "" = all */
    int drop_constant;       /* drop constant columns instead of refusing them */
} gfl_read_opts;

#define GFL_LABEL_MAX 64

typedef struct {
    int N, d;
    double *X, *Y;           /* N x d, N (+-1) */
    int n_labels;            /* distinct label values kept */
    char pos[GFL_LABEL_MAX * 4], neg[GFL_LABEL_MAX * 4]; /* which values map to +1 / -1 */
    int dropped;             /* constant columns dropped (drop_constant) */
    long lines;              /* lines read */
} gfl_table;

void gfl_read_opts_from_config(gfl_read_opts *o, const gfl_config *cfg);
/* On failure t owns nothing and one line says why (GFL_EINVAL, exit 2). */
gfl_status gfl_table_read(gfl_table *t, const gfl_read_opts *o);
void gfl_table_clear(gfl_table *t);

typedef struct gfl_dataset {
    gfl_table tab;
    int d;
    int n_test, n_feat, n_val, n_train;
    double *Xtest, *Ytest, *Xfeat, *Yfeat, *Xval, *Yval, *Xtrain, *Ytrain; /* standardized */
    double *mean, *scale;    /* d: x_std = (x - mean) / scale */
    int *order;              /* n_train: the training pool in batch order */
} gfl_dataset;

/* Reads cfg's data and splits it with cfg's seed and fractions. */
gfl_status gfl_dataset_init(gfl_dataset *ds, const gfl_config *cfg);
void gfl_dataset_clear(gfl_dataset *ds);
/* The held-out part (--eval-part): test or validation. */
void gfl_dataset_heldout(const gfl_dataset *ds, const gfl_config *cfg, int *n, const double **X,
                         const double **Y);
/* Number of fresh batches floor(n_train / n). */
int gfl_dataset_fresh_batches(const gfl_dataset *ds, int n);
/* The batch of step t (1-based), by the rule above. */
void gfl_dataset_batch(const gfl_dataset *ds, const gfl_config *cfg, int t, double *X, double *Y);

/* Reads and splits the data once to fix the sizes that come from the file:
 * d, n (0 = the whole training pool; larger than the pool is an error) and
 * n_test (the held-out part). */
gfl_status gfl_data_resolve(gfl_config *cfg);

/* Hooks of gfl_problem for case data (SPEC 11). */
#include "gfl_problem.h"
#include "gfl_rng.h"
/* Reads and splits the data into pb->data; the configuration must be resolved
 * (gfl_data_resolve): its d and n_test must match the data. */
gfl_status gfl_data_problem_init(gfl_problem *pb);
void gfl_data_problem_heldout(gfl_problem *pb);
void gfl_data_problem_sample(const gfl_problem *pb, gfl_rng *r, int n, double *X, double *Y);
void gfl_data_problem_clear(gfl_problem *pb);
#include "gfl_oracle.h"
/* gfl_sample_draw on data: a copy of one part (see gfl_oracle.h). */
gfl_status gfl_data_sample(gfl_sample *s, const gfl_problem *pb, uint64_t tag);
/* The witness of case data (SPEC 11, core/gfl_data_witness.c): candidate
 * directions from the first-step neurons of the run (G_Z(w_i^(0), b_i) on the
 * batch of step 1), clustered up to sign into --clusters directions D_j; per
 * direction the neurons +D_j and -D_j with the median effective bias of the
 * cluster; output weights a* fitted on the training pool (L2-regularized
 * hinge or logistic loss, convex in a).  Its bounds B_F are its own, so it is
 * in F(d, r, B_F, S) by construction once its features are shown to be in S. */
#include "gfl_witness.h"
gfl_status gfl_data_witness(gfl_witness *w, const gfl_problem *pb);
/* Keeps the neurons whose feature f has keep_feat[f] != 0 (the members of S)
 * and fits a* again over them: the network is then in the class by
 * construction (SPEC 5: non-member features never feed OPT_hat). */
gfl_status gfl_data_witness_keep(gfl_witness *w, const gfl_problem *pb, const int *keep_feat);

#endif
