/* Boundaries the mathematics cares about, in both paths (SPEC 1, 4, 9).
 *
 * The GFL_TESTCASE markers of core/gfl_testcase.h sit where the code decides
 * these cases; this suite drives both outcomes of each and checks the values
 * against hand-derived closed forms (dyadic inputs, so every quantity below is
 * exact in double and in MPFR, and both engines must hit it to the bit):
 *   - the exact ReLU tie h = 0: sigma(0) = 0 and sigma'(0) = 0;
 *   - the hinge margin exactly 1: l(1) = 0, l'(1) = 0 (and one ulp below 1);
 *   - f = 0 counts as a 0-1 error;
 *   - a neuron with w^(1) = 0 (inactive on the whole first batch);
 *   - the NaN/overflow guard of the training loop;
 * plus the small helpers whose edge cases the rest of the code relies on
 * (bounds at 0 and +inf, certified comparisons with non-finite sides, the
 * normwise difference with a NaN or a zero reference, the self-check on
 * identical or zero engines). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_paths.h"
#include "gfl_cert.h"
#include "gfl_compare.h"
#include "gfl_fast.h"
#include "gfl_fast_bounds.h"
#include "gfl_fast_fault.h"
#include "gfl_fast_oracle.h"
#include "gfl_features.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"
#include "gfl_test.h"
#include "gfl_train.h"

/* A tiny network of width 2 (no mirror symmetry: the engines do not need it):
 * neuron 0: w = (1, 0), b = 1, a = 1;  neuron 1: w = (0, 1), b = 1/2, a = 1,
 * so f(x) = sigma(x1 - 1) + sigma(x2 - 1/2). */
static const double NET_A[2] = {1.0, 1.0};
static const double NET_W[4] = {1.0, 0.0, 0.0, 1.0};
static const double NET_B[2] = {1.0, 0.5};

static const gfl_engine_vt *const ENGINES[2] = {&gfl_fast_engine, &gfl_ref_engine};

static void *tiny_engine(const gfl_engine_vt *vt, gfl_loss loss, int n_max)
{
    gfl_config cfg;
    void *eng = NULL;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.d = 2;
    cfg.m = 2;
    cfg.loss = loss;
    cfg.prec = 128;
    CU_ASSERT_FATAL(vt->create(&eng, &cfg, n_max) == GFL_OK);
    CU_ASSERT_FATAL(vt->load(eng, NET_A, NET_W, NET_B) == GFL_OK);
    return eng;
}

/* SPEC 1: sigma'(0) = 0.  Sample 0 puts neuron 0 exactly on its kink
 * (x1 = 1) and neuron 1 below it; sample 1 puts neuron 1 on its kink. */
static void t_relu_tie(void)
{
    const double X[4] = {1.0, 0.25, 1.5, 0.5}, Y[2] = {1.0, 1.0};
    /* f = (0, 1/2); margins 0 and 1/2: both hinges active, g = -y = -1;
     * L = (1 + 1/2)/2; dL/da_i = (1/2) sum_k g_k sigma(h_ik) = (-1/4, 0);
     * dL/dw_0 = (1/2) g_1 a_0 x_1 = (-3/4, -1/4) (sample 0 is a tie: out);
     * dL/dw_1 = 0 (sample 0 below, sample 1 a tie). */
    const double f_want[2] = {0.0, 0.5}, ga_want[2] = {-0.25, 0.0};
    const double gW_want[4] = {-0.75, -0.25, 0.0, 0.0};
    const unsigned char relu_want[4] = {0, 0, 1, 0};
    for (int p = 0; p < 2; p++) {
        const gfl_engine_vt *vt = ENGINES[p];
        void *eng = tiny_engine(vt, GFL_LOSS_HINGE, 2);
        double f[2], ga[2], gW[4], L, err;
        unsigned char relu[4], hinge[2];
        CU_ASSERT(vt->forward(eng, X, 2, f) == GFL_OK);
        CU_ASSERT(memcmp(f, f_want, sizeof f) == 0);
        vt->decisions(eng, 2, relu, hinge);
        CU_ASSERT(memcmp(relu, relu_want, sizeof relu) == 0);
        CU_ASSERT(vt->gradient(eng, X, Y, 2, &L, ga, gW) == GFL_OK);
        CU_ASSERT_EQUAL(L, 0.75);
        CU_ASSERT(memcmp(ga, ga_want, sizeof ga) == 0);
        CU_ASSERT(memcmp(gW, gW_want, sizeof gW) == 0);
        /* f = 0 on sample 0 is an error (SPEC 1), f = 1/2 with y = 1 is not */
        CU_ASSERT(vt->evaluate(eng, X, Y, 2, &L, &err) == GFL_OK);
        CU_ASSERT_EQUAL(L, 0.75);
        CU_ASSERT_EQUAL(err, 0.5);
        vt->destroy(eng);
    }
}

