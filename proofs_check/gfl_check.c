#include "gfl_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_data_check.h"
#include "gfl_stats.h"
#include "gfl_tags.h"
#include "gfl_train.h"

void gfl_check_defaults(gfl_check_params *p)
{
    memset(p, 0, sizeof *p);
    gfl_chain_defaults(&p->cp);
    p->seeds = 1;
    p->delta = 0.1;
    p->n_fit = 4096;
}

void gfl_check_clear(gfl_check_case *c)
{
    free(c->data);
    gfl_witness_clear(&c->wit);
    gfl_features_clear(&c->feat);
    gfl_opt_clear(&c->opt);
    gfl_chain_clear(&c->chain);
    memset(c, 0, sizeof *c);
}

int gfl_check_bad(const gfl_check_case *c)
{
    for (int k = 0; k < GFL_NLINKS; k++)
        if (gfl_verdict_bad(c->chain.link[k].verdict))
            return 1;
    return gfl_verdict_bad(c->delta_verdict);
}

int gfl_check_strict_bad(const gfl_check_case *c)
{
    for (int k = 0; k < GFL_NLINKS; k++)
        if (gfl_verdict_strict_bad(c->chain.link[k].verdict))
            return 1;
    return gfl_verdict_strict_bad(c->delta_verdict);
}

/* One seed: features, OPT_hat, chain. */
static gfl_status run_one(const gfl_config *cfg, const gfl_path *path, const gfl_check_params *p,
                          gfl_check_case *out)
{
    const gfl_engine_vt *vt = path->engine;
    const gfl_oracle_vt *orc = path->oracle;
    gfl_problem pb;
    gfl_sample fit = {0, NULL, NULL}, ev = {0, NULL, NULL};
    gfl_features_params fp;
    gfl_features_defaults(&fp, cfg, path);
    if (p->fp_given)
        fp = p->fp;
    GFL_TRY(gfl_problem_init(&pb, cfg));
    gfl_status st;
    if ((st = gfl_witness_init(&out->wit, &pb)) != GFL_OK ||
        (st = gfl_features_run(&pb, &out->wit, vt, orc, &fp, &out->feat)) != GFL_OK)
        goto cleanup;
    out->members = 0;
    for (int f = 0; f < out->feat.nfeat; f++)
        out->members += out->feat.feat[f].member;
    if (pb.data && (st = gfl_data_check_prune(&pb, vt, orc, &fp, out)) != GFL_OK)
        goto cleanup; /* SPEC 11: only candidates in S build the network */
    if (gfl_oracle_kind_of(cfg->case_id, GFL_Q_LOSS) != GFL_ORACLE_ENUMERATION &&
        ((st = gfl_sample_draw(&fit, &pb, p->n_fit, GFL_TAG_OPT_FIT)) != GFL_OK ||
         (st = gfl_sample_draw(&ev, &pb, p->cp.n_pop, GFL_TAG_OPT_EVAL)) != GFL_OK))
        goto cleanup;
    if ((st = gfl_opt_run(vt, &pb, &out->wit, fit.N ? &fit : NULL, ev.N ? &ev : NULL, p->cp.level, &out->opt)) != GFL_OK)
        goto cleanup;
    gfl_opt_membership(&out->opt, &out->feat); /* SPEC 5: non-member features never feed OPT_hat */
    st = gfl_chain_run(&pb, path, &out->wit, &out->feat, &out->opt, &p->cp, &out->chain);
cleanup:
    gfl_sample_clear(&fit);
    gfl_sample_clear(&ev);
    gfl_problem_clear(&pb);
    return st;
}

static int stat_failed(const gfl_check_case *c)
{
    static const int stat[] = {GFL_L_C2, GFL_L_C3, GFL_L_POP};
    for (size_t k = 0; k < sizeof stat / sizeof stat[0]; k++)
        if (c->chain.link[stat[k]].verdict == GFL_V_VIOLATED)
            return 1;
    return 0;
}

gfl_status gfl_check_run(const gfl_config *cfg, const gfl_path *path, const gfl_check_params *p,
                         gfl_check_case *out)
{
    double t0 = gfl_clock_seconds();
    memset(out, 0, sizeof *out);
    out->cfg = *cfg;
    snprintf(out->path, sizeof out->path, "%s", path->name);
    if (!path->engine || !path->oracle)
        GFL_ERROR(GFL_EINVAL, "the check needs a path with an engine and oracles ('%s' has none)", path->name);
    if (p->seeds < 1)
        GFL_ERROR(GFL_EINVAL, "--seeds must be at least 1");
    if (!(p->delta > 0 && p->delta < 1))
        GFL_ERROR(GFL_EINVAL, "--delta must be in (0, 1)");
    gfl_status st = run_one(cfg, path, p, out);
    if (st == GFL_OK && cfg->case_id == GFL_CASE_DATA) {
        /* SPEC 11: the baselines beside Algorithm 1 */
        if (!(out->data = calloc(1, sizeof *out->data)))
            GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        else
            st = gfl_data_summary_run(cfg, path->engine, p->cp.level, out->data);
    }
    if (st != GFL_OK)
        return st;
    out->seeds = p->seeds;
    out->delta = p->delta;
    out->level = p->cp.level;
    out->stat_fail = stat_failed(out);
    /* the delta check: seeds seed, seed + 1, ... */
    for (int s = 1; s < p->seeds; s++) {
        gfl_config cs = *cfg;
        gfl_check_case other;
        memset(&other, 0, sizeof other);
        cs.seed = cfg->seed + (uint64_t)s;
        if ((st = run_one(&cs, path, p, &other)) != GFL_OK) {
            gfl_check_clear(&other);
            return st;
        }
        out->stat_fail += stat_failed(&other);
        gfl_check_clear(&other);
    }
    gfl_stats_clopper_pearson(out->stat_fail, out->seeds, p->cp.level, &out->fail_lo, &out->fail_hi);
    out->delta_verdict = p->seeds < 2 ? GFL_V_NA : out->fail_lo > p->delta ? GFL_V_VIOLATED : GFL_V_CONSISTENT;
    out->seconds = gfl_clock_seconds() - t0;
    return GFL_OK;
}
