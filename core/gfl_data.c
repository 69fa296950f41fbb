/* gfl_data: the split, the standardization and the batches of a table of
 * data (SPEC 11); the readers are in gfl_data_read.c. */
#include "gfl_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_rng.h"

#define REQUIRE(cond, ...) do { if (!(cond)) GFL_ERROR(GFL_EINVAL, __VA_ARGS__); } while (0)

/* ---- one table in memory: the last one read, reused while its options and
 * files are unchanged (every engine, seed and command of a process reads the
 * same data; single-threaded use, like the rest of the configuration) ---- */

static struct {
    char key[6 * GFL_STR_MAX + 64];
    gfl_table tab;
    int valid;
} cache;

static void cache_key(const gfl_config *cfg, char *key, size_t len)
{
    struct stat a, b;
    long long ma = stat(cfg->data, &a) == 0 ? (long long)a.st_mtime * 1000003LL + (long long)a.st_size : -1;
    long long mb = cfg->labels[0] && stat(cfg->labels, &b) == 0 ? (long long)b.st_mtime * 1000003LL + (long long)b.st_size : -1;
    snprintf(key, len, "%s\x1f%s\x1f%d\x1f%s\x1f%s\x1f%s\x1f%d\x1f%lld\x1f%lld", cfg->data, cfg->labels, cfg->header,
             cfg->label, cfg->positive, cfg->classes, cfg->drop_constant, ma, mb);
}

static gfl_status table_get(const gfl_config *cfg, const gfl_table **t)
{
    char key[sizeof cache.key];
    cache_key(cfg, key, sizeof key);
    if (!cache.valid || strcmp(key, cache.key) != 0) {
        gfl_read_opts o;
        gfl_table tab;
        gfl_read_opts_from_config(&o, cfg);
        GFL_TRY(gfl_table_read(&tab, &o));
        if (cache.valid)
            gfl_table_clear(&cache.tab);
        cache.tab = tab;
        memcpy(cache.key, key, sizeof key);
        cache.valid = 1;
    }
    *t = &cache.tab;
    return GFL_OK;
}

/* ---- split ---- */

static long round_frac(double f, int N) { return lround(f * N); }

static gfl_status sizes(const gfl_config *c, int N, int *nt, int *nf, int *nv, int *nr)
{
    *nt = (int)round_frac(c->test_frac, N);
    *nf = (int)round_frac(c->feature_frac, N);
    *nv = (int)round_frac(c->val_frac, N);
    *nr = N - *nt - *nf - *nv;
    REQUIRE(*nt >= 1 && *nf >= 2 && (c->val_frac == 0 || *nv >= 1) && *nr >= 2,
            "'%s': %d rows are too few for the split (test %d, feature pool %d, validation %d, training %d)",
            c->data, N, *nt, *nf, *nv, *nr);
    return GFL_OK;
}

void gfl_dataset_clear(gfl_dataset *ds)
{
    free(ds->Xtest), free(ds->Ytest), free(ds->Xfeat), free(ds->Yfeat);
    free(ds->Xval), free(ds->Yval), free(ds->Xtrain), free(ds->Ytrain);
    free(ds->mean), free(ds->scale), free(ds->order);
    memset(ds, 0, sizeof *ds);
}

static void copy_part(const gfl_table *t, const int *perm, int from, int n, const double *mean,
                      const double *scale, double *X, double *Y)
{
    int d = t->d;
    for (int k = 0; k < n; k++) {
        const double *x = t->X + (size_t)perm[from + k] * d;
        for (int j = 0; j < d; j++)
            X[(size_t)k * d + j] = (x[j] - mean[j]) / scale[j];
        Y[k] = t->Y[perm[from + k]];
    }
}

