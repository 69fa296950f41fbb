#include "gfl_traj.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_io.h"
#include "gfl_npy.h"

/* ---- the dump (SPEC 10) ---------------------------------------------------- */

void gfl_dump_clear(gfl_dump *dp)
{
    free(dp->X);
    free(dp->Y);
    free(dp->a0);
    free(dp->W0);
    free(dp->b);
    memset(dp, 0, sizeof *dp);
}

const double *gfl_dump_X(const gfl_dump *dp, int t)
{
    size_t k = dp->Tb == 1 ? 0 : (size_t)(t - 1);
    return dp->X + k * (size_t)dp->cfg.n * (size_t)dp->cfg.d;
}

const double *gfl_dump_Y(const gfl_dump *dp, int t)
{
    size_t k = dp->Tb == 1 ? 0 : (size_t)(t - 1);
    return dp->Y + k * (size_t)dp->cfg.n;
}

/* One array of dir with the expected rank and shape (0 = any length);
 * *count is its number of values. */
static gfl_status read_array(const char *dir, const char *name, unsigned accept, int nd,
                             const size_t *want, double **v, unsigned *dtype, size_t *count)
{
    char path[4096];
    int ndim;
    size_t sh[GFL_NPY_MAX_NDIM];
    GFL_TRY(gfl_io_join(path, sizeof path, dir, name));
    GFL_TRY(gfl_npy_read_as_double(path, accept, v, &ndim, sh, dtype));
    int ok = ndim == nd;
    for (int i = 0; ok && i < nd; i++)
        ok = want[i] == 0 || sh[i] == want[i];
    if (!ok) {
        char got[128] = "", exp[128] = "";
        for (int i = 0; i < ndim && i < 4; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", i ? ", " : "", sh[i]);
        if (ndim == 1)
            strcat(got, ",");
        for (int i = 0; i < nd; i++) {
            if (want[i])
                snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%zu", i ? ", " : "", want[i]);
            else
                snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%sS", i ? ", " : "");
        }
        free(*v);
        *v = NULL;
        GFL_ERROR(GFL_EINVAL, "'%s': shape (%s%s) does not fit the instance: (%s%s) expected", path, got,
                  ndim > 4 ? ", ..." : "", exp, nd == 1 ? "," : "");
    }
    if (count) {
        *count = 1;
        for (int i = 0; i < nd; i++)
            *count *= sh[i];
    }
    return GFL_OK;
}

static gfl_status all_finite(const char *dir, const char *name, const double *v, size_t count,
                             int nan_first)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]) && !(nan_first && i == 0 && isnan(v[i])))
            GFL_ERROR(GFL_EINVAL, "'%s/%s': entry %zu is not a finite number", dir, name, i);
    return GFL_OK;
}

/* jansson reports a file it cannot open as line -1. */
static gfl_status json_failure(const char *file, const json_error_t *jerr)
{
    if (jerr->line < 0)
        GFL_ERROR(GFL_EINVAL, "cannot read '%s'", file);
    GFL_ERROR(GFL_EINVAL, "'%s': not valid JSON (line %d: %s)", file, jerr->line, jerr->text);
}

static gfl_status json_num(const char *file, json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        GFL_ERROR(GFL_EINVAL, "'%s': config.%s missing or not a finite number", file, key);
    *out = json_number_value(v);
    return GFL_OK;
}

static gfl_status json_int(const char *file, json_t *o, const char *key, long lo, long hi, int *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        GFL_ERROR(GFL_EINVAL, "'%s': config.%s missing or not an integer in [%ld, %ld]", file, key, lo, hi);
    *out = (int)json_integer_value(v);
    return GFL_OK;
}

static gfl_status json_flag(const char *file, json_t *o, const char *key, int *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_boolean(v))
        GFL_ERROR(GFL_EINVAL, "'%s': config.%s missing or not a boolean", file, key);
    *out = json_is_true(v);
    return GFL_OK;
}

/* The Algorithm 1 settings of trace.json (the rest of the configuration
 * describes how the dump was drawn, which the arrays already hold). */
