/* The exact links of the proof chain on hand-built states (SPEC 6): each test
 * pins one way a link could be unsound -- a non-finite side counted as a
 * pass, a Lipschitz factor of 1 for the logistic loss -- against an
 * independent oracle (a closed form, the other verdict helpers, the engines). */
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_paths.h"
#include "gfl_check.h"
#include "gfl_fast.h"
#include "gfl_fast_fault.h"
#include "gfl_recompute.h"
#include "gfl_ref.h"
#include "gfl_rng.h"
#include "gfl_test.h"
#include "gfl_train.h"

/* SPEC 6: a run whose regret and losses overflow (eta1 = 1e300) prints no
 * PASS or CONSISTENT on a link with an infinite side. */
static void t_nonfinite_never_pass(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.d = 4, cfg.m = 8, cfg.n = 16, cfg.T = 5, cfg.n_test = 32;
    cfg.eta1 = 1e300, cfg.sigma_a = 1e-300;
    gfl_check_params p;
    gfl_check_defaults(&p);
    p.cp.n_pop = 1024;
    p.n_fit = 256;
    gfl_check_case c;
    gfl_error_clear();
    gfl_status st = gfl_check_run(&cfg, gfl_path_find("fast"), &p, &c);
    CHECK(st == GFL_OK, "check failed: %s", gfl_error_message());
    if (st != GFL_OK)
        return;
    int nonfinite = 0;
    for (int k = 0; k < GFL_NLINKS; k++) {
        const gfl_link *l = &c.chain.link[k];
        int inf = isinf(l->lhs) || isinf(l->rhs) || isinf(l->slack);
        nonfinite += inf;
        CHECK(!inf || (l->verdict != GFL_V_PASS && l->verdict != GFL_V_CONSISTENT),
              "link %s is %s with lhs %g rhs %g slack %g", l->id, gfl_verdict_name(l->verdict), l->lhs, l->rhs,
              l->slack);
    }
    CHECK(nonfinite > 0, "the instance must overflow somewhere (else the test has no teeth)");
    CHECK(c.chain.link[GFL_L_C5].verdict != GFL_V_PASS, "C5 is %s (%s)",
          gfl_verdict_name(c.chain.link[GFL_L_C5].verdict), c.chain.link[GFL_L_C5].note);
    CHECK(gfl_check_strict_bad(&c), "--strict must reject this run");
    gfl_check_clear(&c);
}

/* --strict rejects exactly FAIL, VIOLATED, UNCERTIFIED and INCONCLUSIVE. */
static void t_strict_verdicts(void)
{
    for (int v = GFL_V_PASS; v <= GFL_V_NA; v++) {
        int want = v == GFL_V_FAIL || v == GFL_V_VIOLATED || v == GFL_V_UNCERTIFIED || v == GFL_V_INCONCLUSIVE;
        CHECK(gfl_verdict_strict_bad((gfl_verdict)v) == want, "verdict %s", gfl_verdict_name((gfl_verdict)v));
    }
    gfl_check_case c;
    memset(&c, 0, sizeof c);
    for (int k = 0; k < GFL_NLINKS; k++)
        c.chain.link[k].verdict = k == GFL_L_C2 ? GFL_V_CONSISTENT : GFL_V_PASS;
    c.delta_verdict = GFL_V_NA;
    CHECK(!gfl_check_strict_bad(&c) && !gfl_check_bad(&c), "all PASS / CONSISTENT / N/A");
    c.chain.link[GFL_L_POP].verdict = GFL_V_INCONCLUSIVE;
    CHECK(gfl_check_strict_bad(&c) && !gfl_check_bad(&c), "INCONCLUSIVE: strict only");
    c.chain.link[GFL_L_POP].verdict = GFL_V_CONSISTENT;
    c.delta_verdict = GFL_V_VIOLATED;
    CHECK(gfl_check_strict_bad(&c) && gfl_check_bad(&c), "delta VIOLATED: both");
}

