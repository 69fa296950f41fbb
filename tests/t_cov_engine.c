/* Engine failures, everywhere an engine is called (SPEC 9 "one interface").
 *
 * The training driver, the comparison, the features, the population loss,
 * OPT_hat and the proof chain talk to an engine only through gfl_engine_vt,
 * and every fallible entry (create, load, step, gradient, evaluate, forward)
 * returns a status that a third engine -- or a resource problem in one of
 * ours -- may make non-OK.  A wrapper engine forwards to the fast or the ref
 * engine and fails its k-th fallible call, k = 0, 1, ..., until a run sees no
 * failure (which must then succeed).  Each failing run must return the
 * injected status with the injected message (the first error wins) and free
 * what it holds: under make test-asan and make valgrind any leak on these
 * paths fails the run.
 *
 * Also: the chain's two-pass reproducibility guard, shown to fire when the
 * engine's first step differs between the passes, and a failing step hook. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_paths.h"
#include "gfl_chain.h"
#include "gfl_compare.h"
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_features.h"
#include "gfl_opt.h"
#include "gfl_population.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"
#include "gfl_test.h"
#include "gfl_train.h"

/* ------------------------------------------------------------------------ */
/* the failing engine                                                       */

static const gfl_engine_vt *inner = &gfl_fast_engine;
static long countdown = -1; /* the call that sees 0 fails; < 0: never */
static long calls, injected;
enum { M_CREATE = 1, M_LOAD = 2, M_STEP = 4, M_GRADIENT = 8, M_EVALUATE = 16, M_FORWARD = 32, M_ALL = 63 };
static unsigned fail_mask = M_ALL; /* the methods that may be failed */
static int drift_first_step; /* > 0: perturb eta on every first step from this one on */
static int first_steps;

#define INJECTED "injected engine failure"

static int tick(unsigned method)
{
    if (!(fail_mask & method))
        return 0;
    calls++;
    if (countdown >= 0 && countdown-- == 0) {
        injected++;
        return 1;
    }
    return 0;
}

#define MAYBE_FAIL(method)                                            \
    do {                                                              \
        if (tick(method))                                             \
            GFL_ERROR(GFL_EINTERNAL, INJECTED " (call %ld)", calls);  \
    } while (0)

static gfl_status w_create(void **eng, const gfl_config *cfg, int n_max)
{
    MAYBE_FAIL(M_CREATE);
    return inner->create(eng, cfg, n_max);
}
static void w_destroy(void *eng) { inner->destroy(eng); }
static gfl_status w_load(void *eng, const double *a, const double *W, const double *b)
{
    MAYBE_FAIL(M_LOAD);
    return inner->load(eng, a, W, b);
}
static gfl_status w_step(void *eng, const double *X, const double *Y, int n, double eta, double lam,
                         int lam_inv_eta, int update_w, gfl_step_info *info)
{
    MAYBE_FAIL(M_STEP);
    if (lam_inv_eta && ++first_steps >= drift_first_step && drift_first_step > 0)
        eta *= 1 + 0x1p-30; /* a first step that is not the same run */
    return inner->step(eng, X, Y, n, eta, lam, lam_inv_eta, update_w, info);
}
static gfl_status w_gradient(void *eng, const double *X, const double *Y, int n, double *loss, double *ga,
                             double *gW)
{
    MAYBE_FAIL(M_GRADIENT);
    return inner->gradient(eng, X, Y, n, loss, ga, gW);
}
static gfl_status w_evaluate(void *eng, const double *X, const double *Y, int n, double *loss, double *err)
{
    MAYBE_FAIL(M_EVALUATE);
    return inner->evaluate(eng, X, Y, n, loss, err);
}
static gfl_status w_forward(void *eng, const double *X, int n, double *f)
{
    MAYBE_FAIL(M_FORWARD);
    return inner->forward(eng, X, n, f);
}
static void w_store(void *eng, double *a, double *W) { inner->store(eng, a, W); }
static void w_decisions(void *eng, int n, unsigned char *relu_on, unsigned char *hinge_on)
{
    inner->decisions(eng, n, relu_on, hinge_on);
}

static int w_exact_parts(void *eng) { return inner->exact_parts(eng); }
static void w_store_exact(void *eng, int parts, double *a, double *W) { inner->store_exact(eng, parts, a, W); }

