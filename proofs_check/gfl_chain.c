/* The proof chain's driver (gfl_chain.h): the context, the two training
 * passes over the same run and the hook between their steps; the per-batch
 * work is in gfl_chain_comparators.c, the verdicts in gfl_chain_links.c. */
#include "gfl_chain_parts.h"

#include <stdlib.h>
#include <string.h>

void gfl_chain_defaults(gfl_chain_params *cp)
{
    cp->delta0 = 0.1;
    cp->level = 0.95;
    cp->c_n = 1.0;
    cp->eps = 0.0;
    cp->n_pop = 32768;
    cp->fault = GFL_CHAIN_FAULT_NONE;
}

static void ctx_free(ctx_t *c)
{
    if (c->eng_wit)
        c->vt->destroy(c->eng_wit);
    if (c->eng_comp)
        c->vt->destroy(c->eng_comp);
    if (c->eng_comp1)
        c->vt->destroy(c->eng_comp1);
    free(c->s1.a), free(c->s1.W), free(c->s1.nw), free(c->s1.U), free(c->s1.beta), free(c->s1.ax), free(c->s1.Wx);
    free(c->g.at), free(c->g.aprev), free(c->g.Wprev), free(c->g.anext), free(c->g.Wnext);
    free(c->p1.Dsum), free(c->p1.Esum), free(c->cmp.ent), free(c->cmp.atilde);
    free(c->cmp.cand_a), free(c->cmp.cand_sum), free(c->cmp.cand_err), free(c->cmp.cand_pert);
    free(c->p2.batch_err), free(c->p2.gscale);
    free(c->best_a), free(c->best_W), free(c->wit_a), free(c->wit_W), free(c->wit_b);
    free(c->X), free(c->Y), free(c->a_cur), free(c->W_cur);
}

static gfl_status ctx_init(ctx_t *c, const gfl_problem *pb, const gfl_path *path,
                           const gfl_witness *wit, const gfl_chain_params *cp)
{
    const gfl_config *cfg = &pb->cfg;
    memset(c, 0, sizeof *c);
    c->pb = pb;
    const gfl_engine_vt *vt = c->vt = path->engine;
    c->wit = wit;
    c->cp = cp;
    c->m = cfg->m, c->d = cfg->d, c->n = cfg->n, c->T = cfg->T, c->h = cfg->m / 2;
    c->at_prec = path->at_prec;
    c->u = path->unit(cfg->prec);
    size_t m = (size_t)c->m, md = m * (size_t)c->d, T1 = (size_t)c->T + 1;
    c->s1.a = calloc(m, sizeof(double)), c->s1.W = calloc(md, sizeof(double));
    c->s1.nw = calloc(m, sizeof(double)), c->s1.U = calloc(md, sizeof(double)), c->s1.beta = calloc(m, sizeof(double));
    c->p1.Dsum = calloc(m, sizeof(double)), c->p1.Esum = calloc(m, sizeof(double));
    c->cmp.atilde = calloc(m, sizeof(double));
    c->p2.batch_err = calloc(T1, sizeof(double)), c->p2.gscale = calloc(T1, sizeof(double));
    c->best_a = calloc(m, sizeof(double)), c->best_W = calloc(md, sizeof(double));
    c->X = calloc((size_t)c->n * c->d, sizeof(double)), c->Y = calloc((size_t)c->n, sizeof(double));
    c->a_cur = calloc(m, sizeof(double)), c->W_cur = calloc(md, sizeof(double));
    if (!c->s1.a || !c->s1.W || !c->s1.nw || !c->s1.U || !c->s1.beta || !c->p1.Dsum || !c->p1.Esum || !c->cmp.atilde ||
        !c->p2.batch_err || !c->p2.gscale || !c->best_a || !c->best_W ||
        !c->X || !c->Y || !c->a_cur || !c->W_cur)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the proof chain");
    GFL_TRY(gfl_witness_network(wit, &c->wit_m, &c->wit_a, &c->wit_W, &c->wit_b));
    gfl_config cw = *cfg;
    cw.m = c->wit_m;
    GFL_TRY(vt->create(&c->eng_wit, &cw, c->n));
    GFL_TRY(vt->load(c->eng_wit, c->wit_a, c->wit_W, c->wit_b));
    GFL_TRY(vt->create(&c->eng_comp, cfg, c->n));
    GFL_TRY(vt->create(&c->eng_comp1, cfg, c->n));
    /* the exact state (SPEC 6 C1, C5g): parts doubles per entry */
    size_t P = (size_t)(c->parts = vt->exact_parts(c->eng_comp));
    c->s1.ax = malloc(m * P * sizeof(double)), c->s1.Wx = malloc(md * P * sizeof(double));
    c->g.aprev = malloc(m * P * sizeof(double)), c->g.Wprev = malloc(md * P * sizeof(double));
    c->g.anext = malloc(m * P * sizeof(double)), c->g.Wnext = malloc(md * P * sizeof(double));
    c->g.at = calloc(T1, 1);
    if (!c->s1.ax || !c->s1.Wx || !c->g.aprev || !c->g.Wprev || !c->g.anext || !c->g.Wnext || !c->g.at)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the exact state");
    /* SPEC 6 C5g: t = 2, t = T and up to four more steps drawn from the seed */
    c->g.at[2] = c->g.at[c->T] = 1;
    gfl_rng r;
    gfl_rng_init(&r, cfg->seed, GFL_STREAM_C5G, 0, 0);
    for (int q = 0; q < 4 && c->T > 3; q++)
        c->g.at[3 + gfl_rng_below(&r, (uint64_t)(c->T - 3))] = 1;
    return GFL_OK;
}