/* The after-the-fact rule on reported sides (gfl_chain_guard). */
static void t_guard(void)
{
    gfl_link l;
    memset(&l, 0, sizeof l);
    l.verdict = GFL_V_PASS, l.lhs = 1, l.rhs = INFINITY, l.slack = INFINITY;
    gfl_chain_guard(&l);
    CHECK(l.verdict == GFL_V_UNCERTIFIED && strstr(l.note, "not finite"), "PASS with rhs = inf: %s",
          gfl_verdict_name(l.verdict));
    l.verdict = GFL_V_CONSISTENT, l.rhs = 2, l.slack = NAN;
    gfl_chain_guard(&l);
    CHECK(l.verdict == GFL_V_INCONCLUSIVE, "CONSISTENT with a NaN slack: %s", gfl_verdict_name(l.verdict));
    l.verdict = GFL_V_FAIL;
    gfl_chain_guard(&l);
    CHECK(l.verdict == GFL_V_FAIL, "FAIL stays FAIL");
    l.verdict = GFL_V_PASS, l.lhs = NAN, l.rhs = NAN, l.slack = 0.5; /* C4's form: per-batch verdicts */
    gfl_chain_guard(&l);
    CHECK(l.verdict == GFL_V_PASS, "a finite slack with NaN sides stays PASS");
    /* printf's inf and nan in a note become words; other words are kept */
    snprintf(l.note, sizeof l.note, "stat inf + nan = -inf; infinity, info, nanos, x_inf, inf");
    gfl_chain_guard(&l);
    CHECK(strcmp(l.note, "stat unbounded + - = -unbounded; infinity, info, nanos, x_inf, unbounded") == 0,
          "note after the guard: '%s'", l.note);
}

/* SPEC 1: L_l = 1/ln 2 for the logistic loss, rounded up (MPFR oracle). */
static void t_lipschitz_constant(void)
{
    CHECK(gfl_cert_lipschitz(GFL_LOSS_HINGE) == 1.0, "hinge");
    double L = gfl_cert_lipschitz(GFL_LOSS_LOGISTIC);
    mpfr_t x;
    mpfr_init2(x, 256);
    mpfr_const_log2(x, MPFR_RNDN);
    mpfr_ui_div(x, 1, x, MPFR_RNDN);
    CHECK(mpfr_cmp_d(x, L) < 0 && mpfr_cmp_d(x, nextafter(L, 0)) > 0,
          "L_l = %.17g must be 1/ln 2 rounded up", L);
    mpfr_clear(x);
}

/* SPEC 6 C6 with the logistic loss: x = 1, y = +1, b = 0, atilde = -5,
 * w1 = 1, w_t = 2.  L(f_t) = log2(1 + e^10) = 14.43 exceeds
 * L(f_1) + 1 * drift = log2(1 + e^5) + 5 = 12.22, so C6 is false with L_l = 1;
 * with L_l = 1/ln 2 the drift term is 7.21 and the link holds. */