/* SPEC 1: l(1) = 0 and l'(1) = 0; one ulp below 1 the hinge is active. */
static void t_hinge_margin_one(void)
{
    const double u = 0x1p-52;
    /* x = (2, 1/4): f = sigma(1) = 1; x = (2 - 2^-52, 1/4): f = 1 - 2^-52 */
    const double X1[2] = {2.0, 0.25}, X2[2] = {2.0 - u, 0.25}, Yp[1] = {1.0}, Yn[1] = {-1.0};
    for (int p = 0; p < 2; p++) {
        const gfl_engine_vt *vt = ENGINES[p];
        void *eng = tiny_engine(vt, GFL_LOSS_HINGE, 1);
        double ga[2], gW[4], L, err, a[2], W[4];
        unsigned char relu[2], hinge[1];
        gfl_step_info info;
        /* margin exactly 1: loss 0, every gradient exactly 0 */
        CU_ASSERT(vt->gradient(eng, X1, Yp, 1, &L, ga, gW) == GFL_OK);
        CU_ASSERT_EQUAL(L, 0.0);
        CU_ASSERT(ga[0] == 0.0 && ga[1] == 0.0);
        CU_ASSERT(gW[0] == 0.0 && gW[1] == 0.0 && gW[2] == 0.0 && gW[3] == 0.0);
        /* a step without decay leaves the network unchanged; the hinge is off */
        CU_ASSERT(vt->step(eng, X1, Yp, 1, 0.5, 0.0, 0, 1, &info) == GFL_OK);
        CU_ASSERT_EQUAL(info.batch_loss, 0.0);
        CU_ASSERT_EQUAL(info.grad_norm_a, 0.0);
        vt->store(eng, a, W);
        CU_ASSERT(memcmp(a, NET_A, sizeof a) == 0 && memcmp(W, NET_W, sizeof W) == 0);
        vt->decisions(eng, 1, relu, hinge);
        CU_ASSERT(relu[0] == 1 && relu[1] == 0 && hinge[0] == 0);
        /* one ulp below: l = 2^-52, g = -1, dL/da_0 = -(1 - 2^-52), dL/dw_0 = -x */
        CU_ASSERT(vt->gradient(eng, X2, Yp, 1, &L, ga, gW) == GFL_OK);
        CU_ASSERT_EQUAL(L, u);
        CU_ASSERT_EQUAL(ga[0], -(1.0 - u));
        CU_ASSERT_EQUAL(ga[1], 0.0);
        CU_ASSERT(gW[0] == -(2.0 - u) && gW[1] == -0.25 && gW[2] == 0.0 && gW[3] == 0.0);
        CU_ASSERT(vt->step(eng, X2, Yp, 1, 0.5, 0.0, 0, 0, &info) == GFL_OK);
        vt->decisions(eng, 1, relu, hinge);
        CU_ASSERT_EQUAL(hinge[0], 1);
        vt->destroy(eng);
        /* y = -1 at f = 1: margin -1, loss 2, counted as an error */
        eng = tiny_engine(vt, GFL_LOSS_HINGE, 1);
        CU_ASSERT(vt->evaluate(eng, X1, Yn, 1, &L, &err) == GFL_OK);
        CU_ASSERT(L == 2.0 && err == 1.0);
        vt->destroy(eng);
    }
}

