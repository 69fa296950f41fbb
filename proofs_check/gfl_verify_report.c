/* The report of gfl verify: human table, JSON (docs/verify.md) and figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_plot.h"
#include "gfl_report.h"
#include "gfl_verify.h"

#define PLOT_FLOOR 1e-18 /* a zero difference on the log scale */

static void fmt(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2e", v);
}

void gfl_verify_print(FILE *f, const gfl_dump *dp, const gfl_traj *tr, const char *traj_dir,
                      const gfl_verify_result *r)
{
    const gfl_config *c = &dp->cfg;
    fprintf(f, "gfl verify: %s (writer \"%s\", %s, u = 2^%d) against the ref path (MPFR, %ld bits)\n",
            traj_dir, tr->writer, tr->float32 ? "float32" : "float64", tr->float32 ? -24 : -53, r->prec);
    fprintf(f, "instance: case %s, d=%d m=%d n=%d T=%d, loss %s; %d states listed (steps %d..%d)%s\n",
            gfl_case_name(c->case_id), c->d, c->m, c->n, c->T, gfl_loss_name(c->loss), tr->S, tr->steps[0],
            tr->steps[tr->S - 1], tr->loss ? ", with batch losses" : "");
    fprintf(f, "%6s %9s %9s %9s %9s %9s | %9s %9s %9s %5s %6s\n", "t", "rel_a", "rel_W", "rel_loss", "tol_a",
            "tol_W", "local", "tol_loc", "loc/tol", "amb", "status");
    int every = tr->S > 40 ? (tr->S + 19) / 20 : 1;
    for (int s = 0; s < tr->S; s++) {
        const gfl_verify_step *v = &r->steps[s];
        if (s % every && s != tr->S - 1 && v->status == GFL_VSTEP_OK && v->t != r->first_fail_step)
            continue;
        char b[8][16];
        double ratio = fmax(v->local_a, v->local_W);
        if (!isnan(v->local_loss))
            ratio = fmax(ratio, v->local_loss);
        fmt(b[0], 16, v->rel_a), fmt(b[1], 16, v->rel_W), fmt(b[2], 16, v->rel_loss);
        fmt(b[3], 16, v->tol_a), fmt(b[4], 16, v->tol_W), fmt(b[5], 16, v->rel_local);
        fmt(b[6], 16, v->tol_local), fmt(b[7], 16, ratio);
        fprintf(f, "%6d %9s %9s %9s %9s %9s | %9s %9s %9s %5ld %6s\n", v->t, b[0], b[1], b[2], b[3], b[4], b[5],
                b[6], b[7], v->relu_ambiguous + v->hinge_ambiguous, gfl_vstep_status_name(v->status));
    }
    if (every > 1)
        fprintf(f, "(one listed step in %d shown, the last one and every one that is not ok)\n", every);
    fprintf(f, "drift (against the reference trajectory from a0, W0): %s its enclosure at every listed step\n",
            r->drift_within ? "within" : "NOT within");
    fprintf(f, "local (one replayed step from the outside's own state): max |difference| / bound = %.3g\n",
            r->max_local);
    fprintf(f, "ambiguous decisions: %ld; ", r->ambiguous_total);
    if (r->first_split_step)
        fprintf(f, "first explained split at step %d\n", r->first_split_step);
    else
        fprintf(f, "no split\n");
    if (r->first_fail_step >= 0)
        fprintf(f, "first step outside tolerance: %d, %s\n", r->first_fail_step, r->first_fail_entry);
    else
        fprintf(f, "first step outside tolerance: none\n");
    if (r->diagnosis[0])
        fprintf(f, "diagnosis: %s\n", r->diagnosis);
    fprintf(f, "verdict: %s%s%s (%.2f s)\n", gfl_verify_verdict_name(r->verdict), r->reason[0] ? " -- " : "",
            r->reason, r->seconds);
}