void gfl_chain_clear(gfl_chain_result *res)
{
    free(res->eval_t);
    free(res->eval_test_loss);
    memset(res, 0, sizeof *res);
}

/* Step 1's state: kept in pass 1 (for C1, the comparators and the drift);
 * pass 2 must reproduce it bit for bit. */
static gfl_status keep_step1(ctx_t *c, void *eng, const gfl_engine_vt *vt)
{
    int m = c->m, d = c->d;
    if (c->pass == 2) {
        /* the second pass must be the same run, bit for bit */
        if (memcmp(c->s1.a, c->a_cur, (size_t)m * sizeof(double)) ||
            memcmp(c->s1.W, c->W_cur, (size_t)m * d * sizeof(double)))
            GFL_ERROR(GFL_EINTERNAL, "the run is not reproducible: step 1 differs between passes");
    } else {
        memcpy(c->s1.a, c->a_cur, (size_t)m * sizeof(double));
        memcpy(c->s1.W, c->W_cur, (size_t)m * d * sizeof(double));
        /* SPEC 6 C1: the ref state is judged exactly, never through double */
        vt->store_exact(eng, c->parts, c->s1.ax, c->s1.Wx);
        for (int i = 0; i < m; i++) {
            const double *w = c->s1.W + (size_t)i * d;
            c->s1.nw[i] = vnorm(w, d);
            for (int j = 0; j < d; j++)
                c->s1.U[(size_t)i * d + j] = c->s1.nw[i] > 0 ? w[j] / c->s1.nw[i] : 0.0;
            c->s1.beta[i] = c->s1.nw[i] > 0 ? c->pb->b[i] / c->s1.nw[i] : INFINITY;
        }
    }
    return GFL_OK;
}

/* gfl_train's hook, after step t of either pass: keep what the links need,
 * then meet the network of step t with the batch of step t + 1 (pass 1:
 * measure; pass 2: the comparators, gfl_chain_comparators.c). */
static gfl_status hook(void *p, int t, void *eng, const gfl_engine_vt *vt)
{
    ctx_t *c = p;
    int m = c->m, d = c->d;
    vt->store(eng, c->a_cur, c->W_cur);
    if (t == 1)
        GFL_TRY(keep_step1(c, eng, vt));
    if (c->pass == 2 && t == c->best_t) {
        memcpy(c->best_a, c->a_cur, (size_t)m * sizeof(double));
        memcpy(c->best_W, c->W_cur, (size_t)m * d * sizeof(double));
    }
    if (c->pass == 1)
        GFL_TRY(gfl_chain_c5g_step(c, t, eng, vt));
    if (t >= c->T)
        return GFL_OK;
    /* The batch of step s = t + 1 meets the network of step t. */
    int s = t + 1;
    double lw, ew;
    gfl_problem_batch(c->pb, s, c->X, c->Y);
    double xbar = gfl_chain_batch_xbar(c, &c->xmax);
    GFL_TRY(vt->evaluate(c->eng_wit, c->X, c->Y, c->n, &lw, &ew));
    if (c->pass == 1) {
        gfl_chain_measure(c, xbar, lw);
        return GFL_OK;
    }
    return gfl_chain_compare_batch(c, s, xbar, lw);
}