/* The logistic loss has no kink: l(0) = 1 exactly at f = 0 (SPEC 1), and a
 * margin of 1 is nothing special (l'(1) = -1/((1 + e) ln 2)). */
static void t_logistic_no_kink(void)
{
    const double X0[2] = {1.0, 0.25}, X1[2] = {2.0, 0.25}, Y[1] = {1.0};
    const double want = -1.0 / ((1.0 + exp(1.0)) * log(2.0));
    for (int p = 0; p < 2; p++) {
        const gfl_engine_vt *vt = ENGINES[p];
        void *eng = tiny_engine(vt, GFL_LOSS_LOGISTIC, 1);
        double ga[2], gW[4], L, err;
        CU_ASSERT(vt->evaluate(eng, X0, Y, 1, &L, &err) == GFL_OK);
        CU_ASSERT_DOUBLE_EQUAL(L, 1.0, 1e-15);
        CU_ASSERT_EQUAL(err, 1.0);
        CU_ASSERT(vt->gradient(eng, X1, Y, 1, &L, ga, gW) == GFL_OK);
        CU_ASSERT_DOUBLE_EQUAL(ga[0], want, 1e-15);
        CU_ASSERT(L > 0.0 && L < 1.0);
        vt->destroy(eng);
    }
}

/* A NaN input (which no case study produces) must be handled the same way by
 * both paths: the comparison relies on identical branch decisions. */
static void t_nan_input_same_in_both_paths(void)
{
    const double X[4] = {NAN, 0.75, 1.5, NAN}, Y[2] = {1.0, -1.0};
    double f[2][2], L[2], err[2], ga[2][2], gW[2][4];
    unsigned char relu[2][4], hinge[2][2];
    for (int p = 0; p < 2; p++) {
        const gfl_engine_vt *vt = ENGINES[p];
        void *eng = tiny_engine(vt, GFL_LOSS_HINGE, 2);
        CU_ASSERT(vt->forward(eng, X, 2, f[p]) == GFL_OK);
        vt->decisions(eng, 2, relu[p], hinge[p]);
        CU_ASSERT(vt->evaluate(eng, X, Y, 2, &L[p], &err[p]) == GFL_OK);
        CU_ASSERT(vt->gradient(eng, X, Y, 2, &L[p], ga[p], gW[p]) == GFL_OK);
        vt->destroy(eng);
    }
    for (int k = 0; k < 2; k++)
        CU_ASSERT(isnan(f[0][k]) == isnan(f[1][k]) && (isnan(f[0][k]) || f[0][k] == f[1][k]));
    CU_ASSERT(memcmp(relu[0], relu[1], sizeof relu[0]) == 0);
    CU_ASSERT(err[0] == err[1]);
    CU_ASSERT(isnan(L[0]) == isnan(L[1]) && (isnan(L[0]) || L[0] == L[1]));
    for (int i = 0; i < 2; i++)
        CU_ASSERT(isnan(ga[0][i]) == isnan(ga[1][i]) && (isnan(ga[0][i]) || ga[0][i] == ga[1][i]));
}

/* SPEC 3 / design: training stops with GFL_ENUMERIC naming the step when a
 * value is not finite.  eta1 = 1e200 makes f^(1) overflow: with the logistic
 * loss the batch loss of step 2 is NaN; with eta1 = 1e308 and sigma_a = 1e3,
 * W^(1) = -eta1 a^(0) G_Z overflows at step 1.  The same training with a sane
 * eta1 succeeds. */
