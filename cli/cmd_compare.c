/* gfl compare: ref and fast in lockstep on one instance (SPEC 9). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_compare.h"
#include "gfl_fast.h"
#include "gfl_ref.h"
#include "gfl_report.h"

typedef struct {
    const char *json;
} compare_opts;

static const gfl_cli_extra extras[] = {
    {"all", 0, "", "every case study with its own defaults; prints one table"},
    {"json", 1, "FILE", "write the comparison as JSON"},
    {NULL, 0, NULL, NULL}};

static gfl_status on_extra(void *ctx, const char *name, const char *value)
{
    compare_opts *o = ctx;
    if (strcmp(name, "json") == 0)
        o->json = value;
    return GFL_OK;
}

static json_t *result_json(const gfl_config *cfg, const gfl_compare_result *r)
{
    json_t *o = json_object(), *steps = json_array();
    json_object_set_new(o, "config", gfl_report_config(cfg, "both"));
    json_object_set_new(o, "max_rel_diff", json_real(r->max_rel_diff));
    json_object_set_new(o, "max_rel_a", json_real(r->max_rel_a));
    json_object_set_new(o, "max_rel_W", json_real(r->max_rel_W));
    json_object_set_new(o, "max_rel_loss", json_real(r->max_rel_loss));
    json_object_set_new(o, "first_split_step",
                        r->first_split_step ? json_integer(r->first_split_step) : json_null());
    for (int p = 0; p < 2; p++) {
        json_t *f = json_object();
        json_object_set_new(f, "test_loss", gfl_json_real(r->test_loss[p]));
        json_object_set_new(f, "test_error", gfl_json_real(r->test_error[p]));
        json_object_set_new(f, "seconds", json_real(r->seconds[p]));
        json_object_set_new(o, p == 0 ? "ref" : "fast", f);
    }
    for (int t = 1; t <= r->T; t++) {
        const gfl_compare_step *s = &r->steps[t];
        json_t *e = json_object();
        json_object_set_new(e, "t", json_integer(t));
        json_object_set_new(e, "rel_a", json_real(s->rel_a));
        json_object_set_new(e, "rel_W", json_real(s->rel_W));
        json_object_set_new(e, "rel_loss", json_real(s->rel_loss));
        json_object_set_new(e, "relu_split", json_integer(s->relu_split));
        json_object_set_new(e, "hinge_split", json_integer(s->hinge_split));
        json_array_append_new(steps, e);
    }
    json_object_set_new(o, "steps", steps);
    return o;
}

static gfl_status compare_one(const gfl_config *cfg, int verbose, json_t **doc)
{
    gfl_problem pb;
    gfl_compare_result res;
    GFL_TRY(gfl_problem_init(&pb, cfg));
    gfl_status st = gfl_compare_run(&pb, &gfl_ref_engine, &gfl_fast_engine, &res);
    if (st == GFL_OK) {
        if (verbose) {
            printf("gfl compare: case %s, seed %llu, prec %ld (d=%d m=%d n=%d T=%d)\n",
                   gfl_case_name(cfg->case_id), (unsigned long long)cfg->seed, cfg->prec, cfg->d,
                   cfg->m, cfg->n, cfg->T);
            printf("max rel diff before any branch split: a %.3g, W %.3g, losses %.3g\n",
                   res.max_rel_a, res.max_rel_W, res.max_rel_loss);
            if (res.first_split_step)
                printf("first branch split at step %d\n", res.first_split_step);
            else
                printf("no branch split\n");
            printf("final test loss: ref %.10f fast %.10f; 0-1 error: ref %.4f fast %.4f\n",
                   res.test_loss[0], res.test_loss[1], res.test_error[0], res.test_error[1]);
        } else {
            for (int p = 0; p < 2; p++)
                printf("%-15s %-5s %4d %5d %5d %5d %12.6f %9.4f %13.3g %6s %8.2f\n",
                       gfl_case_name(cfg->case_id), p ? "fast" : "ref", cfg->d, cfg->m, cfg->n,
                       cfg->T, res.test_loss[p], res.test_error[p], res.max_rel_diff,
                       res.first_split_step ? "yes" : "none", res.seconds[p]);
        }
        *doc = result_json(cfg, &res);
        gfl_compare_clear(&res);
    }
    gfl_problem_clear(&pb);
    return st;
}

int gfl_cmd_compare(int argc, char **argv)
{
    compare_opts o = {NULL};
    gfl_cli_common cm;
    json_t *out = NULL;
    gfl_status st = gfl_cli_parse(argc, argv, extras, on_extra, &o, -1, &cm);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (cm.help) {
        gfl_cli_usage("compare", "--case C|--all [options]", extras, &cm.cfg);
        return 0;
    }
    if (cm.case_given == cm.all) {
        fprintf(stderr, "gfl: compare: give exactly one of --case C and --all (try 'gfl cases')\n");
        return 2;
    }
    if (o.json && (st = gfl_cli_check_output_file(o.json)) != GFL_OK)
        return gfl_cli_fail(st);
    if (!cm.all) {
        if ((st = gfl_config_validate(&cm.cfg)) != GFL_OK || (st = compare_one(&cm.cfg, 1, &out)) != GFL_OK)
            goto done;
    } else {
        json_t *runs = json_array();
        out = json_object();
        json_object_set_new(out, "runs", runs);
        printf("%-15s %-5s %4s %5s %5s %5s %12s %9s %13s %6s %8s\n", "case", "path", "d", "m", "n",
               "T", "test_loss", "test_err", "max_rel_diff", "split", "seconds");
        for (int c = 0; c < GFL_NCASES; c++) {
            gfl_cli_common cc;
            json_t *doc = NULL;
            if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, c, &cc)) != GFL_OK ||
                (st = gfl_config_validate(&cc.cfg)) != GFL_OK ||
                (st = compare_one(&cc.cfg, 0, &doc)) != GFL_OK)
                goto done;
            json_array_append_new(runs, doc);
        }
    }
    gfl_cli_print_reproduce(argc, argv, &cm);
    if (o.json)
        st = gfl_report_write_json(o.json, out);
done:
    json_decref(out);
    return st == GFL_OK ? 0 : gfl_cli_fail(st);
}
