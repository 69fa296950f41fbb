/* gfl check --seeds S --sweep DIR: the delta check over S seeds as a sweep on
 * any backend (gfl_sweep.h, docs/sweeps.md).  The plan is built from the
 * check request, so a run of the sweep is exactly `gfl check` with the same
 * options at one seed. */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_sweep.h"

/* v as the shortest text that reads back exactly: the run's command line
 * says --delta 0.2, not 0.20000000000000001. */
static json_t *num_text(double v)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return json_string(buf);
}

void gfl_sweep_check_init(gfl_sweep_check_opts *o)
{
    memset(o, 0, sizeof *o);
    o->run.backend = "local";
}

gfl_status gfl_sweep_check_option(gfl_sweep_check_opts *o, const char *name, const char *value, int *known)
{
    *known = 1;
    if (strcmp(name, "sweep") == 0) {
        if (!*value)
            GFL_ERROR(GFL_EINVAL, "--sweep: give a directory");
        o->dir = value;
    } else if (strcmp(name, "backend") == 0) {
        if (strcmp(value, "local") && strcmp(value, "parallel") && strcmp(value, "slurm"))
            GFL_ERROR(GFL_EINVAL, "--backend: unknown value '%s' (local, parallel or slurm)", value);
        o->run.backend = value;
        o->run_given = 1;
    } else if (strcmp(name, "jobs") == 0) {
        long v;
        if (gfl_parse_long(value, &v) != GFL_OK || v < 1 || v > 100000) {
            gfl_error_clear();
            GFL_ERROR(GFL_EINVAL, "--jobs: '%s' is not an integer in [1, 100000]", value);
        }
        o->run.jobs = (int)v;
        o->run_given = 1;
    } else
        *known = 0;
    return GFL_OK;
}

gfl_status gfl_sweep_check_validate(const gfl_sweep_check_opts *o, int json_or_report)
{
    if (!o->dir && o->run_given)
        GFL_ERROR(GFL_EINVAL, "check: --backend and --jobs go with --sweep DIR");
    if (o->dir && json_or_report)
        GFL_ERROR(GFL_EINVAL, "check: --json and --report do not go with --sweep (DIR/results.{json,csv,md} hold "
                              "every run)");
    return GFL_OK;
}

gfl_status gfl_sweep_check_plan(const gfl_check_request *rq, json_t **out)
{
    *out = NULL;
    gfl_check_report rep;
    GFL_TRY(gfl_check_plan(rq, &rep)); /* the request is valid before anything is written */
    uint64_t first = rep.n > 0 ? rep.cfg[0].seed : 0;
    gfl_check_report_clear(&rep);
    int seeds = rq->params.seeds;
    if (first > (uint64_t)INT64_MAX - (uint64_t)seeds)
        GFL_ERROR(GFL_EINVAL, "check: --sweep needs seeds below 2^63 (first seed %llu)", (unsigned long long)first);
    json_t *opts = json_object(), *grid = json_object();
    const gfl_settings *set = rq->settings;
    if (set && set->preset_given)
        json_object_set_new(opts, "preset", json_string(set->preset == GFL_PRESET_SMALL ? "small" : "default"));
    for (int i = 0; set && i < set->n; i++) { /* in order: the last of a repeated option wins, as in the check */
        const char *name = set->item[i].opt->name, *v = set->item[i].value;
        if (strcmp(name, "seed") != 0)
            json_object_set_new(opts, name, v ? json_string(v) : json_true());
    }
    json_object_set_new(opts, "path", json_string(rq->path ? rq->path->name : "both"));
    if (rq->all) {
        json_t *cases = json_array();
        for (int c = 0; c < GFL_NCASES; c++)
            json_array_append_new(cases, json_string(gfl_case_name((gfl_case_id)c)));
        json_object_set_new(grid, "case", cases);
    } else
        json_object_set_new(opts, "case", json_string(gfl_case_name(rq->case_id)));
    /* check's own parameters, where they are not its defaults */
    gfl_check_params d;
    gfl_check_defaults(&d);
    const gfl_check_params *p = &rq->params;
    if (p->delta != d.delta)
        json_object_set_new(opts, "delta", num_text(p->delta));
    if (p->cp.delta0 != d.cp.delta0)
        json_object_set_new(opts, "delta0", num_text(p->cp.delta0));
    if (p->cp.level != d.cp.level)
        json_object_set_new(opts, "level", num_text(p->cp.level));
    if (p->cp.c_n != d.cp.c_n)
        json_object_set_new(opts, "c-n", num_text(p->cp.c_n));
    if (p->cp.eps != d.cp.eps)
        json_object_set_new(opts, "eps", num_text(p->cp.eps));
    if (p->cp.n_pop != d.cp.n_pop)
        json_object_set_new(opts, "n-pop", json_integer(p->cp.n_pop));
    if (rq->strict)
        json_object_set_new(opts, "strict", json_true());
    json_object_set_new(grid, "seed", json_pack("{s:I,s:I}", "from", (json_int_t)first, "to",
                                                (json_int_t)(first + (uint64_t)seeds - 1)));
    char desc[160];
    snprintf(desc, sizeof desc, "gfl check --seeds %d --sweep: the delta check over seeds %llu..%llu", seeds,
             (unsigned long long)first, (unsigned long long)(first + (uint64_t)seeds - 1));
    *out = json_pack("{s:s,s:s,s:o,s:o}", "command", "check", "description", desc, "options", opts, "grid", grid);
    return GFL_OK;
}