static void t_nan_guard(void)
{
    struct {
        gfl_loss loss;
        double eta1, sigma_a;
        gfl_status want;
        int step; /* the latest step at which the run must stop; 0: it must not */
    } cases[] = {{GFL_LOSS_LOGISTIC, 1e200, 1.0, GFL_ENUMERIC, 2},
                 {GFL_LOSS_HINGE, 1e308, 1e3, GFL_ENUMERIC, 1},
                 {GFL_LOSS_LOGISTIC, 1.0, 1.0, GFL_OK, 0}};
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_run run;
        gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
        cfg.seed = gfl_test_seed();
        cfg.loss = cases[q].loss;
        cfg.eta1 = cases[q].eta1;
        cfg.sigma_a = cases[q].sigma_a;
        cfg.T = 4;
        gfl_error_clear();
        CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
        CU_ASSERT_FATAL(gfl_run_init(&run, &cfg) == GFL_OK);
        gfl_status st = gfl_train(&gfl_fast_engine, &pb, &run, NULL, NULL);
        if (st != cases[q].want)
            printf("\n  nan guard, eta1 = %g: status %s (%s)", cases[q].eta1, gfl_status_name(st),
                   gfl_error_message());
        CU_ASSERT_EQUAL(st, cases[q].want);
        /* The step is named; which one may depend on the BLAS kernel: a dnrm2
         * without scaling (OpenBLAS picks one per CPU, e.g. under valgrind)
         * overflows |a^(1)| ~ 1e201 at step 1 already. */
        if (cases[q].step) {
            int at = 0;
            const char *m = strstr(gfl_error_message(), "at step ");
            CU_ASSERT(m != NULL && sscanf(m, "at step %d", &at) == 1);
            CU_ASSERT(at >= 1 && at <= cases[q].step);
        }
        gfl_run_clear(&run);
        gfl_problem_clear(&pb);
    }
    gfl_error_clear();
}

/* SPEC 4, 6 C4: a neuron inactive on the whole first batch gets G_Z = 0,
 * hence w^(1) = 0: no direction, no best feature, effective bias +inf.  With
 * Gaussian biases of spread 10 some neurons are far above every sample. */
static void t_zero_neuron(void)
{
    const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
    const gfl_oracle_vt *orcs[2] = {&gfl_fast_oracle, &gfl_ref_oracle};
    for (int p = 0; p < 2; p++) {
        gfl_config cfg;
        gfl_problem pb;
        gfl_witness wit;
        gfl_features_params fp;
        gfl_features_result res;
        gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
        cfg.seed = gfl_test_seed();
        cfg.bias_mode = GFL_BIAS_GAUSS;
        cfg.sigma_b = 10.0;
        cfg.m = 32;
        cfg.prec = 64;
        gfl_features_defaults(&fp, &cfg, gfl_path_find(p ? "ref" : "fast"));
        fp.n_init = 40;
        fp.n_mc = 512;
        CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
        CU_ASSERT_FATAL(gfl_witness_init(&wit, &pb) == GFL_OK);
        CU_ASSERT_FATAL(gfl_features_run(&pb, &wit, vts[p], orcs[p], &fp, &res) == GFL_OK);
        int zero = 0, live = 0, bad = 0;
        for (int i = 0; i < cfg.m; i++) {
            const gfl_neuron_stat *s = &res.neuron[i];
            if (s->norm_w1 == 0.0) {
                zero++;
                bad += !(s->best == -1 && isinf(s->beta) && s->norm_GZ == 0.0);
            } else {
                /* xor's witness features all have b* > 0: sign(b) must match */
                live++;
                bad += !((pb.b[i] > 0 ? s->best >= 0 : s->best == -1) && isfinite(s->beta));
            }
        }
        if (zero == 0 || live == 0 || bad)
            printf("\n  zero neurons (%s, seed %llu): %d zero, %d live, %d inconsistent", vts[p]->name,
                   (unsigned long long)cfg.seed, zero, live, bad);
        CU_ASSERT(zero > 0 && live > 0);
        CU_ASSERT_EQUAL(bad, 0);
        gfl_features_clear(&res);
        gfl_witness_clear(&wit);
        gfl_problem_clear(&pb);
    }
}

/* The population G at w = 0 (SPEC 4): 1[0 > b] is 1 for b < 0, so
 * G(0, b) = E[y x] = sum_j pi_j y_j mu_j for a mixture, and 0 for b > 0. */
