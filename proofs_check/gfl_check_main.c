/* gfl check as a library call: parameters, presets and defaults (the policy
 * the CLI used to apply), the plan and its execution (gfl_check.h). */
#include "gfl_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_limits.h"

gfl_status gfl_check_param_set(gfl_check_params *p, const char *name, const char *value)
{
    double v;
    if (gfl_parse_double(value, &v) != GFL_OK) {
        gfl_error_clear();
        GFL_ERROR(GFL_EINVAL, "--%s: '%s' is not a finite number", name, value);
    }
    if (strcmp(name, "seeds") == 0 || strcmp(name, "n-pop") == 0) {
        if (v != floor(v) || v < 1 || v > 1e7)
            GFL_ERROR(GFL_EINVAL, "--%s: '%s' is not an integer in [1, 1e7]", name, value);
        if (strcmp(name, "seeds") == 0)
            p->seeds = (int)v;
        else
            p->cp.n_pop = (int)v;
        return GFL_OK;
    }
    int prob = strcmp(name, "delta") == 0 || strcmp(name, "delta0") == 0 || strcmp(name, "level") == 0;
    if (!prob && strcmp(name, "c-n") != 0 && strcmp(name, "eps") != 0)
        GFL_ERROR(GFL_EINVAL, "check: unknown parameter '%s'", name);
    if (prob && !(v > 0 && v < 1))
        GFL_ERROR(GFL_EINVAL, "--%s must be in (0, 1)", name);
    /* a confidence level below 1/2 would put the 'upper' bounds below the estimates */
    if (strcmp(name, "level") == 0 && v < 0.5)
        GFL_ERROR(GFL_EINVAL, "--level must be in [0.5, 1)");
    if (!prob && v < 0)
        GFL_ERROR(GFL_EINVAL, "--%s must be non-negative", name);
    double *dst = strcmp(name, "delta") == 0 ? &p->delta : strcmp(name, "delta0") == 0 ? &p->cp.delta0
                : strcmp(name, "level") == 0 ? &p->cp.level : strcmp(name, "c-n") == 0 ? &p->cp.c_n
                : &p->cp.eps;
    *dst = v;
    return GFL_OK;
}

void gfl_check_request_init(gfl_check_request *rq, const gfl_path *const *registry)
{
    memset(rq, 0, sizeof *rq);
    rq->registry = registry;
    rq->case_id = GFL_CASE_XOR;
    gfl_check_defaults(&rq->params);
}

void gfl_check_report_clear(gfl_check_report *rep)
{
    for (int i = 0; i < rep->ncase; i++)
        gfl_check_clear(&rep->cases[i]);
    free(rep->cfg);
    free(rep->path);
    free(rep->cases);
    memset(rep, 0, sizeof *rep);
}

/* One (case, path) configuration: the options on the preset's defaults, then
 * the check's own defaults where an option is absent. */
static gfl_status configure(const gfl_check_request *rq, const gfl_settings *set, gfl_case_id c,
                            const gfl_path *path, gfl_config *cfg)
{
    gfl_preset preset = set->preset_given ? set->preset : rq->path ? GFL_PRESET_DEFAULT : path->both_preset;
    GFL_TRY(gfl_settings_apply(set, c, preset, cfg));
    if (!gfl_settings_has(set, "sigma-a"))
        cfg->sigma_a = GFL_CHECK_SIGMA_A;
    if (!gfl_settings_has(set, "m") && cfg->case_id == GFL_CASE_MOG && cfg->m < GFL_CHECK_MOG_MIN_M)
        cfg->m = GFL_CHECK_MOG_MIN_M;
    GFL_TRY(gfl_config_validate(cfg));
    gfl_features_params fp;
    gfl_features_defaults(&fp, cfg, path);
    gfl_limits_job job = {GFL_WORK_CHECK, path->at_prec, fp.n_init, fp.n_mc};
    unsigned long buf;
    int nbuf = gfl_path_buffers(path, &buf);
    return gfl_limits_check_path(cfg, &job, path->name, nbuf, buf);
}

gfl_status gfl_check_plan(const gfl_check_request *rq, gfl_check_report *rep)
{
    static const gfl_settings none;
    const gfl_settings *set = rq->settings ? rq->settings : &none;
    memset(rep, 0, sizeof *rep);
    if (rq->params.seeds < 1)
        GFL_ERROR(GFL_EINVAL, "--seeds must be at least 1");
    if (!(rq->params.delta > 0 && rq->params.delta < 1))
        GFL_ERROR(GFL_EINVAL, "--delta must be in (0, 1)");
    int npath = 0;
    for (int p = 0; rq->registry[p]; p++)
        npath++;
    size_t cap = (size_t)GFL_NCASES * (size_t)(npath + 1);
    rep->cfg = calloc(cap, sizeof *rep->cfg);
    rep->path = calloc(cap, sizeof *rep->path);
    rep->cases = calloc(cap, sizeof *rep->cases);
    if (!rep->cfg || !rep->path || !rep->cases) {
        gfl_check_report_clear(rep);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the check's plan");
    }
    /* every (case, path) configuration is validated before any work */
    for (int c = 0; c < GFL_NCASES_ALL; c++) {
        if (rq->all ? c >= GFL_NCASES : c != (int)rq->case_id)
            continue; /* --all: the case studies, not data */
        for (int p = 0; p < npath; p++) {
            const gfl_path *path = rq->registry[p];
            if (rq->path ? path != rq->path : !path->engine)
                continue;
            gfl_status st = configure(rq, set, (gfl_case_id)c, path, &rep->cfg[rep->n]);
            if (st != GFL_OK) {
                gfl_check_report_clear(rep);
                return st;
            }
            rep->path[rep->n++] = path;
        }
    }
    if (rq->path && rep->n == 0)
        GFL_ERROR(GFL_EINVAL, "check: path '%s' is not in the registry", rq->path->name);
    return GFL_OK;
}

gfl_status gfl_check_execute(const gfl_check_request *rq, gfl_check_report *rep, gfl_check_on_case on_case,
                             void *ctx)
{
    int bad = 0;
    for (int i = 0; i < rep->n; i++) {
        gfl_check_case *c = &rep->cases[rep->ncase];
        gfl_status st = gfl_check_run(&rep->cfg[i], rep->path[i], &rq->params, c);
        if (st != GFL_OK) {
            gfl_check_clear(c); /* whatever the failed run had built */
            return st;
        }
        rep->ncase++;
        if (on_case)
            on_case(ctx, c);
        /* SPEC 6: FAIL or VIOLATED always fail the run; --strict also
         * refuses what could not be certified or decided */
        bad |= gfl_check_bad(c) || (rq->strict && gfl_check_strict_bad(c));
    }
    rep->ok = !bad;
    return GFL_OK;
}