json_t *gfl_verify_json(const gfl_dump *dp, const gfl_traj *tr, const char *traj_dir,
                        const gfl_verify_result *r)
{
    json_t *doc = json_object(), *v = json_object(), *steps = json_array();
    json_object_set_new(doc, "config", gfl_report_config(&dp->cfg, "ref"));
    json_object_set_new(v, "trajectory", json_string(traj_dir));
    json_object_set_new(v, "writer", json_string(tr->writer));
    json_object_set_new(v, "dtype", json_string(tr->float32 ? "float32" : "float64"));
    json_object_set_new(v, "stored_dtype", json_string(tr->dtype_found));
    json_object_set_new(v, "u", json_real(r->u));
    json_object_set_new(v, "prec", json_integer(r->prec));
    json_object_set_new(v, "listed_steps", json_integer(r->S));
    json_object_set_new(v, "loss_given", json_boolean(tr->loss != NULL));
    json_object_set_new(v, "ambiguous_total", json_integer(r->ambiguous_total));
    json_object_set_new(v, "first_split_step", r->first_split_step ? json_integer(r->first_split_step) : json_null());
    json_object_set_new(v, "first_fail_step", r->first_fail_step >= 0 ? json_integer(r->first_fail_step) : json_null());
    json_object_set_new(v, "first_fail_entry", json_string(r->first_fail_entry));
    json_object_set_new(v, "drift_within", json_boolean(r->drift_within));
    json_object_set_new(v, "max_local", gfl_json_real(r->max_local));
    json_object_set_new(v, "verdict", json_string(gfl_verify_verdict_name(r->verdict)));
    json_object_set_new(v, "reason", json_string(r->reason));
    json_object_set_new(v, "diagnosis", json_string(r->diagnosis));
    json_object_set_new(v, "seconds", json_real(r->seconds));
    for (int s = 0; s < r->S; s++) {
        const gfl_verify_step *p = &r->steps[s];
        json_t *o = json_object();
        json_object_set_new(o, "t", json_integer(p->t));
        json_object_set_new(o, "gap", json_integer(p->gap));
        json_object_set_new(o, "rel_a", gfl_json_real(p->rel_a));
        json_object_set_new(o, "rel_W", gfl_json_real(p->rel_W));
        json_object_set_new(o, "rel_loss", gfl_json_real(p->rel_loss));
        json_object_set_new(o, "drift_tol_a", gfl_json_real(p->tol_a));
        json_object_set_new(o, "drift_tol_W", gfl_json_real(p->tol_W));
        json_object_set_new(o, "drift_within", json_boolean(p->within));
        json_object_set_new(o, "local_a", gfl_json_real(p->local_a));
        json_object_set_new(o, "local_W", gfl_json_real(p->local_W));
        json_object_set_new(o, "local_loss", gfl_json_real(p->local_loss));
        json_object_set_new(o, "local_wide", gfl_json_real(p->local_wide));
        json_object_set_new(o, "rel_local", gfl_json_real(p->rel_local));
        json_object_set_new(o, "tol_local", gfl_json_real(p->tol_local));
        json_object_set_new(o, "relu_ambiguous", json_integer(p->relu_ambiguous));
        json_object_set_new(o, "hinge_ambiguous", json_integer(p->hinge_ambiguous));
        json_object_set_new(o, "status", json_string(gfl_vstep_status_name(p->status)));
        json_array_append_new(steps, o);
    }
    json_object_set_new(doc, "verify", v);
    json_object_set_new(doc, "steps", steps);
    json_object_set_new(doc, "versions", gfl_report_versions());
    return doc;
}

gfl_status gfl_verify_plot(const char *dir, const gfl_verify_result *r, char *png, size_t len)
{
    int S = r->S;
    double *buf = malloc((size_t)7 * (size_t)(S > 0 ? S : 1) * sizeof(double));
    if (!buf)
        GFL_ERROR(GFL_ENOMEM, "out of memory for a figure");
    double *x = buf, *y[6];
    for (int k = 0; k < 6; k++)
        y[k] = buf + (size_t)(k + 1) * S;
    for (int s = 0; s < S; s++) {
        const gfl_verify_step *p = &r->steps[s];
        x[s] = p->t;
        double v[6] = {p->rel_a, p->rel_W, p->tol_a, p->tol_W, p->rel_local, p->tol_local};
        for (int k = 0; k < 6; k++)
            y[k][s] = isfinite(v[k]) ? fmax(v[k], PLOT_FLOOR) : PLOT_FLOOR;
    }
    char title[256];
    snprintf(title, sizeof title, "verify: %s, u = 2^%d; %s%s", gfl_verify_verdict_name(r->verdict),
             r->float32 ? -24 : -53, r->first_fail_step >= 0 ? "first step outside tolerance " : "all steps within tolerance",
             "");
    if (r->first_fail_step >= 0)
        snprintf(title + strlen(title), sizeof title - strlen(title), "%d", r->first_fail_step);
    /* step 0 has no replayed step: the local series start at step 1 */
    int o = S > 1 && r->steps[0].t == 0;
    gfl_plot_series s[6] = {{"drift a: |O - F| / |F|", x, y[0], S, "linespoints"},
                            {"drift W", x, y[1], S, "linespoints"},
                            {"drift enclosure a", x, y[2], S, "lines"},
                            {"drift enclosure W", x, y[3], S, "lines"},
                            {"local: |O - R| / |R| (one step)", x + o, y[4] + o, S - o, "points"},
                            {"local tolerance", x + o, y[5] + o, S - o, "lines"}};
    gfl_plot_opts po = {title, "step t", "normwise relative difference (0 drawn at 1e-18)", 1};
    gfl_status st = gfl_io_join(png, len, dir, "verify_drift.png");
    if (st == GFL_OK)
        st = gfl_plot_xy(png, &po, s, 6);
    free(buf);
    return st;
}
