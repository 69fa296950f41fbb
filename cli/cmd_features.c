/* gfl features: gradient features and population oracles (SPEC 4, 7). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_cli.h"
#include "gfl_features.h"
#include "gfl_features_report.h"
#include "gfl_limits.h"
#include "gfl_plot.h"
#include "gfl_report.h"

typedef struct {
    const char *path, *json, *plot;
    const char *gamma, *bg, *p, *n_init, *n_mc, *level;
} feat_opts;

static const gfl_cli_extra extras[] = {
    {"path", 1, "P", "ref (MPFR) or fast (double, BLAS) [fast]"},
    {"all", 0, "", "every case study with its own defaults"},
    {"gamma", 1, "G", "cone width gamma of S(p, gamma, B_G) [0.1]"},
    {"bg", 1, "B", "gradient norm threshold B_G [0.01; 1e-3 on parity_uniform]"},
    {"p", 1, "P", "membership threshold p [0.01]"},
    {"level", 1, "L", "Clopper-Pearson confidence level [0.95]"},
    {"n-init", 1, "N", "draws of the initialization law [2000 fast, 200 ref]"},
    {"n-mc", 1, "N", "Monte Carlo sample size [65536 fast, 4096 ref]"},
    {"json", 1, "FILE", "write the report as JSON"},
    {"plot", 1, "DIR", "write the cosine histogram of the learned neurons (PNG)"},
    {NULL, 0, NULL, NULL}};

static gfl_status on_extra(void *ctx, const char *name, const char *value)
{
    feat_opts *o = ctx;
    const char **slot = strcmp(name, "path") == 0 ? &o->path : strcmp(name, "json") == 0 ? &o->json
                      : strcmp(name, "plot") == 0 ? &o->plot : strcmp(name, "gamma") == 0 ? &o->gamma
                      : strcmp(name, "bg") == 0 ? &o->bg : strcmp(name, "p") == 0 ? &o->p
                      : strcmp(name, "n-init") == 0 ? &o->n_init : strcmp(name, "n-mc") == 0 ? &o->n_mc
                      : &o->level;
    *slot = value;
    return GFL_OK;
}

static gfl_status parse_params(const feat_opts *o, const gfl_config *cfg, gfl_features_params *fp)
{
    const gfl_path *path;
    GFL_TRY(gfl_path_lookup_engine(o->path, &path));
    gfl_features_defaults(fp, cfg, path);
    const char *const names[] = {"gamma", "bg", "p", "level", "n-init", "n-mc"};
    const char *const vals[] = {o->gamma, o->bg, o->p, o->level, o->n_init, o->n_mc};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (vals[i])
            GFL_TRY(gfl_features_param_set(fp, names[i], vals[i]));
    return GFL_OK;
}

static gfl_status features_one(const gfl_config *cfg, const feat_opts *o, json_t **doc)
{
    const gfl_path *path;
    gfl_features_params fp;
    gfl_problem pb;
    gfl_witness wit;
    gfl_features_result res;
    GFL_TRY(gfl_path_lookup_engine(o->path, &path));
    const gfl_engine_vt *vt = path->engine;
    GFL_TRY(parse_params(o, cfg, &fp));
    gfl_limits_job job = {GFL_WORK_FEATURES, path->at_prec, fp.n_init, fp.n_mc};
    unsigned long buf;
    int nbuf = gfl_path_buffers(path, &buf);
    GFL_TRY(gfl_limits_check_path(cfg, &job, path->name, nbuf, buf)); /* before any work */
    GFL_TRY(gfl_problem_init(&pb, cfg));
    gfl_status st = gfl_witness_init(&wit, &pb);
    if (st == GFL_OK) {
        st = gfl_features_run(&pb, &wit, vt, path->oracle, &fp, &res);
        if (st == GFL_OK && (st = gfl_features_check_finite(&res)) != GFL_OK)
            gfl_features_clear(&res);
        else if (st == GFL_OK) {
            gfl_features_print(cfg, &wit, &res, path->name);
            *doc = gfl_features_report_json(cfg, &wit, &res, path->name);
            if (o->plot)
                st = gfl_features_plot(o->plot, cfg, &res);
            gfl_features_clear(&res);
        }
        gfl_witness_clear(&wit);
    }
    gfl_problem_clear(&pb);
    return st;
}

int gfl_cmd_features(int argc, char **argv)
{
    feat_opts o = {gfl_path_tested()->name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    gfl_cli_common cm;
    json_t *out = NULL;
    gfl_status st = gfl_cli_parse(argc, argv, extras, on_extra, &o, -1, &cm);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (cm.help) {
        gfl_cli_usage("features", "--case C|--all [--path ref|fast] [options]", extras, &cm.cfg);
        return 0;
    }
    if (cm.case_given == cm.all) {
        fprintf(stderr, "gfl: features: give exactly one of --case C and --all (try 'gfl cases')\n");
        return 2;
    }
    if ((o.json && (st = gfl_output_check_file(o.json)) != GFL_OK) ||
        (o.plot && (st = gfl_output_check_figure_dir(o.plot)) != GFL_OK))
        return gfl_cli_fail(st);
    /* every case's options, and the feature parameters, before any work or directory */
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_cli_common cc;
        gfl_features_params fp;
        const gfl_path *path;
        if (!cm.all && c > 0)
            break;
        if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, cm.all ? c : (int)cm.cfg.case_id, &cc)) != GFL_OK ||
            (st = gfl_config_validate(&cc.cfg)) != GFL_OK || (st = gfl_path_lookup_engine(o.path, &path)) != GFL_OK ||
            (st = parse_params(&o, &cc.cfg, &fp)) != GFL_OK)
            return gfl_cli_fail(st);
    }
    if (o.plot && (st = gfl_output_make_figure_dir(o.plot)) != GFL_OK)
        return gfl_cli_fail(st);
    json_t *runs = json_array();
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_cli_common cc;
        json_t *doc = NULL;
        if (!cm.all && c > 0)
            break;
        if ((st = gfl_cli_parse(argc, argv, extras, on_extra, &o, cm.all ? c : (int)cm.cfg.case_id, &cc)) != GFL_OK ||
            (st = gfl_config_validate(&cc.cfg)) != GFL_OK || (st = features_one(&cc.cfg, &o, &doc)) != GFL_OK) {
            json_decref(runs);
            return gfl_cli_fail(st);
        }
        json_array_append_new(runs, doc);
        if (cm.all)
            printf("\n");
    }
    gfl_cli_print_reproduce(argc, argv, &cm);
    if (cm.all) {
        out = json_object();
        json_object_set_new(out, "runs", runs);
    } else {
        out = json_incref(json_array_get(runs, 0));
        json_decref(runs);
    }
    if (o.json)
        st = gfl_report_write_json(o.json, out);
    json_decref(out);
    return st == GFL_OK ? 0 : gfl_cli_fail(st);
}
