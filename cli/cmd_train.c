/* gfl train: Algorithm 1 with one path; --json and --dump (SPEC 10). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_io.h"
#include "gfl_limits.h"
#include "gfl_report.h"
#include "gfl_train.h"

typedef struct {
    const char *path, *json, *dump;
} train_opts;

static const gfl_cli_extra extras[] = {
    {"path", 1, "P", "ref (MPFR) or fast (double, BLAS) [fast]"},
    {"all", 0, "", "every case study with its own defaults; prints one table"},
    {"json", 1, "FILE", "write config, versions, trace and final figures as JSON"},
    {"dump", 1, "DIR", "write the arrays of SPEC 10 (.npy) and trace.json to a new directory"},
    {NULL, 0, NULL, NULL}};

static gfl_status on_extra(void *ctx, const char *name, const char *value)
{
    train_opts *o = ctx;
    if (strcmp(name, "path") == 0)
        o->path = value;
    else if (strcmp(name, "json") == 0)
        o->json = value;
    else if (strcmp(name, "dump") == 0)
        o->dump = value;
    return GFL_OK;
}

static void print_run(const gfl_config *c, const gfl_run *run, const char *path)
{
    printf("gfl train: case %s, path %s, seed %llu (d=%d m=%d n=%d T=%d, loss %s)\n",
           gfl_case_name(c->case_id), path, (unsigned long long)c->seed, c->d, c->m, c->n, c->T,
           gfl_loss_name(c->loss));
    printf("%6s %11s %11s %10s %10s %10s\n", "t", "batch_loss", "test_loss", "test_err", "|a|", "|W|_F");
    for (int t = 0; t <= run->T; t++) {
        const gfl_trace_rec *r = &run->rec[t];
        if (!r->evaluated)
            continue;
        char bl[32] = "-"; /* no batch before the first step */
        if (!isnan(r->batch_loss))
            snprintf(bl, sizeof bl, "%.5f", r->batch_loss);
        printf("%6d %11s %11.5f %10.4f %10.4g %10.4g\n", t, bl, r->test_loss, r->test_error, r->norm_a,
               r->norm_W);
    }
    printf("final: test loss %.6f, test 0-1 error %.4f (n_test %d), %.2f s\n", run->test_loss,
           run->test_error, c->n_test, run->train_seconds);
}

/* Trains one configuration; on success the JSON document of the run is in *doc. */
static gfl_status train_one(const gfl_config *cfg, const gfl_path *path, int verbose,
                            const char *dump, json_t **doc)
{
    const gfl_engine_vt *vt = path->engine;
    gfl_problem pb;
    gfl_run run;
    gfl_status st;
    gfl_limits_job job = {GFL_WORK_TRAIN, path->at_prec, 0, 0};
    unsigned long buf;
    int nbuf = gfl_path_buffers(path, &buf);
    GFL_TRY(gfl_limits_check_path(cfg, &job, path->name, nbuf, buf)); /* before any work */
    GFL_TRY(gfl_problem_init(&pb, cfg));
    if ((st = gfl_run_init(&run, cfg)) != GFL_OK) {
        gfl_problem_clear(&pb);
        return st;
    }
    st = gfl_train(vt, &pb, &run, NULL, NULL);
    if (st == GFL_OK) {
        if (verbose)
            print_run(cfg, &run, path->name);
        else
            printf("%-15s %-5s %4d %5d %5d %5d %12.6f %9.4f %9.2f\n", gfl_case_name(cfg->case_id),
                   path->name, cfg->d, cfg->m, cfg->n, cfg->T, run.test_loss, run.test_error,
                   run.train_seconds);
        *doc = json_object();
        json_object_set_new(*doc, "config", gfl_report_config(cfg, path->name));
        json_object_set_new(*doc, "versions", gfl_cli_versions());
        gfl_report_run(*doc, cfg, &run);
        if (dump && (st = gfl_report_dump(dump, &pb, &run, *doc)) == GFL_OK)
            gfl_io_track(dump, GFL_IO_NEW_DIR); /* removed if --json fails after it */
    }
    gfl_run_clear(&run);
    gfl_problem_clear(&pb);
    return st;
}

int gfl_cmd_train(int argc, char **argv)
{
    train_opts o = {gfl_path_tested()->name, NULL, NULL}; /* the path under test by default */
    gfl_cli_common cm;
    const gfl_path *path;
    json_t *out = NULL;
    gfl_status st = gfl_cli_parse(argc, argv, extras, on_extra, &o, -1, &cm);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (cm.help) {
        gfl_cli_usage("train", "--case C|--all [--path ref|fast] [options]", extras, &cm.cfg);
        return 0;
    }
    if (cm.case_given == cm.all) {
        fprintf(stderr, "gfl: train: give exactly one of --case C and --all (try 'gfl cases')\n");
        return 2;
    }
    if (cm.all && o.dump) {
        fprintf(stderr, "gfl: train: --dump takes one case, not --all\n");
        return 2;
    }
    if ((st = gfl_path_lookup_engine(o.path, &path)) != GFL_OK ||
        (o.json && (st = gfl_output_check_file(o.json)) != GFL_OK) ||
        (o.dump && (st = gfl_output_check_dir(o.dump)) != GFL_OK))
        return gfl_cli_fail(st);
    /* Every case's options are checked before any work, so that a bad value
     * for the last case of --all does not fail after the others ran. */
    for (int c = 0; cm.all && c < GFL_NCASES; c++) {
        gfl_cli_common cc;
        if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, c, &cc)) != GFL_OK ||
            (st = gfl_config_validate(&cc.cfg)) != GFL_OK)
            return gfl_cli_fail(st);
    }
    if (!cm.all) {
        if ((st = gfl_config_validate(&cm.cfg)) != GFL_OK ||
            (st = train_one(&cm.cfg, path, 1, o.dump, &out)) != GFL_OK)
            goto done;
        gfl_cli_print_reproduce(argc, argv, &cm);
    } else {
        /* Every case parsed with its own defaults, so the options are checked per case. */
        json_t *runs = json_array();
        out = json_object();
        json_object_set_new(out, "runs", runs);
        printf("%-15s %-5s %4s %5s %5s %5s %12s %9s %9s\n", "case", "path", "d", "m", "n", "T",
               "test_loss", "test_err", "seconds");
        for (int c = 0; c < GFL_NCASES; c++) {
            gfl_cli_common cc;
            json_t *doc = NULL;
            if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, c, &cc)) != GFL_OK ||
                (st = gfl_config_validate(&cc.cfg)) != GFL_OK ||
                (st = train_one(&cc.cfg, path, 0, NULL, &doc)) != GFL_OK)
                goto done;
            json_array_append_new(runs, doc);
        }
        gfl_cli_print_reproduce(argc, argv, &cm);
    }
    if (o.json)
        st = gfl_report_write_json(o.json, out);
done:
    json_decref(out);
    return st == GFL_OK ? 0 : gfl_cli_fail(st);
}