gfl_status gfl_dataset_init(gfl_dataset *ds, const gfl_config *cfg)
{
    const gfl_table *t;
    memset(ds, 0, sizeof *ds);
    GFL_TRY(table_get(cfg, &t));
    int N = t->N, d = t->d, nt, nf, nv, nr;
    GFL_TRY(sizes(cfg, N, &nt, &nf, &nv, &nr));
    gfl_status st = GFL_OK;
    int *perm = malloc((size_t)N * sizeof(int));
    ds->d = d;
    ds->n_test = nt, ds->n_feat = nf, ds->n_val = nv, ds->n_train = nr;
    ds->Xtest = malloc((size_t)nt * d * sizeof(double)), ds->Ytest = malloc((size_t)nt * sizeof(double));
    ds->Xfeat = malloc((size_t)nf * d * sizeof(double)), ds->Yfeat = malloc((size_t)nf * sizeof(double));
    ds->Xval = malloc(((size_t)nv * d + 1) * sizeof(double)), ds->Yval = malloc(((size_t)nv + 1) * sizeof(double));
    ds->Xtrain = malloc((size_t)nr * d * sizeof(double)), ds->Ytrain = malloc((size_t)nr * sizeof(double));
    ds->mean = calloc((size_t)d, sizeof(double)), ds->scale = malloc((size_t)d * sizeof(double));
    ds->order = malloc((size_t)nr * sizeof(int));
    if (!perm || !ds->Xtest || !ds->Ytest || !ds->Xfeat || !ds->Yfeat || !ds->Xval || !ds->Yval || !ds->Xtrain ||
        !ds->Ytrain || !ds->mean || !ds->scale || !ds->order) {
        GFL_SET_ERROR(st, GFL_EINVAL, "file too large for memory: '%s' (%d rows, %d columns)", cfg->data, N, d);
        goto cleanup;
    }
    /* one seeded permutation (Fisher-Yates), cut in order: test, feature
     * pool, validation, training pool */
    gfl_rng r;
    gfl_rng_init(&r, cfg->seed, GFL_STREAM_CASE, (uint64_t)GFL_CASE_DATA, 0);
    for (int k = 0; k < N; k++)
        perm[k] = k;
    for (int k = N - 1; k > 0; k--) {
        int j = (int)gfl_rng_below(&r, (uint64_t)k + 1), tmp = perm[k];
        perm[k] = perm[j];
        perm[j] = tmp;
    }
    int off_train = nt + nf + nv;
    /* standardization from the training pool only: mean and deviation (divisor
     * the pool size); a column constant on the pool is only centred */
    for (int j = 0; j < d; j++)
        ds->scale[j] = 1.0;
    if (!cfg->no_standardize) {
        for (int k = 0; k < nr; k++)
            for (int j = 0; j < d; j++)
                ds->mean[j] += t->X[(size_t)perm[off_train + k] * d + j] / nr;
        for (int j = 0; j < d; j++) {
            double v = 0;
            for (int k = 0; k < nr; k++) {
                double e = t->X[(size_t)perm[off_train + k] * d + j] - ds->mean[j];
                v += e * e / nr;
            }
            ds->scale[j] = v > 0 ? sqrt(v) : 1.0;
        }
    }
    copy_part(t, perm, 0, nt, ds->mean, ds->scale, ds->Xtest, ds->Ytest);
    copy_part(t, perm, nt, nf, ds->mean, ds->scale, ds->Xfeat, ds->Yfeat);
    copy_part(t, perm, nt + nf, nv, ds->mean, ds->scale, ds->Xval, ds->Yval);
    copy_part(t, perm, off_train, nr, ds->mean, ds->scale, ds->Xtrain, ds->Ytrain);
    int pos = 0;
    for (int k = 0; k < nr; k++)
        pos += ds->Ytrain[k] > 0;
    if (pos == 0 || pos == nr) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': the training pool of seed %llu has a single class (%d rows)", cfg->data,
                      (unsigned long long)cfg->seed, nr);
        goto cleanup;
    }
    /* the batch order of the training pool: its own seeded permutation */
    gfl_rng_init(&r, cfg->seed, GFL_STREAM_CASE, (uint64_t)GFL_CASE_DATA, 1);
    for (int k = 0; k < nr; k++)
        ds->order[k] = k;
    for (int k = nr - 1; k > 0; k--) {
        int j = (int)gfl_rng_below(&r, (uint64_t)k + 1), tmp = ds->order[k];
        ds->order[k] = ds->order[j];
        ds->order[j] = tmp;
    }
    ds->tab = *t;
    ds->tab.X = ds->tab.Y = NULL; /* owned by the cache */
cleanup:
    free(perm);
    if (st != GFL_OK)
        gfl_dataset_clear(ds);
    return st;
}

void gfl_dataset_heldout(const gfl_dataset *ds, const gfl_config *cfg, int *n, const double **X,
                         const double **Y)
{
    if (cfg->eval_part == GFL_PART_VALIDATION) {
        *n = ds->n_val, *X = ds->Xval, *Y = ds->Yval;
    } else {
        *n = ds->n_test, *X = ds->Xtest, *Y = ds->Ytest;
    }
}

int gfl_dataset_fresh_batches(const gfl_dataset *ds, int n) { return n > 0 ? ds->n_train / n : 0; }