gfl_status gfl_chain_run(const gfl_problem *pb_in, const gfl_path *path, const gfl_witness *wit,
                         const gfl_features_result *feat, const gfl_opt_result *opt,
                         const gfl_chain_params *cp, gfl_chain_result *res)
{
    double t0 = gfl_clock_seconds();
    gfl_problem pbv = *pb_in; /* shallow: only the config may differ (fault injection) */
    const gfl_config *cfg = &pbv.cfg;
    memset(res, 0, sizeof *res);
    for (int k = 0; k < GFL_NLINKS; k++)
        res->link[k].level = NAN;
    if (cfg->T < 2)
        GFL_ERROR(GFL_EINVAL, "the proof chain needs T >= 2 (got %d)", cfg->T);
    if (cp->fault == GFL_CHAIN_FAULT_DECAY)
        pbv.cfg.lam1 = GFL_CHAIN_FAULT_DECAY_LAM1 / cfg->eta1;
    ctx_t c;
    gfl_run run;
    gfl_status st;
    memset(&run, 0, sizeof run);
    const gfl_engine_vt *vt = path->engine;
    if ((st = ctx_init(&c, &pbv, path, wit, cp)) != GFL_OK || (st = gfl_run_init(&run, cfg)) != GFL_OK)
        goto cleanup;
    int T = cfg->T;
    /* pass 1: what choosing the comparator needs */
    c.pass = 1;
    c.run = &run;
    if ((st = gfl_train(vt, &pbv, &run, hook, &c)) != GFL_OK)
        goto cleanup;
    /* best evaluated network (by test loss) for the population step */
    res->eval_t = malloc((size_t)(T + 1) * sizeof(int));
    res->eval_test_loss = malloc((size_t)(T + 1) * sizeof(double));
    if (!res->eval_t || !res->eval_test_loss) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        goto cleanup;
    }
    c.best_t = 1;
    for (int t = 0; t <= T; t++)
        if (run.rec[t].evaluated) {
            res->eval_t[res->neval] = t;
            res->eval_test_loss[res->neval++] = run.rec[t].test_loss;
            if (t >= 1 && run.rec[t].test_loss < run.rec[c.best_t].test_loss + (run.rec[c.best_t].evaluated ? 0 : INFINITY))
                c.best_t = t;
        }
    if ((st = gfl_chain_link_c1(&c, &res->link[GFL_L_C1])) != GFL_OK)
        goto cleanup;
    gfl_chain_link_c2(&c, feat, &res->link[GFL_L_C2]);
    gfl_chain_link_c3(&c, feat, &res->link[GFL_L_C3]);
    if ((st = gfl_chain_choose_K(&c, &run)) != GFL_OK)
        goto cleanup;
    res->K = c.cmp.K;
    res->cmp.optimized = c.cmp.K == 0;
    res->cmp.K = c.cmp.K;
    res->cmp.neurons = c.cmp.opt_neurons;
    res->cmp.support = c.cmp.support;
    res->cmp.uniform_bound = c.cmp.uniform_bound;
    res->cmp.optimized_bound = c.cmp.optimized_bound;
    res->cmp.chosen_bound = c.cmp.chosen_bound;
    res->cmp.qp_gap = c.cmp.opt_ok ? c.cmp.qp_gap : NAN;
    /* pass 2: the chosen comparator at every step */
    if ((st = vt->load(c.eng_comp1, c.cmp.atilde, c.s1.W, pbv.b)) != GFL_OK)
        goto cleanup;
    c.pass = 2;
    c.p2.c4_worst_t = c.p2.c6_worst_t = 0;
    if ((st = gfl_train(vt, &pbv, &run, hook, &c)) != GFL_OK)
        goto cleanup;
    gfl_chain_link_c4_c6(&c, res);
    gfl_chain_link_regret(&c, &run, res);
    st = gfl_chain_links_population(&c, feat, opt, &run, res);
    for (int k = 0; k < GFL_NLINKS; k++)
        gfl_chain_guard(&res->link[k]);
cleanup:
    ctx_free(&c);
    gfl_run_clear(&run);
    res->seconds = gfl_clock_seconds() - t0;
    return st;
}