static void t_oracle_zero_w(void)
{
    const gfl_oracle_vt *orcs[2] = {&gfl_fast_oracle, &gfl_ref_oracle};
    gfl_config cfg;
    gfl_problem pb;
    gfl_config_defaults(&cfg, GFL_CASE_MOG, GFL_PRESET_SMALL);
    cfg.d = 5;
    cfg.r = 4;
    cfg.mu = 1.5;
    cfg.m = 2;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    /* labels +,-,+,- on mu e_1..e_4, weights 1/4 */
    const double want[5] = {1.5 / 4, -1.5 / 4, 1.5 / 4, -1.5 / 4, 0.0};
    const double w[10] = {0}, b[2] = {-1.0, 1.0};
    for (int p = 0; p < 2; p++) {
        double G[10], se[2];
        CU_ASSERT(orcs[p]->G(&pb, NULL, 2, w, b, G, se) == GFL_OK);
        for (int j = 0; j < 5; j++) {
            CU_ASSERT_DOUBLE_EQUAL(G[j], want[j], 1e-15);
            CU_ASSERT_EQUAL(G[5 + j], 0.0);
        }
        CU_ASSERT(se[0] == 0.0 && se[1] == 0.0); /* closed form */
    }
    gfl_problem_clear(&pb);
}

/* The two-sided cone of SPEC 4 on the zero vector: no direction, never inside. */
static void t_cone_zero_vector(void)
{
    const double v0[3] = {0, 0, 0}, D[3] = {1, 0, 0}, v[3] = {-2, 0, 0};
    double c = 7.0;
    CU_ASSERT_EQUAL(gfl_in_cone(v0, D, 3, 0.5, &c), 0);
    CU_ASSERT_EQUAL(c, 0.0);
    CU_ASSERT_EQUAL(gfl_in_cone(v0, D, 3, 0.5, NULL), 0);
    CU_ASSERT_EQUAL(gfl_in_cone(v, D, 3, 0.0, &c), 1); /* -D is in C(D, 0): two-sided */
    CU_ASSERT_EQUAL(c, -1.0);
}

/* gfl_fast_bounds at its edges: gamma_0 = 0, gamma_n = inf once n u >= 1/2,
 * upward steps from 0 and from negatives, an all-zero dot product certified
 * exact (bound 0) and a rounded one not. */
static void t_fast_bounds_edges(void)
{
    CU_ASSERT_EQUAL(gfl_gamma_up(0), 0.0);
    CU_ASSERT_EQUAL(gfl_gamma_up(-3), 0.0);
    CU_ASSERT(isinf(gfl_gamma_up(1L << 52)));
    double g1 = gfl_gamma_up(1);
    CU_ASSERT(g1 > 0x1p-53 && g1 < 0x1p-53 * (1 + 0x1p-40));
    CU_ASSERT_EQUAL(gfl_next_up(0.0), DBL_TRUE_MIN);
    CU_ASSERT_EQUAL(gfl_next_up(-1.0), -1.0 + 0x1p-53);
    CU_ASSERT_EQUAL(gfl_next_up(1.0), 1.0 + 0x1p-52);
    CU_ASSERT(isinf(gfl_next_up(INFINITY)));
    CU_ASSERT(isnan(gfl_next_up(NAN)));
    gfl_hbound hb;
    const double w0[3] = {0, 0, 0}, x[3] = {1.0 / 3, 2, 5}, w[3] = {1.0 / 3, 1.0 / 7, 0.1};
    gfl_fast_bound_h(3, w0, x, 0.0, &hb);
    CU_ASSERT(hb.h == 0.0 && hb.err == 0.0 && hb.sabs == 0.0);
    gfl_fast_bound_h(3, w, x, 0.25, &hb);
    CU_ASSERT(hb.err > 0.0);
    /* a product underflowing to 0 is not exact */
    const double tiny[1] = {0x1p-600}, tiny2[1] = {0x1p-600};
    gfl_fast_bound_h(1, tiny, tiny2, 0.0, &hb);
    CU_ASSERT(hb.h == 0.0 && hb.err > 0.0);
}

