#include "gfl_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_npy.h"

json_t *gfl_json_real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *gfl_report_config(const gfl_config *cfg, const char *path)
{
    json_t *o = json_object();
    json_object_set_new(o, "case", json_string(gfl_case_name(cfg->case_id)));
    json_object_set_new(o, "path", json_string(path));
    json_object_set_new(o, "preset", json_string(cfg->preset == GFL_PRESET_SMALL ? "small" : "default"));
    for (size_t i = 0; i < gfl_config_noptions; i++) {
        const gfl_option *op = &gfl_config_options[i];
        if (!(op->cases & GFL_CASE_BIT(cfg->case_id)))
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s", op->name);
        for (char *c = key; *c; c++)
            if (*c == '-')
                *c = '_';
        const char *p = (const char *)cfg + op->offset;
        json_t *v = NULL;
        switch (op->type) {
        case GFL_OPT_INT: v = json_integer(*(const int *)p); break;
        case GFL_OPT_LONG: v = json_integer(*(const long *)p); break;
        case GFL_OPT_U64: v = json_integer((json_int_t)*(const uint64_t *)p); break;
        case GFL_OPT_DOUBLE: v = gfl_json_real(*(const double *)p); break;
        case GFL_OPT_FLAG: v = json_boolean(*(const int *)p); break;
        case GFL_OPT_ENUM: v = json_string(op->enum_names[*(const int *)p]); break;
        case GFL_OPT_STRING: v = json_string(p); if (!v) v = json_null(); break; /* NULL: not UTF-8 */
        }
        json_object_set_new(o, key, v);
    }
    /* The seed is a uint64: also as a string, exact beyond 2^63. */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)cfg->seed);
    json_object_set_new(o, "seed_string", json_string(seed));
    json_object_set_new(o, "lam1", json_real(gfl_config_lam1(cfg)));
    json_object_set_new(o, "lam1_default", json_boolean(gfl_config_lam1_is_default(cfg)));
    return o;
}

json_t *gfl_report_versions(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "gfl", json_string(GFL_VERSION));
#ifdef __VERSION__
    json_object_set_new(o, "compiler", json_string("gcc " __VERSION__));
#endif
    json_object_set_new(o, "jansson", json_string(JANSSON_VERSION));
    return o;
}

gfl_status gfl_report_run(json_t *doc, const gfl_config *cfg, const gfl_run *run)
{
    json_t *trace = json_array(), *steps = json_object(), *fin = json_object();
    json_t *bl = json_array(), *gn = json_array();
    for (int t = 0; t <= run->T; t++) {
        const gfl_trace_rec *r = &run->rec[t];
        if (t >= 1) {
            json_array_append_new(bl, gfl_json_real(r->batch_loss));
            json_array_append_new(gn, gfl_json_real(r->grad_norm_a));
        }
        if (!r->evaluated)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "t", json_integer(t));
        json_object_set_new(o, "batch_loss", gfl_json_real(r->batch_loss));
        json_object_set_new(o, "test_loss", gfl_json_real(r->test_loss));
        json_object_set_new(o, "test_error", gfl_json_real(r->test_error));
        json_object_set_new(o, "norm_a", gfl_json_real(r->norm_a));
        json_object_set_new(o, "norm_W", gfl_json_real(r->norm_W));
        json_array_append_new(trace, o);
    }
    json_object_set_new(steps, "batch_loss", bl);
    json_object_set_new(steps, "grad_norm_a", gn);
    json_object_set_new(fin, "test_loss", gfl_json_real(run->test_loss));
    json_object_set_new(fin, "test_error", gfl_json_real(run->test_error));
    json_object_set_new(fin, "train_seconds", json_real(run->train_seconds));
    json_object_set_new(fin, "n_test", json_integer(cfg->n_test));
    json_object_set_new(doc, "trace", trace);
    json_object_set_new(doc, "steps", steps);
    json_object_set_new(doc, "final", fin);
    return GFL_OK;
}

static gfl_status json_writer(FILE *f, void *ctx)
{
    /* a bare GFL_EIO: gfl_io_write_atomic names the path and the cause */
    if (json_dumpf((const json_t *)ctx, f, JSON_INDENT(1) | JSON_REAL_PRECISION(17) | JSON_SORT_KEYS) != 0 ||
        fputc('\n', f) == EOF)
        return GFL_EIO;
    return GFL_OK;
}