static const gfl_engine_vt failing = {
    .name = "failing",
    .create = w_create,
    .destroy = w_destroy,
    .load = w_load,
    .step = w_step,
    .gradient = w_gradient,
    .evaluate = w_evaluate,
    .forward = w_forward,
    .store = w_store,
    .decisions = w_decisions,
    .exact_parts = w_exact_parts,
    .store_exact = w_store_exact,
};

/* ------------------------------------------------------------------------ */
/* the sweep                                                                */

typedef gfl_status (*engine_op)(void *ctx);

/* Fails call k = 0, 1, ... of the wrapped engine until a run sees none.
 * stride > 1 fails every stride-th call only (long operations), always
 * including the first and the last few. */
static void sweep_mask(const char *name, const gfl_engine_vt *wrapped, engine_op op, void *ctx, long stride,
                       unsigned mask, const char *why)
{
    long k, bad = 0, total = -1, tried = 0;
    inner = wrapped;
    fail_mask = mask;
    /* a clean run first: how many calls, and it must succeed */
    countdown = -1;
    calls = injected = 0;
    gfl_error_clear();
    gfl_status st = op(ctx);
    if (st != GFL_OK)
        printf("\n  engine sweep %s: the clean run failed: %s", name, gfl_error_message());
    CU_ASSERT_FATAL(st == GFL_OK);
    total = calls;
    CU_ASSERT(total > 0);
    for (k = 0; k < total; k++) {
        if (stride > 1 && k % stride != 0 && k < total - 3)
            continue;
        tried++;
        countdown = k;
        calls = injected = 0;
        gfl_error_clear();
        st = op(ctx);
        int ok = injected == 1 && st == GFL_EINTERNAL && strstr(gfl_error_message(), INJECTED) != NULL;
        if (!ok && bad++ == 0)
            printf("\n  engine sweep %s: call %ld failed, status %s (%s)", name, k, gfl_status_name(st),
                   gfl_error_message());
    }
    countdown = -1;
    inner = &gfl_fast_engine;
    fail_mask = M_ALL;
    gfl_error_clear();
    CU_ASSERT_EQUAL(bad, 0);
    printf("\n    engine sweep %-26s %4ld calls, %4ld of them failed in turn: %s", name, total, tried,
           bad ? "FAILED" : "status and message passed on");
    if (why)
        printf("\n        %s", why);
}

static void sweep(const char *name, const gfl_engine_vt *wrapped, engine_op op, void *ctx, long stride)
{
    sweep_mask(name, wrapped, op, ctx, stride, M_ALL, NULL);
}

static void tiny_config(gfl_config *cfg, gfl_case_id c)
{
    gfl_config_defaults(cfg, c, GFL_PRESET_SMALL);
    cfg->seed = gfl_test_seed();
    cfg->d = 4;
    cfg->m = 16;
    cfg->n = 16;
    cfg->T = 4;
    cfg->n_test = 16;
    cfg->eval_every = 2;
    cfg->sigma_a = 4;
    cfg->prec = 64;
}

/* ------------------------------------------------------------------------ */
/* operations                                                               */

typedef struct {
    gfl_problem pb;
    gfl_witness wit;
    gfl_sample fit, ev;
    const gfl_oracle_vt *orc;
    const char *path;
} op_ctx;