void gfl_dataset_batch(const gfl_dataset *ds, const gfl_config *cfg, int t, double *X, double *Y)
{
    int n = cfg->n, d = ds->d, k = gfl_dataset_fresh_batches(ds, n);
    int b = (cfg->fixed_batch || t > k) ? 1 : t; /* SPEC 3 on data: fresh while the pool lasts, then batch 1 */
    for (int q = 0; q < n; q++) {
        int row = ds->order[(size_t)(b - 1) * n + q];
        memcpy(X + (size_t)q * d, ds->Xtrain + (size_t)row * d, (size_t)d * sizeof(double));
        Y[q] = ds->Ytrain[row];
    }
}

gfl_status gfl_data_resolve(gfl_config *cfg)
{
    GFL_TRY(gfl_config_validate_data(cfg));
    const gfl_table *t;
    GFL_TRY(table_get(cfg, &t));
    int nt, nf, nv, nr;
    GFL_TRY(sizes(cfg, t->N, &nt, &nf, &nv, &nr));
    cfg->d = t->d;
    cfg->n_test = cfg->eval_part == GFL_PART_VALIDATION ? nv : nt;
    if (cfg->n == 0)
        cfg->n = nr;
    REQUIRE(cfg->n >= 1 && cfg->n <= nr, "--n %d: the training pool of '%s' has %d rows (n = 0: all of them)", cfg->n,
            cfg->data, nr);
    return GFL_OK;
}

/* ---- gfl_problem hooks ---- */

gfl_status gfl_data_problem_init(gfl_problem *pb)
{
    gfl_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    gfl_status st = gfl_dataset_init(ds, &pb->cfg);
    if (st != GFL_OK) {
        free(ds);
        return st;
    }
    pb->data = ds;
    int nh;
    const double *X, *Y;
    gfl_dataset_heldout(ds, &pb->cfg, &nh, &X, &Y);
    REQUIRE(pb->cfg.d == ds->d && pb->cfg.n_test == nh && pb->cfg.n <= ds->n_train,
            "the configuration (d = %d, n-test = %d, n = %d) does not match '%s' (d = %d, held-out %d rows, "
            "training pool %d): resolve it first (gfl_data_resolve)", pb->cfg.d, pb->cfg.n_test, pb->cfg.n,
            pb->cfg.data, ds->d, nh, ds->n_train);
    return GFL_OK;
}

void gfl_data_problem_heldout(gfl_problem *pb)
{
    int nh;
    const double *X, *Y;
    gfl_dataset_heldout(pb->data, &pb->cfg, &nh, &X, &Y);
    memcpy(pb->Xtest, X, (size_t)nh * pb->data->d * sizeof(double));
    memcpy(pb->Ytest, Y, (size_t)nh * sizeof(double));
}

void gfl_data_problem_sample(const gfl_problem *pb, gfl_rng *r, int n, double *X, double *Y)
{
    const gfl_dataset *ds = pb->data;
    for (int k = 0; k < n; k++) {
        int row = (int)gfl_rng_below(r, (uint64_t)ds->n_feat);
        memcpy(X + (size_t)k * ds->d, ds->Xfeat + (size_t)row * ds->d, (size_t)ds->d * sizeof(double));
        Y[k] = ds->Yfeat[row];
    }
}

void gfl_data_problem_clear(gfl_problem *pb)
{
    if (pb->data) {
        gfl_dataset_clear(pb->data);
        free(pb->data);
        pb->data = NULL;
    }
}

gfl_status gfl_data_sample(gfl_sample *s, const gfl_problem *pb, uint64_t tag)
{
    const gfl_dataset *ds = pb->data;
    int n;
    const double *X, *Y;
    if (tag == GFL_TAG_FIT)
        n = ds->n_train, X = ds->Xtrain, Y = ds->Ytrain;
    else if (tag == GFL_TAG_EVAL || tag == GFL_TAG_POP)
        gfl_dataset_heldout(ds, &pb->cfg, &n, &X, &Y);
    else
        n = ds->n_feat, X = ds->Xfeat, Y = ds->Yfeat;
    memset(s, 0, sizeof *s);
    s->X = malloc(((size_t)n * ds->d + 1) * sizeof(double));
    s->Y = malloc(((size_t)n + 1) * sizeof(double));
    if (!s->X || !s->Y) {
        gfl_sample_clear(s);
        GFL_ERROR(GFL_ENOMEM, "out of memory for a copy of %d rows", n);
    }
    memcpy(s->X, X, (size_t)n * ds->d * sizeof(double));
    memcpy(s->Y, Y, (size_t)n * sizeof(double));
    s->N = n;
    return GFL_OK;
}