static gfl_status read_config(const char *file, gfl_config *c)
{
    json_error_t jerr;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr), *cf;
    gfl_status st = GFL_OK;
    gfl_case_id cid;
    int prec = 0, lam1_default = 0, big = 1 << 30;
    if (!doc)
        return json_failure(file, &jerr);
    cf = json_object_get(doc, "config");
    json_t *cs = json_object_get(cf, "case"), *ps = json_object_get(cf, "preset"), *ls;
    if (!json_is_object(cf) || !json_is_string(cs) || gfl_case_from_name(json_string_value(cs), &cid) != GFL_OK) {
        gfl_error_clear();
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': no config object with a known case", file);
        goto cleanup;
    }
    gfl_config_defaults(c, cid, json_is_string(ps) && strcmp(json_string_value(ps), "small") == 0
                                    ? GFL_PRESET_SMALL : GFL_PRESET_DEFAULT);
    ls = json_object_get(cf, "loss");
    if ((st = json_int(file, cf, "d", 1, big, &c->d)) != GFL_OK ||
        (st = json_int(file, cf, "m", 2, big, &c->m)) != GFL_OK ||
        (st = json_int(file, cf, "n", 1, big, &c->n)) != GFL_OK ||
        (st = json_int(file, cf, "T", 1, big, &c->T)) != GFL_OK ||
        (st = json_int(file, cf, "prec", 16, 65536, &prec)) != GFL_OK ||
        (st = json_num(file, cf, "eta1", &c->eta1)) != GFL_OK ||
        (st = json_num(file, cf, "lam1", &c->lam1)) != GFL_OK ||
        (st = json_num(file, cf, "eta", &c->eta)) != GFL_OK ||
        (st = json_num(file, cf, "lam", &c->lam)) != GFL_OK ||
        (st = json_flag(file, cf, "lam1_default", &lam1_default)) != GFL_OK ||
        (st = json_flag(file, cf, "fixed_batch", &c->fixed_batch)) != GFL_OK ||
        (st = json_flag(file, cf, "freeze_w", &c->freeze_w)) != GFL_OK ||
        (st = json_flag(file, cf, "random_features", &c->random_features)) != GFL_OK)
        goto cleanup;
    if (!json_is_string(ls) || (strcmp(json_string_value(ls), "hinge") != 0 &&
                                strcmp(json_string_value(ls), "logistic") != 0)) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': config.loss must be \"hinge\" or \"logistic\"", file);
        goto cleanup;
    }
    c->loss = strcmp(json_string_value(ls), "hinge") == 0 ? GFL_LOSS_HINGE : GFL_LOSS_LOGISTIC;
    c->prec = prec;
    if (lam1_default)
        c->lam1 = NAN; /* 1/eta1, resolved by the reference in its own precision */
    c->n_test = 1;     /* verification needs no test set */
    if ((st = gfl_config_validate(c)) != GFL_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", gfl_error_message());
        gfl_error_clear();
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': %s", file, msg);
    }
cleanup:
    json_decref(doc);
    return st;
}

gfl_status gfl_dump_read(const char *dir, gfl_dump *dp)
{
    char path[4096];
    gfl_status st;
    memset(dp, 0, sizeof *dp);
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "trace.json"));
    GFL_TRY(read_config(path, &dp->cfg));
    const gfl_config *c = &dp->cfg;
    size_t m = (size_t)c->m, d = (size_t)c->d, n = (size_t)c->n;
    dp->Tb = c->fixed_batch ? 1 : c->T;
    size_t shX[3] = {(size_t)dp->Tb, n, d}, shY[2] = {(size_t)dp->Tb, n}, shm[1] = {m}, shW[2] = {m, d};
    if ((st = read_array(dir, "X.npy", GFL_NPY_F8, 3, shX, &dp->X, NULL, NULL)) != GFL_OK ||
        (st = read_array(dir, "Y.npy", GFL_NPY_F8, 2, shY, &dp->Y, NULL, NULL)) != GFL_OK ||
        (st = read_array(dir, "a0.npy", GFL_NPY_F8, 1, shm, &dp->a0, NULL, NULL)) != GFL_OK ||
        (st = read_array(dir, "W0.npy", GFL_NPY_F8, 2, shW, &dp->W0, NULL, NULL)) != GFL_OK ||
        (st = read_array(dir, "b.npy", GFL_NPY_F8, 1, shm, &dp->b, NULL, NULL)) != GFL_OK ||
        (st = all_finite(dir, "X.npy", dp->X, (size_t)dp->Tb * n * d, 0)) != GFL_OK ||
        (st = all_finite(dir, "a0.npy", dp->a0, m, 0)) != GFL_OK ||
        (st = all_finite(dir, "W0.npy", dp->W0, m * d, 0)) != GFL_OK ||
        (st = all_finite(dir, "b.npy", dp->b, m, 0)) != GFL_OK)
        goto fail;
    for (size_t k = 0; k < (size_t)dp->Tb * n; k++)
        if (dp->Y[k] != 1.0 && dp->Y[k] != -1.0) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s/Y.npy': entry %zu is not +1 or -1", dir, k);
            goto fail;
        }
    return GFL_OK;
fail:
    gfl_dump_clear(dp);
    return st;
}

/* ---- the outside trajectory (SPEC 12) -------------------------------------- */

void gfl_traj_clear(gfl_traj *tr)
{
    free(tr->steps);
    free(tr->a);
    free(tr->W);
    free(tr->loss);
    memset(tr, 0, sizeof *tr);
}

