/* gfl compare: the differential checker, ref and fast in lockstep (SPEC 9;
 * docs/compare.md).  Exit code 1 when a verdict is FAIL. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_cli.h"
#include "gfl_compare.h"
#include "gfl_compare_report.h"
#include "gfl_limits.h"
#include "gfl_plot.h"
#include "gfl_report.h"

typedef struct {
    const char *json, *plot;
} compare_opts;

static const gfl_cli_extra extras[] = {
    {"all", 0, "", "every case study with its own defaults; prints one table"},
    {"json", 1, "FILE", "write the comparison as JSON"},
    {"plot", 1, "DIR", "figure of the per-step relative differences, DIR/compare_<case>.png"},
    {NULL, 0, NULL, NULL}};

static gfl_status on_extra(void *ctx, const char *name, const char *value)
{
    compare_opts *o = ctx;
    if (strcmp(name, "json") == 0)
        o->json = value;
    else if (strcmp(name, "plot") == 0)
        o->plot = value;
    return GFL_OK;
}

static gfl_status compare_one(const gfl_config *cfg, const compare_opts *o, int verbose, json_t **doc,
                              int *failed)
{
    gfl_problem pb;
    gfl_compare_result res;
    const gfl_path *path[2] = {gfl_path_reference(), gfl_path_tested()};
    gfl_limits_job job = {GFL_WORK_COMPARE, 1, 0, 0};
    unsigned long buf;
    int nbuf = gfl_path_buffers(path[1], &buf);
    GFL_TRY(gfl_limits_check_path(cfg, &job, path[1]->name, nbuf, buf)); /* before any work */
    GFL_TRY(gfl_problem_init(&pb, cfg));
    gfl_status st = gfl_compare_run(&pb, path[0], path[1], &res);
    if (st == GFL_OK) {
        if (verbose)
            gfl_compare_print(cfg, &res);
        else
            gfl_compare_print_row(cfg, &res);
        fflush(stdout);
        *failed |= res.verdict != GFL_COMPARE_PASS;
        *doc = gfl_compare_report_json(cfg, &res);
        if (o->plot)
            st = gfl_compare_plot(o->plot, cfg, &res);
        gfl_compare_clear(&res);
    }
    gfl_problem_clear(&pb);
    return st;
}

int gfl_cmd_compare(int argc, char **argv)
{
    compare_opts o = {NULL, NULL};
    gfl_cli_common cm;
    json_t *out = NULL;
    int failed = 0;
    gfl_status st = gfl_cli_parse(argc, argv, extras, on_extra, &o, -1, &cm);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (cm.help) {
        gfl_cli_usage("compare", "--case C|--all [--json FILE] [--plot DIR] [options]", extras, &cm.cfg);
        return 0;
    }
    if (cm.case_given == cm.all) {
        fprintf(stderr, "gfl: compare: give exactly one of --case C and --all (try 'gfl cases')\n");
        return 2;
    }
    if ((o.json && (st = gfl_output_check_file(o.json)) != GFL_OK) ||
        (o.plot && (st = gfl_output_check_figure_dir(o.plot)) != GFL_OK))
        return gfl_cli_fail(st);
    /* every case's options before any work or directory */
    for (int c = 0; cm.all && c < GFL_NCASES; c++) {
        gfl_cli_common cc;
        if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, c, &cc)) != GFL_OK ||
            (st = gfl_config_validate(&cc.cfg)) != GFL_OK)
            return gfl_cli_fail(st);
    }
    if (!cm.all && (st = gfl_config_validate(&cm.cfg)) != GFL_OK)
        return gfl_cli_fail(st);
    if (o.plot && (st = gfl_output_make_figure_dir(o.plot)) != GFL_OK)
        return gfl_cli_fail(st);
    if (!cm.all) {
        if ((st = gfl_config_validate(&cm.cfg)) != GFL_OK ||
            (st = compare_one(&cm.cfg, &o, 1, &out, &failed)) != GFL_OK)
            goto done;
    } else {
        json_t *runs = json_array();
        out = json_object();
        json_object_set_new(out, "runs", runs);
        printf("%-15s %-5s %4s %5s %5s %5s %12s %9s %13s %6s %8s %7s\n", "case", "path", "d", "m", "n", "T",
               "test_loss", "test_err", "max_rel_diff", "split", "seconds", "verdict");
        for (int c = 0; c < GFL_NCASES; c++) {
            gfl_cli_common cc;
            json_t *doc = NULL;
            if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, c, &cc)) != GFL_OK ||
                (st = gfl_config_validate(&cc.cfg)) != GFL_OK)
                goto done;
            st = compare_one(&cc.cfg, &o, 0, &doc, &failed);
            if (doc)
                json_array_append_new(runs, doc);
            if (st != GFL_OK)
                goto done;
        }
        json_object_set_new(out, "verdict", json_string(failed ? "FAIL" : "PASS"));
    }
    gfl_cli_print_reproduce(argc, argv, &cm);
    if (o.json)
        st = gfl_report_write_json(o.json, out);
done:
    json_decref(out);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    return failed ? 1 : 0;
}