gfl_status gfl_report_write_json(const char *path, const json_t *doc)
{
    return gfl_io_write_atomic(path, json_writer, (void *)doc);
}

static gfl_status dump_arrays(const char *tmp, const gfl_problem *pb, const gfl_run *run,
                              const json_t *doc, double *X, double *Y)
{
    const gfl_config *c = &pb->cfg;
    char path[4096];
    size_t m = (size_t)c->m, d = (size_t)c->d, n = (size_t)c->n;
    size_t Tb = c->fixed_batch ? 1 : (size_t)c->T;
    size_t shX[3] = {Tb, n, d}, shY[2] = {Tb, n}, shm[1] = {m}, shW[2] = {m, d};
    gfl_npy_stream *sx = NULL, *sy = NULL;
    gfl_status st;
    /* The batches are regenerated from (seed, case, step): nothing was kept. */
    GFL_TRY(gfl_io_join(path, sizeof path, tmp, "X.npy"));
    GFL_TRY(gfl_npy_stream_open(&sx, path, 3, shX));
    GFL_TRY(gfl_io_join(path, sizeof path, tmp, "Y.npy"));
    if ((st = gfl_npy_stream_open(&sy, path, 2, shY)) != GFL_OK)
        goto cleanup;
    for (size_t t = 1; t <= Tb; t++) {
        gfl_problem_batch(pb, (int)t, X, Y);
        if ((st = gfl_npy_stream_write(sx, X, n * d)) != GFL_OK ||
            (st = gfl_npy_stream_write(sy, Y, n)) != GFL_OK)
            goto cleanup;
    }
    st = gfl_npy_stream_close(sx);
    sx = NULL;
    if (st != GFL_OK)
        goto cleanup;
    st = gfl_npy_stream_close(sy);
    sy = NULL;
    if (st != GFL_OK)
        goto cleanup;
    struct { const char *name; const double *v; int nd; const size_t *sh; } arr[] = {
        {"a0.npy", pb->a0, 1, shm}, {"W0.npy", pb->W0, 2, shW}, {"b.npy", pb->b, 1, shm},
        {"a.npy", run->a, 1, shm}, {"W.npy", run->W, 2, shW}};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) {
        if ((st = gfl_io_join(path, sizeof path, tmp, arr[i].name)) != GFL_OK ||
            (st = gfl_npy_write(path, arr[i].v, arr[i].nd, arr[i].sh)) != GFL_OK)
            goto cleanup;
    }
    if (run->parts > 1) {
        /* the ref path's exact state, one trailing axis of parts */
        size_t sha[2] = {m, (size_t)run->parts}, shWe[3] = {m, d, (size_t)run->parts};
        if ((st = gfl_io_join(path, sizeof path, tmp, "a_exact.npy")) != GFL_OK ||
            (st = gfl_npy_write(path, run->a_exact, 2, sha)) != GFL_OK ||
            (st = gfl_io_join(path, sizeof path, tmp, "W_exact.npy")) != GFL_OK ||
            (st = gfl_npy_write(path, run->W_exact, 3, shWe)) != GFL_OK)
            goto cleanup;
    }
    if ((st = gfl_io_join(path, sizeof path, tmp, "trace.json")) != GFL_OK)
        goto cleanup;
    st = gfl_report_write_json(path, doc);
cleanup:
    if (sx)
        gfl_npy_stream_abort(sx);
    if (sy)
        gfl_npy_stream_abort(sy);
    return st;
}

gfl_status gfl_report_dump(const char *dir, const gfl_problem *pb, const gfl_run *run,
                           const json_t *doc)
{
    char tmp[4096];
    const gfl_config *c = &pb->cfg;
    double *X = malloc((size_t)c->n * (size_t)c->d * sizeof(double));
    double *Y = malloc((size_t)c->n * sizeof(double));
    gfl_status st;
    if (!X || !Y) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the dump");
        goto cleanup;
    }
    if ((st = gfl_io_dir_begin(dir, tmp, sizeof tmp)) != GFL_OK)
        goto cleanup;
    st = dump_arrays(tmp, pb, run, doc, X, Y);
    if (st == GFL_OK)
        st = gfl_io_dir_commit(tmp, dir);
    if (st != GFL_OK)
        gfl_io_dir_abort(tmp);
cleanup:
    free(X);
    free(Y);
    return st;
}