/* A directory the sweep may use: absent, empty, or holding a plan.json
 * (the same plan resumes; another one is refused by the plan writer). */
static gfl_status dir_usable(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return GFL_OK; /* absent (or unusable: the plan writer says why) */
    int other = 0, plan = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        plan |= !strcmp(e->d_name, "plan.json");
        other++;
    }
    closedir(d);
    if (other && !plan)
        GFL_ERROR(GFL_EINVAL, "--sweep: '%s' is neither empty nor a sweep directory (no plan.json)", dir);
    return GFL_OK;
}

gfl_status gfl_sweep_check(const gfl_check_request *rq, const gfl_sweep_check_opts *o, FILE *out, int *bad)
{
    *bad = 0;
    json_t *plan = NULL;
    GFL_TRY(gfl_sweep_check_plan(rq, &plan));
    int nrun = 0;
    gfl_status st = dir_usable(o->dir);
    if (st == GFL_OK)
        st = gfl_sweep_plan_write_doc(plan, o->dir, &nrun);
    json_decref(plan);
    GFL_TRY(st);
    gfl_sweep_plan p;
    GFL_TRY(gfl_sweep_load(o->dir, &p));
    fprintf(out, "sweep %s: %d runs (%s), backend %s\n", p.dir, p.nrun,
            json_string_value(json_object_get(json_object_get(p.doc, "plan"), "description")), o->run.backend);
    fflush(out);
    int failed = 0, nf = 0;
    /* Slurm: at most 1000 array tasks (its default MaxArraySize is 1001) */
    gfl_sweep_opts ro = o->run;
    if (ro.chunk < 1)
        ro.chunk = (p.nrun + 999) / 1000;
    st = gfl_sweep_run(&p, &ro, &failed);
    if (st == GFL_OK && strcmp(o->run.backend, "slurm") == 0) {
        fprintf(out, "submitted; when 'gfl sweep status %s' says every run is done, 'gfl sweep merge %s' prints "
                     "the delta check\n", p.dir, p.dir);
        gfl_sweep_free(&p);
        return GFL_OK;
    }
    if (st == GFL_OK && failed)
        fprintf(out, "%d of %d runs failed ('gfl sweep status %s' lists them with their reproduce lines; this "
                     "command again retries them)\n", failed, p.nrun, p.dir);
    if (st == GFL_OK)
        st = gfl_sweep_merge_delta(&p, out, &nf, bad);
    *bad |= failed > 0;
    gfl_sweep_free(&p);
    return st;
}