static void t_c6_logistic_counterexample(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.loss = GFL_LOSS_LOGISTIC;
    cfg.d = 1, cfg.m = 2; /* neuron 1 is idle (atilde = 0) */
    double X[1] = {1}, Y[1] = {1}, b[2] = {0, 0}, at[2] = {-5, 0}, W1[2] = {1, 0}, Wt[2] = {2, 0};
    const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
    for (int p = 0; p < 2; p++) {
        void *e;
        double L1, Lt, err;
        CHECK(vts[p]->create(&e, &cfg, 1) == GFL_OK, "create");
        vts[p]->load(e, at, W1, b);
        vts[p]->evaluate(e, X, Y, 1, &L1, &err);
        vts[p]->load(e, at, Wt, b);
        vts[p]->evaluate(e, X, Y, 1, &Lt, &err);
        vts[p]->destroy(e);
        /* closed forms */
        CHECK(fabs(L1 - log1p(exp(5.0)) / log(2.0)) < 1e-12 && fabs(Lt - log1p(exp(10.0)) / log(2.0)) < 1e-12,
              "%s: L1 = %.17g, Lt = %.17g", vts[p]->name, L1, Lt);
        double e1 = gfl_cert_loss_err(0x1p-53, cfg.loss, 1, 1, 2, at, W1, b, 1.0, L1, 1);
        double et = gfl_cert_loss_err(0x1p-53, cfg.loss, 1, 1, 2, at, Wt, b, 1.0, Lt, 1);
        double slack;
        double drift = gfl_chain_drift(cfg.loss, 2, 1, at, Wt, W1, 1.0);
        CHECK(gfl_cert_le(Lt, et, L1 + drift, e1, &slack) == GFL_V_PASS, "%s: C6 with L_l = 1/ln 2: %g <= %g + %g",
              vts[p]->name, Lt, L1, drift);
        double drift1 = gfl_chain_drift(GFL_LOSS_HINGE, 2, 1, at, Wt, W1, 1.0); /* the factor 1 */
        CHECK(drift1 == 5.0 * (1 + 7 * 0x1p-52) || fabs(drift1 - 5.0) < 1e-12, "drift with L_l = 1: %g", drift1);
        CHECK(gfl_cert_le(Lt, et, L1 + drift1, e1, &slack) == GFL_V_FAIL,
              "%s: with L_l = 1 the link must be false: %g <= %g + %g", vts[p]->name, Lt, L1, drift1);
    }
}

/* One step of Algorithm 1 on engine vt from the problem's initialization:
 * the exact state after it (parts per entry; the caller frees). */
static int first_step(const gfl_engine_vt *vt, const gfl_problem *pb, double *X, double *Y, int *parts,
                      double **a1, double **W1)
{
    const gfl_config *cfg = &pb->cfg;
    void *e;
    gfl_step_info info;
    double eta, lam;
    int lie, uw;
    if (vt->create(&e, cfg, cfg->n) != GFL_OK)
        return 0;
    vt->load(e, pb->a0, pb->W0, pb->b);
    gfl_train_step_params(cfg, 1, &eta, &lam, &lie, &uw);
    gfl_problem_batch(pb, 1, X, Y);
    vt->step(e, X, Y, cfg->n, eta, lam, lie, uw, &info);
    *parts = vt->exact_parts(e);
    *a1 = malloc((size_t)cfg->m * *parts * sizeof(double));
    *W1 = malloc((size_t)cfg->m * cfg->d * *parts * sizeof(double));
    vt->store_exact(e, *parts, *a1, *W1);
    vt->destroy(e);
    return 1;
}

/* SPEC 6 C1: the recomputed identity meets its tolerance on correct first
 * steps of both paths, both losses and several eta1, and misses it once one
 * entry is moved by a few times its tolerance -- for the ref path an error of
 * a few hundred units of 2^-prec, far below a double's ulp, which the check
 * through double could not see. */