static void ctx_init(op_ctx *o, gfl_case_id c, const char *path)
{
    gfl_config cfg;
    tiny_config(&cfg, c);
    memset(o, 0, sizeof *o);
    o->path = path;
    o->orc = strcmp(path, "ref") == 0 ? &gfl_ref_oracle : &gfl_fast_oracle;
    CU_ASSERT_FATAL(gfl_problem_init(&o->pb, &cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_witness_init(&o->wit, &o->pb) == GFL_OK);
    if (gfl_oracle_kind_of(c, GFL_Q_LOSS) != GFL_ORACLE_ENUMERATION) {
        CU_ASSERT_FATAL(gfl_sample_draw(&o->fit, &o->pb, 128, 21) == GFL_OK);
        CU_ASSERT_FATAL(gfl_sample_draw(&o->ev, &o->pb, 256, 22) == GFL_OK);
    }
}

static void ctx_clear(op_ctx *o)
{
    gfl_sample_clear(&o->fit);
    gfl_sample_clear(&o->ev);
    gfl_witness_clear(&o->wit);
    gfl_problem_clear(&o->pb);
}

static gfl_status op_train(void *p)
{
    op_ctx *o = p;
    gfl_run run;
    GFL_TRY(gfl_run_init(&run, &o->pb.cfg));
    gfl_status st = gfl_train(&failing, &o->pb, &run, NULL, NULL);
    gfl_run_clear(&run);
    return st;
}

static gfl_status op_population(void *p)
{
    op_ctx *o = p;
    gfl_pop_value pv;
    return gfl_population_loss(&failing, &o->pb, o->ev.N ? &o->ev : NULL, o->pb.cfg.m, o->pb.a0, o->pb.W0,
                               o->pb.b, &pv);
}

static gfl_status op_features(void *p)
{
    op_ctx *o = p;
    gfl_features_params fp;
    gfl_features_result res;
    gfl_features_defaults(&fp, &o->pb.cfg, gfl_path_find(o->path));
    fp.n_init = 20;
    fp.n_mc = 64;
    gfl_status st = gfl_features_run(&o->pb, &o->wit, &failing, o->orc, &fp, &res);
    if (st == GFL_OK)
        gfl_features_clear(&res);
    return st;
}

static gfl_status op_opt(void *p)
{
    op_ctx *o = p;
    gfl_opt_result opt;
    gfl_status st = gfl_opt_run(&failing, &o->pb, &o->wit, o->fit.N ? &o->fit : NULL, o->ev.N ? &o->ev : NULL,
                                0.95, &opt);
    if (st == GFL_OK)
        gfl_opt_clear(&opt);
    return st;
}

/* 1: the chain's pass 2 trains again instead of replaying pass 1's states */
static int chain_retrain;

/* The chain on its own (features and OPT_hat from the plain engine), so the
 * sweep covers the chain's own engine calls. */
static gfl_status op_chain(void *p)
{
    op_ctx *o = p;
    gfl_features_params fp;
    gfl_features_result feat;
    gfl_opt_result opt;
    gfl_chain_params cp;
    gfl_chain_result res;
    gfl_status st;
    /* the inputs of the chain come from the wrapped engine itself: not under test */
    gfl_features_defaults(&fp, &o->pb.cfg, gfl_path_find(o->path));
    fp.n_init = 20;
    fp.n_mc = 64;
    GFL_TRY(gfl_features_run(&o->pb, &o->wit, inner, o->orc, &fp, &feat));
    if ((st = gfl_opt_run(inner, &o->pb, &o->wit, o->fit.N ? &o->fit : NULL, o->ev.N ? &o->ev : NULL, 0.95,
                          &opt)) != GFL_OK) {
        gfl_features_clear(&feat);
        return st;
    }
    gfl_chain_defaults(&cp);
    cp.n_pop = 256;
    cp.retrain = chain_retrain;
    gfl_path fpath = *gfl_path_find(o->path); /* the path with the failing engine */
    fpath.engine = &failing;
    st = gfl_chain_run(&o->pb, &fpath, &o->wit, &feat, &opt, &cp, &res);
    gfl_chain_clear(&res);
    gfl_opt_clear(&opt);
    gfl_features_clear(&feat);
    return st;
}

static gfl_status op_compare(void *p)
{
    op_ctx *o = p;
    gfl_compare_opts opts;
    gfl_compare_result res;
    gfl_compare_opts_default(&opts);
    memset(&res, 0, sizeof res);
    /* the self-check needs the ref path itself as the reference */
    gfl_path test = *gfl_path_find("fast");
    test.engine = &failing;
    gfl_status st = gfl_compare_run_opts(&o->pb, gfl_path_find("ref"), &test, &opts, &res);
    gfl_compare_clear(&res);
    return st;
}

static gfl_status op_compare_noselfcheck(void *p)
{
    op_ctx *o = p;
    gfl_compare_opts opts;
    gfl_compare_result res;
    gfl_compare_opts_default(&opts);
    opts.selfcheck = 0;
    memset(&res, 0, sizeof res);
    gfl_path ref = *gfl_path_find("ref");
    ref.engine = &failing;
    gfl_status st = gfl_compare_run_opts(&o->pb, &ref, gfl_path_find("fast"), &opts, &res);
    gfl_compare_clear(&res);
    return st;
}

static void t_sweep_train_population(void)
{
    op_ctx o;
    ctx_init(&o, GFL_CASE_XOR, "fast");
    sweep("train (fast)", &gfl_fast_engine, op_train, &o, 1);
    sweep("population MC (fast)", &gfl_fast_engine, op_population, &o, 1);
    ctx_clear(&o);
    ctx_init(&o, GFL_CASE_PARITY, "ref");
    sweep("train (ref)", &gfl_ref_engine, op_train, &o, 1);
    sweep("population enum (ref)", &gfl_ref_engine, op_population, &o, 1);
    ctx_clear(&o);
}

static void t_sweep_features_opt(void)
{
    op_ctx o;
    ctx_init(&o, GFL_CASE_LINEAR, "fast");
    sweep("features (fast)", &gfl_fast_engine, op_features, &o, 1);
    sweep("OPT_hat with refit (fast)", &gfl_fast_engine, op_opt, &o, 1);
    ctx_clear(&o);
}

static void t_sweep_chain(void)
{
    op_ctx o;
    ctx_init(&o, GFL_CASE_XOR, "fast");
    sweep("chain (fast)", &gfl_fast_engine, op_chain, &o, 1);
    ctx_clear(&o);
    ctx_init(&o, GFL_CASE_PARITY, "ref");
    sweep("chain (ref)", &gfl_ref_engine, op_chain, &o, 3);
    ctx_clear(&o);
}

static void t_sweep_compare(void)
{
    op_ctx o;
    ctx_init(&o, GFL_CASE_MOG, "fast");
    sweep("compare (fast side)", &gfl_fast_engine, op_compare, &o, 1);
    sweep("compare (ref side, no check)", &gfl_ref_engine, op_compare_noselfcheck, &o, 1);
    ctx_clear(&o);
}

/* When the chain trains the same run twice (cp.retrain; by default pass 2
 * replays pass 1's states) it refuses to go on when step 1 of the second
 * pass differs from the first (gfl_chain.c): a nondeterministic engine would
 * otherwise certify a comparator built from another run. */
static void t_chain_reproducibility_guard(void)
{
    op_ctx o;
    ctx_init(&o, GFL_CASE_XOR, "fast");
    inner = &gfl_fast_engine;
    chain_retrain = 1;
    for (int drift = 0; drift <= 2; drift += 2) {
        /* every first step after pass 1's differs from it */
        drift_first_step = drift;
        first_steps = 0;
        countdown = -1;
        gfl_error_clear();
        gfl_status st = op_chain(&o);
        if (drift) {
            CU_ASSERT_EQUAL(st, GFL_EINTERNAL);
            CU_ASSERT(strstr(gfl_error_message(), "not reproducible") != NULL);
        } else {
            CU_ASSERT_EQUAL(st, GFL_OK);
        }
    }
    drift_first_step = 0;
    chain_retrain = 0;
    gfl_error_clear();
    ctx_clear(&o);
}

/* gfl_train passes a hook's failure on, at the step where it happened. */
static int hook_calls;
static gfl_status failing_hook(void *ctx, int t, void *eng, const gfl_engine_vt *vt)
{
    (void)ctx, (void)eng, (void)vt;
    hook_calls++;
    if (t == 3)
        GFL_ERROR(GFL_ECHECK, "hook refused step %d", t);
    return GFL_OK;
}

static void t_train_hook_failure(void)
{
    op_ctx o;
    gfl_run run;
    ctx_init(&o, GFL_CASE_MOG, "fast");
    CU_ASSERT_FATAL(gfl_run_init(&run, &o.pb.cfg) == GFL_OK);
    hook_calls = 0;
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_train(&gfl_fast_engine, &o.pb, &run, failing_hook, NULL), GFL_ECHECK);
    CU_ASSERT_EQUAL(hook_calls, 3);
    CU_ASSERT_STRING_EQUAL(gfl_error_message(), "hook refused step 3");
    gfl_error_clear();
    gfl_run_clear(&run);
    ctx_clear(&o);
}

void t_cov_engine_register(void)
{
    CU_pSuite s = CU_add_suite("cov_engine", NULL, NULL);
    CU_add_test(s, "failing engine: training and population loss", t_sweep_train_population);
    CU_add_test(s, "failing engine: features and OPT_hat", t_sweep_features_opt);
    CU_add_test(s, "failing engine: proof chain", t_sweep_chain);
    CU_add_test(s, "failing engine: comparison", t_sweep_compare);
    CU_add_test(s, "chain: two passes must be the same run", t_chain_reproducibility_guard);
    CU_add_test(s, "training: a failing step hook stops the run", t_train_hook_failure);
}
