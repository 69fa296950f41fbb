/* gfl bench: the speed of a path's training steps against the BLAS matrix
 * product, measured in one process (make bench, docs/performance.md). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gfl_bench.h"
#include "gfl_cli.h"
#include "gfl_limits.h"
#include "gfl_report.h"

typedef struct {
    const char *path, *json;
    long dgemm;
} bench_opts;

static const gfl_cli_extra extras[] = {
    {"path", 1, "P", "ref (MPFR) or fast (double, BLAS) [fast]"},
    {"dgemm", 1, "N", "also time cblas_dgemm on N x N matrices (0: not) [0]"},
    {"json", 1, "FILE", "write the figures as JSON"},
    {NULL, 0, NULL, NULL}};

static gfl_status on_extra(void *ctx, const char *name, const char *value)
{
    bench_opts *o = ctx;
    if (strcmp(name, "path") == 0)
        o->path = value;
    else if (strcmp(name, "json") == 0)
        o->json = value;
    else if (strcmp(name, "dgemm") == 0) {
        GFL_TRY(gfl_parse_long(value, &o->dgemm));
        if (o->dgemm != 0 && (o->dgemm < GFL_BENCH_DGEMM_MIN || o->dgemm > GFL_BENCH_DGEMM_MAX))
            GFL_ERROR(GFL_EINVAL, "--dgemm %s: give 0 or a size in [%d, %d]", value, GFL_BENCH_DGEMM_MIN,
                      GFL_BENCH_DGEMM_MAX);
    }
    return GFL_OK;
}

int gfl_cmd_bench(int argc, char **argv)
{
    bench_opts o = {gfl_path_tested()->name, NULL, 0};
    gfl_cli_common cm;
    const gfl_path *path;
    gfl_problem pb;
    gfl_status st = gfl_cli_parse(argc, argv, extras, on_extra, &o, -1, &cm);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (cm.help) {
        gfl_cli_usage("bench", "--case C [--path ref|fast] [--dgemm N] [--json FILE] [options]", extras, &cm.cfg);
        return 0;
    }
    if (!cm.case_given || cm.all) {
        fprintf(stderr, "gfl: bench: give one --case C (try 'gfl cases')\n");
        return 2;
    }
    if ((st = gfl_path_lookup_engine(o.path, &path)) != GFL_OK ||
        (o.json && (st = gfl_output_check_file(o.json)) != GFL_OK) ||
        (st = gfl_config_validate(&cm.cfg)) != GFL_OK)
        return gfl_cli_fail(st);
    const gfl_engine_vt *vt = path->engine;
    gfl_limits_job job = {GFL_WORK_TRAIN, path->at_prec, 0, 0};
    unsigned long buf;
    int nbuf = gfl_path_buffers(path, &buf);
    if ((st = gfl_limits_check_path(&cm.cfg, &job, path->name, nbuf, buf)) != GFL_OK ||
        (st = gfl_problem_init(&pb, &cm.cfg)) != GFL_OK)
        return gfl_cli_fail(st);
    const gfl_config *c = &cm.cfg;
    double sec = 0.0, med = 0.0, gf_dgemm = 0.0;
    int reps = 0;
    st = gfl_bench_steps(vt, &pb, &sec, &med);
    gfl_problem_clear(&pb);
    if (st == GFL_OK && o.dgemm > 0)
        st = gfl_bench_dgemm((int)o.dgemm, 1.0, &gf_dgemm, &reps);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    double flops = 6.0 * c->n * (double)c->m * c->d * c->T; /* forward and two gradient products */
    double gf = sec > 0.0 ? flops / sec / 1e9 : 0.0;
    printf("gfl bench: case %s, path %s, d=%d m=%d n=%d T=%d\n", gfl_case_name(c->case_id), path->name, c->d, c->m,
           c->n, c->T);
    printf("steps: %.4f s (%.3g s per step, median %.3g s), %.2f GFLOP/s-equivalent (6 n m d per step)\n", sec,
           sec / c->T, med, gf);
    json_t *doc = json_object();
    json_object_set_new(doc, "config", gfl_report_config(c, path->name));
    json_object_set_new(doc, "versions", gfl_cli_versions());
    json_object_set_new(doc, "step_seconds", json_real(sec));
    json_object_set_new(doc, "step_median_seconds", json_real(med));
    json_object_set_new(doc, "gflops_equivalent", json_real(gf));
    if (o.dgemm > 0) {
        printf("dgemm %ld^3: %.2f GFLOP/s (best of %d)\n", o.dgemm, gf_dgemm, reps);
        printf("path / dgemm: %.3f\n", gf_dgemm > 0.0 ? gf / gf_dgemm : 0.0);
        json_object_set_new(doc, "dgemm", json_pack("{s:I, s:f, s:i}", "n", (json_int_t)o.dgemm, "gflops",
                                                     gf_dgemm, "reps", reps));
        json_object_set_new(doc, "ratio_to_dgemm", json_real(gf_dgemm > 0.0 ? gf / gf_dgemm : 0.0));
    }
    if (o.json)
        st = gfl_report_write_json(o.json, doc);
    json_decref(doc);
    gfl_cli_print_reproduce(argc, argv, &cm);
    return st == GFL_OK ? 0 : gfl_cli_fail(st);
}