static void t_c1_tolerance(void)
{
    const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
    static const double etas[] = {0.3, 0.7, 1.0};
    double worst_ratio = 0;
    for (int p = 0; p < 2; p++)
        for (int loss = 0; loss < 2; loss++)
            for (int q = 0; q < 3; q++) {
                gfl_config cfg;
                gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
                cfg.loss = (gfl_loss)loss;
                cfg.eta1 = etas[q];
                cfg.sigma_a = 4;
                cfg.seed = gfl_test_seed();
                gfl_problem pb;
                CHECK(gfl_problem_init(&pb, &cfg) == GFL_OK, "problem");
                double *X = malloc((size_t)cfg.n * cfg.d * sizeof(double)), *Y = malloc((size_t)cfg.n * sizeof(double));
                double *a1 = NULL, *W1 = NULL;
                int parts = 1, ref = p == 1, md = cfg.m * cfg.d;
                CHECK(first_step(vts[p], &pb, X, Y, &parts, &a1, &W1), "first step");
                gfl_c1_check chk;
                CHECK(gfl_recompute_c1(&cfg, ref, cfg.n, X, Y, pb.a0, pb.W0, pb.b, parts, a1, W1, &chk) == GFL_OK,
                      "recompute");
                CHECK(chk.bad == 0 && chk.nonfinite == 0 && chk.max_ratio <= 1,
                      "%s %s eta1 %g: %d of %d entries out, max residual/tolerance %g", vts[p]->name,
                      gfl_loss_name(cfg.loss), cfg.eta1, chk.bad, chk.entries, chk.max_ratio);
                worst_ratio = fmax(worst_ratio, chk.max_ratio);
                /* move the entry closest to its tolerance by 3 tolerances */
                int e = chk.worst;
                double *v = e < md ? W1 + (size_t)e * parts : a1 + (size_t)(e - md) * parts;
                double delta = 3 * chk.worst_tol, u = ref ? ldexp(1.0, (int)-cfg.prec) : 0x1p-53;
                v[parts - 1] += delta;
                gfl_c1_check bad;
                gfl_recompute_c1(&cfg, ref, cfg.n, X, Y, pb.a0, pb.W0, pb.b, parts, a1, W1, &bad);
                CHECK(bad.bad == 1, "%s %s eta1 %g: an error of %.3g (%.0f units of %g times |entry| %.3g) must FAIL",
                      vts[p]->name, gfl_loss_name(cfg.loss), cfg.eta1, delta, delta / (u * fabs(v[0])), u, v[0]);
                if (p == 1)
                    CHECK(delta < 0x1p-60 * fabs(v[0]), "ref: the injected error %.3g must be far below a double ulp "
                          "of %.3g", delta, v[0]);
                free(a1), free(W1), free(X), free(Y);
                gfl_problem_clear(&pb);
            }
    printf("\n    C1: largest residual/tolerance on correct runs %.3g\n", worst_ratio);
}

/* C1 and C5g on a state with an exact ReLU tie (h_00 = 0: w_0 = e_1,
 * b_0 = x_01) and with a non-finite entry: the tie is counted, not failed;
 * the non-finite entry is counted (UNCERTIFIED in the chain), not passed. */
