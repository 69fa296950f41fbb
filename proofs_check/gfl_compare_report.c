/* The comparison's report model: console text, JSON and figure of
 * `gfl compare` (gfl_compare_report.h). */
#include "gfl_compare_report.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "gfl_output.h"
#include "gfl_plot.h"
#include "gfl_report.h"

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

json_t *gfl_compare_report_json(const gfl_config *cfg, const gfl_compare_result *r)
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
        json_object_set_new(o, r->name[p], f);
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

gfl_status gfl_compare_plot(const char *dir, const gfl_config *cfg, const gfl_compare_result *r)
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
    snprintf(title, sizeof title, "%s: %s (prec %ld) vs %s, d=%d m=%d n=%d; %s; %s", gfl_case_name(cfg->case_id),
             r->name[0], cfg->prec, r->name[1], cfg->d, cfg->m, cfg->n, split, gfl_compare_verdict_name(r->verdict));
    gfl_plot_series s[3] = {{"a", x, ya, T, "lines"}, {"W", x, yw, T, "lines"}, {"batch loss", x, yl, T, "lines"}};
    gfl_plot_opts po = {title, "step t", "normwise relative difference (0 drawn at 1e-18)", 1};
    int png_new = gfl_output_is_new(png);
    gfl_status st = gfl_plot_xy(png, &po, s, 3);
    if (st == GFL_OK)
        gfl_output_note_figure(png, png_new, png_new);
    free(buf);
    return st;
}

void gfl_compare_print(const gfl_config *cfg, const gfl_compare_result *r)
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
    printf("final test loss: %s %.10f %s %.10f; 0-1 error: %s %.4f %s %.4f\n", r->name[0], r->test_loss[0],
           r->name[1], r->test_loss[1], r->name[0], r->test_error[0], r->name[1], r->test_error[1]);
    printf("verdict: %s%s%s\n", gfl_compare_verdict_name(r->verdict), r->reason[0] ? " -- " : "", r->reason);
}

void gfl_compare_print_row(const gfl_config *cfg, const gfl_compare_result *r)
{
    char split[16] = "none";
    if (r->first_split_step)
        snprintf(split, sizeof split, "%d%s", r->first_split_step, r->explained ? "" : "!");
    for (int p = 0; p < 2; p++)
        printf("%-15s %-5s %4d %5d %5d %5d %12.6f %9.4f %13.3g %6s %8.2f %7s\n", gfl_case_name(cfg->case_id),
               r->name[p], cfg->d, cfg->m, cfg->n, cfg->T, r->test_loss[p], r->test_error[p], r->max_rel_diff, split,
               r->seconds[p], gfl_compare_verdict_name(r->verdict));
    if (r->verdict != GFL_COMPARE_PASS)
        printf("  %s: %s\n", gfl_case_name(cfg->case_id), r->reason);
}