/* gfl_cert_le with non-finite sides, and the small verdict helpers. */
static void t_cert_nonfinite(void)
{
    double slack;
    CU_ASSERT_EQUAL(gfl_cert_le(NAN, 0, 1, 0, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT(isnan(slack));
    CU_ASSERT_EQUAL(gfl_cert_le(1, 0, NAN, 0, &slack), GFL_V_UNCERTIFIED);
    /* SPEC 6: an infinite side is never PASS (an overflow is not the exact value) */
    CU_ASSERT_EQUAL(gfl_cert_le(-INFINITY, 0, 1, 0, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT_EQUAL(gfl_cert_le(1, 0, INFINITY, 0, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT_EQUAL(gfl_cert_le(INFINITY, 0, INFINITY, 0, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT_EQUAL(gfl_cert_le(INFINITY, 0, 1, 0, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT_EQUAL(gfl_cert_le(1, 0, -INFINITY, 0, &slack), GFL_V_UNCERTIFIED);
    /* an unbounded radius: the enclosures overlap, nothing is certified either way */
    CU_ASSERT_EQUAL(gfl_cert_le(1, INFINITY, 2, 0, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT_EQUAL(gfl_cert_le(3, 0, 2, INFINITY, &slack), GFL_V_UNCERTIFIED);
    /* finite: PASS, FAIL, UNCERTIFIED by the enclosures */
    CU_ASSERT_EQUAL(gfl_cert_le(1, 0.25, 2, 0.25, &slack), GFL_V_PASS);
    CU_ASSERT_EQUAL(slack, 0.5);
    CU_ASSERT_EQUAL(gfl_cert_le(3, 0.25, 2, 0.25, &slack), GFL_V_FAIL);
    CU_ASSERT_EQUAL(gfl_cert_le(2, 0.25, 2, 0.25, &slack), GFL_V_UNCERTIFIED);
    CU_ASSERT(gfl_verdict_bad(GFL_V_FAIL) && gfl_verdict_bad(GFL_V_VIOLATED));
    CU_ASSERT(!gfl_verdict_bad(GFL_V_PASS) && !gfl_verdict_bad(GFL_V_INCONCLUSIVE) &&
              !gfl_verdict_bad(GFL_V_UNCERTIFIED) && !gfl_verdict_bad(GFL_V_NA));
    CU_ASSERT_STRING_EQUAL(gfl_verdict_name(GFL_V_NA), "N/A");
    CU_ASSERT_EQUAL(gfl_path_find("fast")->unit(128), 0x1p-53);
    CU_ASSERT_EQUAL(gfl_path_find("fast")->unit(53), 0x1p-53);
    CU_ASSERT_EQUAL(gfl_path_find("ref")->unit(128), 0x1p-128);
    CU_ASSERT(isinf(gfl_cert_gamma(0x1p52, 0x1p-53)));
}

/* gfl_compare_rel: normwise, absolute against a zero reference, NaN kept. */
static void t_compare_rel_edges(void)
{
    const double z[2] = {0, 0}, f[2] = {0.5, -0.25}, r[2] = {2, -1}, n[2] = {NAN, 1};
    CU_ASSERT_EQUAL(gfl_compare_rel(z, f, 2), 0.5);
    CU_ASSERT_EQUAL(gfl_compare_rel(r, f, 2), 1.5 / 2);
    CU_ASSERT(isnan(gfl_compare_rel(r, n, 2)));
    CU_ASSERT_EQUAL(gfl_compare_rel(r, r, 2), 0.0);
    CU_ASSERT_STRING_EQUAL(gfl_compare_verdict_name(GFL_COMPARE_FAIL), "FAIL");
}

/* The reference self-check (SPEC 9): identical engines agree to the full
 * precision; an all-zero reference makes the difference absolute; engines of
 * different shapes are refused. */
static void t_agreement_bits_edges(void)
{
    gfl_config cfg;
    void *e1, *e2, *e3;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.d = 2;
    cfg.m = 2;
    cfg.prec = 100;
    CU_ASSERT_FATAL(gfl_ref_engine.create(&e1, &cfg, 1) == GFL_OK);
    cfg.prec = 164;
    CU_ASSERT_FATAL(gfl_ref_engine.create(&e2, &cfg, 1) == GFL_OK);
    cfg.m = 4;
    CU_ASSERT_FATAL(gfl_ref_engine.create(&e3, &cfg, 1) == GFL_OK);
    double bits = -1;
    /* both zero (fresh engines): identical, so the full 164 bits */
    CU_ASSERT(gfl_ref_agreement_bits(e1, e2, &bits) == GFL_OK);
    CU_ASSERT_EQUAL(bits, 164.0);
    /* reference zero, the other 2^-10 away: -log2(2^-10) = 10 bits */
    const double a[2] = {0x1p-10, 0}, W[4] = {0, 0, 0, 0}, b[2] = {0, 0};
    CU_ASSERT(gfl_ref_engine.load(e1, a, W, b) == GFL_OK);
    CU_ASSERT(gfl_ref_agreement_bits(e1, e2, &bits) == GFL_OK);
    CU_ASSERT_EQUAL(bits, 10.0);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_ref_agreement_bits(e1, e3, &bits), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "different shapes") != NULL);
    gfl_error_clear();
    gfl_ref_engine.destroy(e1);
    gfl_ref_engine.destroy(e2);
    gfl_ref_engine.destroy(e3);
}

/* An engine refuses a batch larger than its workspace (a caller bug). */
static void t_engine_batch_too_large(void)
{
    const double X[6] = {1, 2, 3, 4, 5, 6}, Y[3] = {1, -1, 1};
    for (int p = 0; p < 2; p++) {
        const gfl_engine_vt *vt = ENGINES[p];
        void *eng = tiny_engine(vt, GFL_LOSS_HINGE, 2);
        double L, ga[2], gW[4], f[3];
        gfl_step_info info;
        gfl_error_clear();
        CU_ASSERT_EQUAL(vt->gradient(eng, X, Y, 3, &L, ga, gW), GFL_EINTERNAL);
        CU_ASSERT(strstr(gfl_error_message(), "exceeds the workspace") != NULL);
        gfl_error_clear();
        CU_ASSERT_EQUAL(vt->step(eng, X, Y, 3, 0.1, 0.0, 0, 1, &info), GFL_EINTERNAL);
        gfl_error_clear();
        /* forward and evaluate work through the batch in workspace-sized chunks */
        CU_ASSERT(vt->forward(eng, X, 3, f) == GFL_OK);
        CU_ASSERT(f[0] == 0.0 + 1.5 && f[1] == 2.0 + 3.5 && f[2] == 4.0 + 5.5);
        vt->destroy(eng);
    }
    CU_ASSERT_STRING_EQUAL(gfl_fast_fault_name(GFL_FAULT_ULP_H), "ulp_h");
    CU_ASSERT_STRING_EQUAL(gfl_fast_fault_name(-1), "unknown");
    CU_ASSERT_STRING_EQUAL(gfl_fast_fault_name(GFL_NFAULTS), "unknown");
}

/* docs/compare.md: "A NaN anywhere in that range makes max_rel_diff NaN,
 * which fails."  eta1 = 1e200 with the logistic loss drives the fast path to
 * NaN at step 2 while 128-bit MPFR (with its huge exponent range) stays
 * finite: the comparison must FAIL, naming the NaN. */
static void t_compare_divergent_nan(void)
{
    gfl_config cfg;
    gfl_problem pb;
    gfl_compare_opts o;
    gfl_compare_result res;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.seed = gfl_test_seed();
    cfg.d = 4, cfg.m = 8, cfg.n = 16, cfg.T = 3, cfg.n_test = 16, cfg.eval_every = 1;
    cfg.loss = GFL_LOSS_LOGISTIC;
    cfg.eta1 = 1e200;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    gfl_compare_opts_default(&o);
    o.selfcheck = 0;
    memset(&res, 0, sizeof res);
    CU_ASSERT_FATAL(gfl_compare_run_opts(&pb, gfl_path_find("ref"), gfl_path_find("fast"), &o, &res) == GFL_OK);
    CU_ASSERT_EQUAL(res.verdict, GFL_COMPARE_FAIL);
    CU_ASSERT(isnan(res.max_rel_diff));
    CU_ASSERT(strstr(res.reason, "max_rel_diff nan") != NULL);
    gfl_compare_clear(&res);
    gfl_problem_clear(&pb);
}

/* A Monte Carlo G whose sample is one point repeated: the per-coordinate
 * variance E[v^2] - G^2 is 0 in exact arithmetic and may round to a tiny
 * negative number, which must not become a NaN standard error (SPEC 4: the
 * error of a Monte Carlo oracle is stated, never silently wrong); what is
 * left is rounding noise of the path's precision. */
static void t_mc_constant_sample_se(void)
{
    const gfl_oracle_vt *orcs[2] = {&gfl_fast_oracle, &gfl_ref_oracle};
    gfl_config cfg;
    gfl_problem pb;
    gfl_config_defaults(&cfg, GFL_CASE_LINEAR, GFL_PRESET_SMALL);
    cfg.d = 3, cfg.m = 2, cfg.n_test = 2;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    enum { N = 7 };
    double X[N * 3], Y[N], w[3] = {1, 0, 0}, b[1] = {0}, G[3], se[1];
    gfl_sample mc = {N, X, Y};
    int bad = 0;
    for (int q = 1; q <= 40; q++) {
        double v = 0.1 * q + 1.0 / 3.0; /* not dyadic: the mean rounds */
        for (int k = 0; k < N; k++) {
            X[3 * k] = v, X[3 * k + 1] = -v / 7, X[3 * k + 2] = v * v;
            Y[k] = 1.0;
        }
        for (int p = 0; p < 2; p++) {
            CU_ASSERT(orcs[p]->G(&pb, &mc, 1, w, b, G, se) == GFL_OK);
            /* E[v^2] - G^2 cancels: in double the noise is ~ sqrt(u) |v|, at 128 bits ~ 2^-64 |v| */
            double tol = p ? 1e-15 * v : 1e-7 * v;
            int ok = se[0] >= 0 && se[0] <= tol && fabs(G[0] - v) <= 1e-15 * v;
            if (!ok && bad++ == 0)
                printf("\n  constant sample, %s path, v = %.17g: G = %.17g, se = %g", orcs[p]->name, v, G[0], se[0]);
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    gfl_problem_clear(&pb);
}

void t_cov_boundary_register(void)
{
    CU_pSuite s = CU_add_suite("cov_boundary", NULL, NULL);
    CU_add_test(s, "exact ReLU tie: sigma(0) = 0, sigma'(0) = 0, both paths", t_relu_tie);
    CU_add_test(s, "hinge margin exactly 1 and one ulp below, both paths", t_hinge_margin_one);
    CU_add_test(s, "logistic loss at f = 0 and margin 1", t_logistic_no_kink);
    CU_add_test(s, "NaN input: both paths decide alike", t_nan_input_same_in_both_paths);
    CU_add_test(s, "training stops on NaN and on overflow", t_nan_guard);
    CU_add_test(s, "w^(1) = 0: no direction, infinite effective bias", t_zero_neuron);
    CU_add_test(s, "population G at w = 0, both paths", t_oracle_zero_w);
    CU_add_test(s, "cone of the zero vector", t_cone_zero_vector);
    CU_add_test(s, "fast-path bounds at their edges", t_fast_bounds_edges);
    CU_add_test(s, "certified comparison with non-finite sides", t_cert_nonfinite);
    CU_add_test(s, "normwise difference: zero reference, NaN", t_compare_rel_edges);
    CU_add_test(s, "reference self-check: identical, zero, mismatched", t_agreement_bits_edges);
    CU_add_test(s, "batch larger than the workspace", t_engine_batch_too_large);
    CU_add_test(s, "comparison of a run that turns NaN: FAIL", t_compare_divergent_nan);
    CU_add_test(s, "Monte Carlo G of a constant sample: se 0, not NaN", t_mc_constant_sample_se);
}