static void t_recompute_ties_and_nonfinite(void)
{
    const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
    for (int p = 0; p < 2; p++) {
        gfl_config cfg;
        gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
        cfg.seed = gfl_test_seed();
        int ref = p == 1;
        gfl_problem pb;
        CHECK(gfl_problem_init(&pb, &cfg) == GFL_OK, "problem");
        double *X = malloc((size_t)cfg.n * cfg.d * sizeof(double)), *Y = malloc((size_t)cfg.n * sizeof(double));
        gfl_problem_batch(&pb, 1, X, Y);
        int h = cfg.m / 2;
        for (int j = 0; j < cfg.d; j++)
            pb.W0[j] = pb.W0[(size_t)h * cfg.d + j] = j == 0;
        pb.b[0] = pb.b[h] = X[0];
        double *a1 = NULL, *W1 = NULL;
        int parts = 1;
        CHECK(first_step(vts[p], &pb, X, Y, &parts, &a1, &W1), "first step");
        gfl_c1_check chk;
        gfl_recompute_c1(&cfg, ref, cfg.n, X, Y, pb.a0, pb.W0, pb.b, parts, a1, W1, &chk);
        CHECK(chk.ambiguous >= 2 && chk.bad == 0 && chk.nonfinite == 0, "%s C1 with a tie: %d ambiguous, %d out",
              vts[p]->name, chk.ambiguous, chk.bad);
        a1[0] = INFINITY;
        gfl_recompute_c1(&cfg, ref, cfg.n, X, Y, pb.a0, pb.W0, pb.b, parts, a1, W1, &chk);
        CHECK(chk.nonfinite == 1 && chk.bad == 0, "%s C1 with an infinite entry: %d not finite", vts[p]->name,
              chk.nonfinite);
        /* C5g: one later-style step (eta, lam, no 1/eta) from the tied initialization */
        void *e;
        gfl_step_info info;
        size_t P = (size_t)parts;
        double *ap = malloc((size_t)cfg.m * P * sizeof(double)), *Wp = malloc((size_t)cfg.m * cfg.d * P * sizeof(double));
        double *an = malloc((size_t)cfg.m * P * sizeof(double)), *Wn = malloc((size_t)cfg.m * cfg.d * P * sizeof(double));
        CHECK(vts[p]->create(&e, &cfg, cfg.n) == GFL_OK, "create");
        vts[p]->load(e, pb.a0, pb.W0, pb.b);
        vts[p]->store_exact(e, parts, ap, Wp);
        vts[p]->step(e, X, Y, cfg.n, cfg.eta, cfg.lam, 0, 1, &info);
        vts[p]->store_exact(e, parts, an, Wn);
        vts[p]->destroy(e);
        gfl_c5g_check g;
        memset(&g, 0, sizeof g);
        gfl_recompute_c5g(&cfg, ref, 2, cfg.n, X, Y, pb.b, parts, ap, Wp, an, cfg.eta, cfg.lam, info.grad_norm_a, &g);
        CHECK(g.amb_relu >= 2 && g.bad_norm == 0 && g.bad_update == 0 && g.nonfinite == 0 && g.steps == 1,
              "%s C5g with a tie: %ld ambiguous, |g| off %d, update off %d (ratios %g %g)", vts[p]->name, g.amb_relu,
              g.bad_norm, g.bad_update, g.max_norm_ratio, g.max_update_ratio);
        an[0] = NAN;
        gfl_recompute_c5g(&cfg, ref, 3, cfg.n, X, Y, pb.b, parts, ap, Wp, an, cfg.eta, cfg.lam, info.grad_norm_a, &g);
        CHECK(g.nonfinite == 1 && g.bad_update == 0 && g.steps == 2, "%s C5g with a NaN entry: %d not finite",
              vts[p]->name, g.nonfinite);
        free(ap), free(Wp), free(an), free(Wn), free(a1), free(W1), free(X), free(Y);
        gfl_problem_clear(&pb);
    }
}

static void run_small(gfl_case_id cid, const char *path, gfl_loss loss, int T, gfl_check_case *c)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, cid, GFL_PRESET_SMALL);
    cfg.sigma_a = 4;
    cfg.T = T;
    cfg.loss = loss;
    cfg.seed = gfl_test_seed();
    gfl_check_params p;
    gfl_check_defaults(&p);
    p.cp.n_pop = 2048;
    p.n_fit = 512;
    gfl_error_clear();
    gfl_status st = gfl_check_run(&cfg, gfl_path_find(path), &p, c);
    CHECK(st == GFL_OK, "check failed: %s", gfl_error_message());
}

/* SPEC 6 C5g: a clean run passes on both paths and both losses; an
 * a-gradient without its 1/n from step 2 on -- invisible to C1 (step 1 is
 * right) and to C5, which takes |g_t| from the run -- makes C5g FAIL. */
