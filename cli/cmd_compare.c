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
#include "gfl_fast.h"
#include "gfl_limits.h"
#include "gfl_plot.h"
#include "gfl_ref.h"
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

static json_t *step_array(const gfl_compare_result *r, size_t off, int is_long)
{
    json_t *v = json_array();
    for (int t = 1; t <= r->T; t++) {
        const char *p = (const char *)&r->steps[t] + off;
        if (is_long)
            json_array_append_new(v, json_integer(*(const long *)p));
        else
            json_array_append_new(v, gfl_json_real(*(const double *)p));
    }
    return v;
}

static json_t *result_json(const gfl_config *cfg, const gfl_compare_result *r)
{
    json_t *o = json_object(), *steps = json_object();
    json_object_set_new(o, "config", gfl_report_config(cfg, "both"));
    json_object_set_new(o, "verdict", json_string(gfl_compare_verdict_name(r->verdict)));
    json_object_set_new(o, "verdict_reason", json_string(r->reason));
    json_object_set_new(o, "tolerance", json_real(r->tol));
    json_object_set_new(o, "max_rel_diff", gfl_json_real(r->max_rel_diff));
    json_object_set_new(o, "max_rel_a", gfl_json_real(r->max_rel_a));
    json_object_set_new(o, "max_rel_W", gfl_json_real(r->max_rel_W));
    json_object_set_new(o, "max_rel_loss", gfl_json_real(r->max_rel_loss));
    json_object_set_new(o, "first_split_step",
                        r->first_split_step ? json_integer(r->first_split_step) : json_null());
    json_object_set_new(o, "explained", r->first_split_step ? json_boolean(r->explained) : json_null());
    json_object_set_new(o, "first_split_decisions", json_integer(r->first_split_decisions));
    json_object_set_new(o, "first_split_unexplained", json_integer(r->first_split_unexplained));
    json_object_set_new(o, "ambiguous_total", json_integer(r->ambiguous_total));
    json_object_set_new(o, "ambiguous_before_split", json_integer(r->ambiguous_before_split));
    json_object_set_new(o, "unexplained_total", json_integer(r->unexplained_total));
    json_object_set_new(o, "first_unexplained_step",
                        r->first_unexplained_step ? json_integer(r->first_unexplained_step) : json_null());
    if (r->selfcheck_run) {
        json_t *sc = json_object();
        json_object_set_new(sc, "bits", gfl_json_real(r->selfcheck_bits));
        json_object_set_new(sc, "prec", json_integer(r->prec));
        json_object_set_new(sc, "prec_check", json_integer(r->prec_check));
        json_object_set_new(sc, "required_bits", json_integer(r->prec - GFL_COMPARE_CHECK_SLACK));
        json_object_set_new(sc, "trusted", json_boolean(r->trusted));
        json_object_set_new(o, "ref_selfcheck", sc);
    } else {
        json_object_set_new(o, "ref_selfcheck", json_null());
    }
    for (int p = 0; p < 2; p++) {
        json_t *f = json_object();
        json_object_set_new(f, "test_loss", gfl_json_real(r->test_loss[p]));
        json_object_set_new(f, "test_error", gfl_json_real(r->test_error[p]));
        json_object_set_new(f, "seconds", json_real(r->seconds[p]));
        json_object_set_new(o, p == 0 ? "ref" : "fast", f);
    }
    json_object_set_new(o, "check_seconds", json_real(r->seconds_check));
    json_t *tt = json_array();
    for (int t = 1; t <= r->T; t++)
        json_array_append_new(tt, json_integer(t));
    json_object_set_new(steps, "t", tt);
#define STEP_ARRAY(field, is_long) \
    json_object_set_new(steps, #field, step_array(r, offsetof(gfl_compare_step, field), is_long))
    STEP_ARRAY(rel_a, 0);
    STEP_ARRAY(rel_W, 0);
    STEP_ARRAY(rel_loss, 0);
    STEP_ARRAY(relu_split, 1);
    STEP_ARRAY(hinge_split, 1);
    STEP_ARRAY(relu_ambiguous, 1);
    STEP_ARRAY(hinge_ambiguous, 1);
    STEP_ARRAY(unexplained, 1);
    STEP_ARRAY(selfcheck_bits, 0);
#undef STEP_ARRAY
    json_object_set_new(o, "steps", steps);
    return o;
}

/* Per-step relative differences on a log scale; exact agreement (0) is drawn
 * at the floor so that the curve stays visible. */
#define PLOT_FLOOR 1e-18

static gfl_status plot_one(const char *dir, const gfl_config *cfg, const gfl_compare_result *r)
{
    char png[4096], title[300];
    int T = r->T;
    double *buf = malloc((size_t)4 * (size_t)T * sizeof(double));
    if (!buf)
        GFL_ERROR(GFL_ENOMEM, "out of memory for a figure");
    double *x = buf, *ya = buf + T, *yw = buf + 2 * T, *yl = buf + 3 * T;
    for (int t = 1; t <= T; t++) {
        const gfl_compare_step *s = &r->steps[t];
        x[t - 1] = t;
        ya[t - 1] = fmax(s->rel_a, PLOT_FLOOR);
        yw[t - 1] = fmax(s->rel_W, PLOT_FLOOR);
        yl[t - 1] = fmax(s->rel_loss, PLOT_FLOOR);
    }
    snprintf(png, sizeof png, "%s/compare_%s.png", dir, gfl_case_name(cfg->case_id));
    char split[64] = "no branch split";
    if (r->first_split_step)
        snprintf(split, sizeof split, "first split at step %d (%s)", r->first_split_step,
                 r->explained ? "explained" : "unexplained");
    snprintf(title, sizeof title, "%s: ref (prec %ld) vs fast, d=%d m=%d n=%d; %s; %s", gfl_case_name(cfg->case_id),
             cfg->prec, cfg->d, cfg->m, cfg->n, split, gfl_compare_verdict_name(r->verdict));
    gfl_plot_series s[3] = {{"a", x, ya, T, "lines"}, {"W", x, yw, T, "lines"}, {"batch loss", x, yl, T, "lines"}};
    gfl_plot_opts po = {title, "step t", "normwise relative difference (0 drawn at 1e-18)", 1};
    int png_new = gfl_cli_is_new(png);
    gfl_status st = gfl_plot_xy(png, &po, s, 3);
    if (st == GFL_OK)
        gfl_cli_note_figure(png, png_new, png_new);
    free(buf);
    return st;
}

static void print_verbose(const gfl_config *cfg, const gfl_compare_result *r)
{
    printf("gfl compare: case %s, seed %llu, prec %ld (d=%d m=%d n=%d T=%d)\n", gfl_case_name(cfg->case_id),
           (unsigned long long)cfg->seed, cfg->prec, cfg->d, cfg->m, cfg->n, cfg->T);
    printf("max rel diff before any branch split: a %.3g, W %.3g, losses %.3g (tolerance %.0e)\n",
           r->max_rel_a, r->max_rel_W, r->max_rel_loss, r->tol);
    printf("ambiguous decisions: %ld over all steps, %ld before the first split\n", r->ambiguous_total,
           r->ambiguous_before_split);
    if (r->first_split_step)
        printf("first branch split at step %d: %ld differing decisions, %s (%ld outside the threshold)\n",
               r->first_split_step, r->first_split_decisions, r->explained ? "explained" : "UNEXPLAINED",
               r->first_split_unexplained);
    else
        printf("no branch split\n");
    if (r->unexplained_total)
        printf("unexplained differing decisions: %ld, first at step %d\n", r->unexplained_total,
               r->first_unexplained_step);
    if (r->selfcheck_run)
        printf("reference self-check: prec %ld vs %ld agree to %.1f bits (need %ld): %s\n", r->prec, r->prec_check,
               r->selfcheck_bits, r->prec - GFL_COMPARE_CHECK_SLACK, r->trusted ? "trusted" : "NOT trusted");
    printf("final test loss: ref %.10f fast %.10f; 0-1 error: ref %.4f fast %.4f\n", r->test_loss[0],
           r->test_loss[1], r->test_error[0], r->test_error[1]);
    printf("verdict: %s%s%s\n", gfl_compare_verdict_name(r->verdict), r->reason[0] ? " -- " : "", r->reason);
}

static gfl_status compare_one(const gfl_config *cfg, const compare_opts *o, int verbose, json_t **doc,
                              int *failed)
{
    gfl_problem pb;
    gfl_compare_result res;
    gfl_limits_job job = {GFL_WORK_COMPARE, 1, 0, 0};
    unsigned long buf;
    int nbuf = gfl_fast_blas_buffers(1, &buf);
    GFL_TRY(gfl_limits_check(cfg, &job, nbuf, buf)); /* before any work */
    GFL_TRY(gfl_problem_init(&pb, cfg));
    gfl_status st = gfl_compare_run(&pb, &gfl_ref_engine, &gfl_fast_engine, &res);
    if (st == GFL_OK) {
        if (verbose) {
            print_verbose(cfg, &res);
        } else {
            char split[16] = "none";
            if (res.first_split_step)
                snprintf(split, sizeof split, "%d%s", res.first_split_step, res.explained ? "" : "!");
            for (int p = 0; p < 2; p++)
                printf("%-15s %-5s %4d %5d %5d %5d %12.6f %9.4f %13.3g %6s %8.2f %7s\n", gfl_case_name(cfg->case_id),
                       p ? "fast" : "ref", cfg->d, cfg->m, cfg->n, cfg->T, res.test_loss[p], res.test_error[p],
                       res.max_rel_diff, split, res.seconds[p], gfl_compare_verdict_name(res.verdict));
            if (res.verdict != GFL_COMPARE_PASS)
                printf("  %s: %s\n", gfl_case_name(cfg->case_id), res.reason);
        }
        fflush(stdout);
        *failed |= res.verdict != GFL_COMPARE_PASS;
        *doc = result_json(cfg, &res);
        if (o->plot)
            st = plot_one(o->plot, cfg, &res);
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
    if ((o.json && (st = gfl_cli_check_output_file(o.json)) != GFL_OK) ||
        (o.plot && (st = gfl_cli_check_figure_dir(o.plot)) != GFL_OK))
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
    if (o.plot && (st = gfl_cli_make_figure_dir(o.plot)) != GFL_OK)
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
