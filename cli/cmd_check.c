/* gfl check: the theorem's proof chain on the case studies (SPEC 5, 6).
 * Parses, hands the request to the library (proofs_check/gfl_check.h: the
 * presets, defaults and ranges live there) and writes the report it builds. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gfl_check.h"
#include "gfl_check_report.h"
#include "gfl_cli.h"
#include "gfl_report.h"
#include "gfl_sweep.h"

typedef struct {
    const char *path, *json, *report;
    gfl_check_params p;
    int strict;
    gfl_sweep_check_opts sw;
} check_opts;

static const gfl_cli_extra extras[] = {
    {"path", 1, "P", "ref, fast, or both: ref on the small preset and fast on the default one [both]"},
    {"all", 0, "", "every case study with its own defaults"},
    {"seeds", 1, "S", "delta check over S seeds (seed, seed+1, ...) [1: off]"},
    {"sweep", 1, "DIR", "run the S seeds as a sweep in DIR (a run per seed and case), merge, delta check"},
    {"backend", 1, "B", "with --sweep: local, parallel or slurm (submits; merge later) [local]"},
    {"jobs", 1, "N", "with --sweep: worker processes of the local and parallel backends [all cores]"},
    {"delta", 1, "D", "failure probability the delta check compares with [0.1]"},
    {"delta0", 1, "D", "C2: Chebyshev tail level [0.1]"},
    {"level", 1, "L", "confidence level of the statistical links [0.95]"},
    {"c-n", 1, "C", "a-priori form constant c_n [1]"},
    {"eps", 1, "E", "a-priori form target eps [0]"},
    {"n-pop", 1, "N", "Monte Carlo size of population evaluations [32768]"},
    {"json", 1, "FILE", "write the report as JSON"},
    {"report", 1, "DIR", "write report.json, report.md and figures into DIR"},
    {"strict", 0, "", "exit 1 on any FAIL, VIOLATED, UNCERTIFIED or INCONCLUSIVE link (make proofs)"},
    {NULL, 0, NULL, NULL}};

static gfl_status on_extra(void *ctx, const char *name, const char *value)
{
    check_opts *o = ctx;
    const gfl_path *p;
    int known = 0;
    GFL_TRY(gfl_sweep_check_option(&o->sw, name, value, &known));
    if (known)
        return GFL_OK;
    if (strcmp(name, "path") == 0) {
        if (strcmp(value, "both") != 0 && gfl_path_lookup_engine(value, &p) != GFL_OK) {
            gfl_error_clear();
            GFL_ERROR(GFL_EINVAL, "--path: unknown value '%s' (ref, fast or both)", value);
        }
        o->path = value;
    } else if (strcmp(name, "strict") == 0) {
        o->strict = 1;
    } else if (strcmp(name, "json") == 0) {
        o->json = value;
    } else if (strcmp(name, "report") == 0) {
        o->report = value;
    } else {
        return gfl_check_param_set(&o->p, name, value);
    }
    return GFL_OK;
}

static void on_case(void *ctx, const gfl_check_case *c)
{
    (void)ctx;
    gfl_check_print_case(c);
}

int gfl_cmd_check(int argc, char **argv)
{
    check_opts o;
    memset(&o, 0, sizeof o);
    o.path = "both";
    gfl_check_defaults(&o.p);
    gfl_sweep_check_init(&o.sw);
    gfl_cli_common cm;
    gfl_status st = gfl_cli_parse(argc, argv, extras, on_extra, &o, -1, &cm);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (cm.help) {
        gfl_cli_usage("check", "--case C|--all [--path ref|fast|both] [options]", extras, &cm.cfg);
        return 0;
    }
    if (cm.case_given == cm.all) {
        fprintf(stderr, "gfl: check: give exactly one of --case C and --all (try 'gfl cases')\n");
        return 2;
    }
    if ((st = gfl_sweep_check_validate(&o.sw, o.json || o.report)) != GFL_OK)
        return gfl_cli_fail(st);
    /* --report is written like --dump: a new or empty directory, filled under
     * a temporary name and renamed into place only when complete */
    if ((o.json && (st = gfl_output_check_file(o.json)) != GFL_OK) ||
        (o.report && (st = gfl_output_check_dir(o.report)) != GFL_OK))
        return gfl_cli_fail(st);
    gfl_check_request rq;
    gfl_check_report rep;
    gfl_check_request_init(&rq, gfl_paths);
    rq.path = gfl_path_find(o.path); /* NULL for both */
    rq.all = cm.all;
    rq.case_id = cm.cfg.case_id;
    rq.settings = &cm.set;
    rq.params = o.p;
    rq.strict = o.strict;
    if (o.sw.dir) { /* the seeds as a sweep: the library plans, runs, merges and prints */
        int bad = 0;
        st = gfl_sweep_check(&rq, &o.sw, stdout, &bad);
        return st != GFL_OK ? gfl_cli_fail(st) : bad ? 1 : 0;
    }
    if ((st = gfl_check_plan(&rq, &rep)) != GFL_OK)
        return gfl_cli_fail(st);
    st = gfl_check_execute(&rq, &rep, on_case, NULL);
    if (st == GFL_OK) {
        gfl_check_print_summary(&rep);
        gfl_cli_print_reproduce(argc, argv, &cm);
        json_t *doc = gfl_check_report_json(&rq, &rep);
        if (o.report)
            st = gfl_check_report_write(o.report, doc, &rep);
        /* last, so that its failure can still remove the report (gfl_cli_fail) */
        if (st == GFL_OK && o.json)
            st = gfl_report_write_json(o.json, doc);
        json_decref(doc);
    }
    int ok = rep.ok;
    gfl_check_report_clear(&rep);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    return ok ? 0 : 1;
}