static void t_c5g(void)
{
    static const char *paths[] = {"fast", "ref"};
    for (int p = 0; p < 2; p++)
        for (int loss = 0; loss < 2; loss++) {
            gfl_check_case c;
            run_small(GFL_CASE_XOR, paths[p], (gfl_loss)loss, 12, &c);
            const gfl_link *l = &c.chain.link[GFL_L_C5G];
            CHECK(l->verdict == GFL_V_PASS && l->lhs <= 1, "%s %s: C5g %s (%s)", paths[p],
                  gfl_loss_name((gfl_loss)loss), gfl_verdict_name(l->verdict), l->note);
            CHECK(strstr(l->note, "t = 2,") && strstr(l->note, ",12:"), "t = 2 and t = T are sampled: %s", l->note);
            gfl_check_clear(&c);
        }
    for (int loss = 0; loss < 2; loss++) {
        gfl_check_case c;
        gfl_fast_fault = GFL_FAULT_DROP_INV_N_LATE;
        run_small(GFL_CASE_XOR, "fast", (gfl_loss)loss, 12, &c);
        gfl_fast_fault = GFL_FAULT_NONE;
        const gfl_link *l = &c.chain.link[GFL_L_C5G];
        CHECK(l->verdict == GFL_V_FAIL, "%s, 1/n dropped from step 2: C5g %s (%s)", gfl_loss_name((gfl_loss)loss),
              gfl_verdict_name(l->verdict), l->note);
        CHECK(c.chain.link[GFL_L_C1].verdict == GFL_V_PASS, "step 1 is right: C1 %s",
              gfl_verdict_name(c.chain.link[GFL_L_C1].verdict));
        gfl_check_clear(&c);
    }
}

/* SPEC 6 C5, SPEC 9: the radius of a T-term double sum covers its distance
 * to the exact sum (gfl_cert_sum at 2200 bits), on sums of non-negative
 * per-step losses of mixed magnitudes -- where the error is not 0, so a
 * radius without this term would not cover it. */
static void t_sum_radius(void)
{
    gfl_rng r;
    gfl_rng_init(&r, gfl_test_seed(), 0xC5, 0, 0);
    int nonzero = 0, reps = 50 * (gfl_test_effort() + 1);
    double worst = 0;
    for (int rep = 0; rep < reps; rep++) {
        int T = 2 + (int)gfl_rng_below(&r, 2000);
        double *v = malloc((size_t)T * sizeof(double)), s = 0, sa = 0;
        for (int t = 0; t < T; t++) {
            v[t] = gfl_rng_uniform(&r) * ldexp(1.0, (int)gfl_rng_below(&r, 30) - 10);
            s += v[t];
            sa += fabs(v[t]);
        }
        double lo = gfl_cert_sum(v, (size_t)T, -1), hi = gfl_cert_sum(v, (size_t)T, +1);
        double err = fmax(fabs(s - lo), fabs(s - hi)), rad = gfl_cert_sum_err(T, sa);
        nonzero += err > 0;
        CHECK(err <= rad, "T = %d: |double sum - exact| = %.3g > radius %.3g", T, err, rad);
        worst = fmax(worst, err / rad);
        free(v);
    }
    CHECK(nonzero > reps / 2, "the sums must round (%d of %d did)", nonzero, reps);
    printf("\n    T-term sums: largest error/radius %.3g\n", worst);
}

static int links_teardown(void)
{
    gfl_fast_fault = GFL_FAULT_NONE;
    return 0;
}

void t_links_register(void)
{
    CU_pSuite s = CU_add_suite("links", NULL, links_teardown);
    CU_add_test(s, "a non-finite side is never PASS or CONSISTENT", t_nonfinite_never_pass);
    CU_add_test(s, "--strict rejects UNCERTIFIED and INCONCLUSIVE", t_strict_verdicts);
    CU_add_test(s, "L_l of the logistic loss is 1/ln 2 rounded up", t_lipschitz_constant);
    CU_add_test(s, "C6 counterexample needs L_l = 1/ln 2", t_c6_logistic_counterexample);
    CU_add_test(s, "C1 tolerance: met on correct steps, missed by a few tolerances", t_c1_tolerance);
    CU_add_test(s, "C5g: clean runs pass, a wrong a-gradient from step 2 fails", t_c5g);
    CU_add_test(s, "C5: the radius of a T-term sum covers its rounding", t_sum_radius);
    CU_add_test(s, "non-finite sides are demoted after the fact", t_guard);
    CU_add_test(s, "C1, C5g: ties counted, non-finite entries not passed", t_recompute_ties_and_nonfinite);
}