int gfl_traj_index(const gfl_traj *tr, int t)
{
    for (int s = 0; s < tr->S; s++)
        if (tr->steps[s] == t)
            return s;
    return -1;
}

static gfl_status read_meta(const char *dir, gfl_traj *tr)
{
    char path[4096];
    json_error_t jerr;
    gfl_status st = GFL_OK;
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "meta.json"));
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return json_failure(path, &jerr);
    json_t *dt = json_object_get(doc, "dtype"), *wr = json_object_get(doc, "writer");
    if (!json_is_object(doc))
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': not a JSON object", path);
    else if (!json_is_string(dt) || (strcmp(json_string_value(dt), "float64") != 0 &&
                                     strcmp(json_string_value(dt), "float32") != 0))
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': \"dtype\" must be \"float64\" or \"float32\"", path);
    else if (!json_is_string(wr) || json_string_length(wr) == 0)
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': \"writer\" must be a non-empty string", path);
    if (st == GFL_OK) {
        tr->float32 = strcmp(json_string_value(dt), "float32") == 0;
        tr->u = ldexp(1.0, tr->float32 ? -24 : -53);
        /* kept printable: it is echoed in the report */
        size_t k = 0;
        for (const char *p = json_string_value(wr); *p && k + 1 < sizeof tr->writer; p++)
            tr->writer[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
        tr->writer[k] = '\0';
    }
    json_decref(doc);
    return st;
}

gfl_status gfl_traj_read(const char *dir, int m, int d, int T, gfl_traj *tr)
{
    gfl_status st;
    double *steps = NULL;
    unsigned dt_a = 0, dt_W = 0;
    size_t sh1[1] = {0}, sha[2] = {0, (size_t)m}, shW[3] = {0, (size_t)m, (size_t)d};
    char path[4096];
    memset(tr, 0, sizeof *tr);
    tr->m = m;
    tr->d = d;
    GFL_TRY(read_meta(dir, tr));
    unsigned fl = GFL_NPY_F8 | GFL_NPY_F4;
    size_t S;
    if ((st = gfl_io_join(path, sizeof path, dir, "steps.npy")) != GFL_OK ||
        (st = read_array(dir, "steps.npy", GFL_NPY_ANY, 1, sh1, &steps, NULL, &S)) != GFL_OK)
        goto fail;
    if (S == 0 || S > (size_t)T + 1) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': %zu steps listed (1 to T + 1 = %d expected)", path, S, T + 1);
        goto fail;
    }
    tr->S = (int)S;
    tr->steps = malloc((size_t)tr->S * sizeof(int));
    if (!tr->steps) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the trajectory");
        goto fail;
    }
    for (int s = 0; s < tr->S; s++) {
        double v = steps[s];
        if (!(v >= 0 && v <= T && v == floor(v)) || (s > 0 && !(v > tr->steps[s - 1]))) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': entry %d is not a step in 0..%d above the one before it",
                          path, s, T);
            goto fail;
        }
        tr->steps[s] = (int)v;
    }
    sha[0] = shW[0] = sh1[0] = (size_t)tr->S;
    if ((st = read_array(dir, "a.npy", fl, 2, sha, &tr->a, &dt_a, NULL)) != GFL_OK ||
        (st = read_array(dir, "W.npy", fl, 3, shW, &tr->W, &dt_W, NULL)) != GFL_OK ||
        (st = all_finite(dir, "a.npy", tr->a, (size_t)tr->S * (size_t)m, 0)) != GFL_OK ||
        (st = all_finite(dir, "W.npy", tr->W, (size_t)tr->S * (size_t)m * (size_t)d, 0)) != GFL_OK)
        goto fail;
    if (!tr->float32 && ((dt_a | dt_W) & GFL_NPY_F4)) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s/%s': float32 values, but meta.json declares dtype float64", dir,
                      dt_a == GFL_NPY_F4 ? "a.npy" : "W.npy");
        goto fail;
    }
    snprintf(tr->dtype_found, sizeof tr->dtype_found, "%s", dt_a == GFL_NPY_F4 ? "<f4" : "<f8");
    if ((st = gfl_io_join(path, sizeof path, dir, "loss.npy")) != GFL_OK)
        goto fail;
    struct stat sb;
    if (lstat(path, &sb) == 0) { /* optional; but when present, read or refused */
        if ((st = read_array(dir, "loss.npy", tr->float32 ? fl : GFL_NPY_F8, 1, sh1, &tr->loss, NULL,
                             NULL)) != GFL_OK ||
            (st = all_finite(dir, "loss.npy", tr->loss, (size_t)tr->S, tr->steps[0] == 0)) != GFL_OK)
            goto fail;
    }
    free(steps);
    return GFL_OK;
fail:
    free(steps);
    gfl_traj_clear(tr);
    return st;
}
