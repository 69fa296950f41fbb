/* The phenomena additions (SPEC 8), each against an independent oracle:
 * slabs sampler against the law written out from gendata.py and its
 * closed-form second moment; the --p-struct enumeration oracle against Monte
 * Carlo of the sampler and against the ref path; AGOP of both engines against
 * finite differences of the network's own forward pass and against each
 * other; the quick grid of every experiment (direction of the effect). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_paths.h"
#include "gfl_phen.h"
#include "gfl_population.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"
#include "gfl_test.h"
#include "gfl_witness.h"

static void slabs_config(gfl_config *cfg, int d)
{
    gfl_config_defaults(cfg, GFL_CASE_SLABS, GFL_PRESET_SMALL);
    cfg->d = d;
    cfg->seed = gfl_test_seed();
}

/* The rotation is orthonormal; unrotated, every sample obeys the LMS-5 law
 * (linear coordinate sign = label, |z_1| in [margin, 1]; each slab coordinate
 * in one of the label's slabs, written out here from gendata.py with width 1);
 * E|x|^2 matches the closed form; the witness has margin >= 1 on every sample. */
static void test_slabs_law(void)
{
    gfl_config cfg;
    slabs_config(&cfg, 7);
    gfl_problem pb;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    int d = cfg.d, N = 200000;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int q = 0; q < d; q++)
                s += pb.U[(size_t)i * d + q] * pb.U[(size_t)j * d + q];
            CHECK(fabs(s - (i == j)) < 1e-12, "R R^T entry (%d,%d) = %.17g", i, j, s);
        }
    gfl_sample mc;
    CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, N, 3) == GFL_OK);
    double sm = 0.1, w = (2 - 8 * sm) / 5, s2 = 0, s4 = 0;
    long bad = 0;
    for (int k = 0; k < N; k++) {
        double z[16], y = mc.Y[k], n2 = 0;
        gfl_slabs_unrotate(&pb, mc.X + (size_t)k * d, z);
        bad += !(z[0] * y >= sm - 1e-12 && fabs(z[0]) <= 1 + 1e-12);
        for (int j = 1; j < d; j++) {
            double a = fabs(z[j]);
            int pos = a >= 0.5 * w + 2 * sm - 1e-12 && a <= 1.5 * w + 2 * sm + 1e-12; /* (1 + 6 sm)/5 = w/2 + 2 sm */
            int neg = a <= 0.5 * w + 1e-12 || (a >= 1.5 * w + 4 * sm - 1e-12 && a <= 1 + 1e-12);
            bad += y > 0 ? !pos : !neg;
        }
        for (int j = 0; j < d; j++)
            n2 += mc.X[(size_t)k * d + j] * mc.X[(size_t)k * d + j];
        s2 += n2, s4 += n2 * n2;
    }
    CHECK(bad == 0, "%ld coordinates outside the LMS-5 slabs", bad);
    double mean = s2 / N, se = sqrt((s4 / N - mean * mean) / (N - 1));
    gfl_moments mo;
    CU_ASSERT_FATAL(gfl_fast_oracle.moments(&pb, NULL, &mo) == GFL_OK);
    CHECK(fabs(mean - mo.Bx2) <= 4.5 * se, "E|x|^2: closed form %.6f, MC %.6f +- %.2g", mo.Bx2, mean, se);
    gfl_witness wt;
    CU_ASSERT_FATAL(gfl_witness_init(&wt, &pb) == GFL_OK);
    double minmargin = INFINITY;
    for (int k = 0; k < 2000; k++) {
        double f = 0;
        for (int j = 0; j < wt.r; j++) {
            double h = -wt.bstar[j];
            for (int i = 0; i < d; i++)
                h += wt.D[(size_t)j * d + i] * mc.X[(size_t)k * d + i];
            f += wt.astar[j] * fmax(h, 0);
        }
        minmargin = fmin(minmargin, mc.Y[k] * f);
    }
    CHECK(minmargin >= 1 - 1e-9, "slabs witness margin %.6g < 1", minmargin);
    gfl_witness_clear(&wt);
    gfl_sample_clear(&mc);
    gfl_problem_clear(&pb);
}

/* --p-struct: the enumeration G (fast and ref) against the Monte Carlo mean of
 * y x 1[<w,x> > b] over the sampler, and ref against fast; the population loss
 * enumeration against Monte Carlo of the sampler. */
static void test_p_struct_oracle(void)
{
    enum { K = 5, d = 8 };
    static const double ps[] = {0.0, 0.1, 0.25, 1.0};
    for (int ip = 0; ip < 4; ip++) {
        gfl_config cfg;
        gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_SMALL);
        cfg.d = d;
        cfg.seed = gfl_test_seed();
        cfg.p_struct = ps[ip];
        gfl_problem pb;
        CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
        double w[K * d], b[K], G[K * d], Gr[K * d], Gm[K * d], se[K];
        gfl_rng r;
        gfl_rng_init(&r, cfg.seed, 98, 1, (uint64_t)ip);
        for (int q = 0; q < K; q++) {
            for (int j = 0; j < d; j++)
                w[q * d + j] = gfl_rng_normal(&r);
            b[q] = -0.5 + gfl_rng_uniform(&r);
        }
        int N = 200000;
        gfl_sample mc;
        CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, N, 5) == GFL_OK);
        CU_ASSERT_FATAL(gfl_fast_oracle.G(&pb, NULL, K, w, b, G, se) == GFL_OK);
        CU_ASSERT_FATAL(gfl_ref_oracle.G(&pb, NULL, K, w, b, Gr, se) == GFL_OK);
        CU_ASSERT_FATAL(gfl_fast_oracle.G_emp(&pb, mc.X, mc.Y, N, K, w, b, Gm, NULL) == GFL_OK);
        for (int q = 0; q < K * d; q++) {
            /* |y x_j 1[.]| <= 1: the MC standard error is at most 1/sqrt(N) */
            CHECK(fabs(G[q] - Gm[q]) <= 4.5 / sqrt((double)N), "p %g G[%d]: enumeration %.6f, MC %.6f", ps[ip], q,
                  G[q], Gm[q]);
            CHECK(fabs(G[q] - Gr[q]) <= 1e-14, "p %g G[%d]: fast %.17g, ref %.17g", ps[ip], q, G[q], Gr[q]);
        }
        /* the population loss of a random width-4 network: enumeration vs MC */
        double a4[4] = {1, -1, 0.5, -0.5}, W4[4 * d], b4[4] = {0.1, 0.1, -0.2, -0.2};
        for (int q = 0; q < 4 * d; q++)
            W4[q] = w[q];
        gfl_pop_value pe;
        CU_ASSERT_FATAL(gfl_population_loss(&gfl_fast_engine, &pb, NULL, 4, a4, W4, b4, &pe) == GFL_OK);
        double L = 0, L2 = 0;
        for (int k = 0; k < N; k++) {
            double f = 0;
            for (int i = 0; i < 4; i++) {
                double h = -b4[i];
                for (int j = 0; j < d; j++)
                    h += W4[i * d + j] * mc.X[(size_t)k * d + j];
                f += a4[i] * fmax(h, 0);
            }
            double l = fmax(0, 1 - mc.Y[k] * f);
            L += l, L2 += l * l;
        }
        L /= N;
        double sel = sqrt(fmax(L2 / N - L * L, 0) / (N - 1));
        CHECK(fabs(pe.loss - L) <= 4.5 * sel + 1e-12, "p %g: enumerated loss %.6f, MC %.6f +- %.2g", ps[ip],
              pe.loss, L, sel);
        gfl_sample_clear(&mc);
        gfl_problem_clear(&pb);
    }
}

/* 1 when some pre-activation of the initial network at x is within 1e-4 of its kink. */
static int near_kink(const gfl_problem *pb, const double *x)
{
    int d = pb->cfg.d, hit = 0;
    for (int i = 0; i < pb->cfg.m; i++) {
        double hk = -pb->b[i];
        for (int j = 0; j < d; j++)
            hk += pb->W0[i * d + j] * x[j];
        hit |= fabs(hk) < 1e-4;
    }
    return hit;
}

/* AGOP: fast and ref against the AGOP of central finite differences of the
 * engine's own forward pass (f is piecewise linear: exact away from kinks,
 * checked by the unchanged activation pattern), and against each other. */
static void test_agop_paths(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_MULTIINDEX, GFL_PRESET_SMALL);
    cfg.d = 5, cfg.m = 6, cfg.seed = gfl_test_seed(), cfg.threads = 1;
    int d = 5, m = 6, n = 40;
    gfl_problem pb;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    double a[6], *X = pb.Xtest;
    for (int i = 0; i < m; i++)
        a[i] = pb.a0[i] * (1 + 0.1 * i); /* break the mirror symmetry: f is not 0 */
    double Mf[25], Mr[25], Mfd[25] = {0};
    void *ef, *er;
    CU_ASSERT_FATAL(gfl_fast_engine.create(&ef, &cfg, n) == GFL_OK);
    CU_ASSERT_FATAL(gfl_ref_engine.create(&er, &cfg, n) == GFL_OK);
    CU_ASSERT_FATAL(gfl_fast_engine.load(ef, a, pb.W0, pb.b) == GFL_OK);
    CU_ASSERT_FATAL(gfl_ref_engine.load(er, a, pb.W0, pb.b) == GFL_OK);
    double h = 1e-6, xp[5], xm[5], fp, fm, g[5], scale = 0;
    int used = 0;
    for (int k = 0; k < n; k++) {
        /* a sample within 1e-4 of a kink could change pattern under +-h: left out of both sides */
        int nearkink = near_kink(&pb, X + (size_t)k * d);
        if (nearkink)
            continue;
        used++;
        for (int j = 0; j < d; j++) {
            memcpy(xp, X + (size_t)k * d, sizeof xp);
            memcpy(xm, X + (size_t)k * d, sizeof xm);
            xp[j] += h, xm[j] -= h;
            CU_ASSERT_FATAL(gfl_fast_engine.forward(ef, xp, 1, &fp) == GFL_OK);
            CU_ASSERT_FATAL(gfl_fast_engine.forward(ef, xm, 1, &fm) == GFL_OK);
            g[j] = (fp - fm) / (2 * h);
        }
        for (int r = 0; r < d; r++)
            for (int c = 0; c < d; c++)
                Mfd[r * d + c] += g[r] * g[c];
    }
    CU_ASSERT_FATAL(used > n / 2);
    if (used < n) /* compare on the same samples: recompute the engines' AGOP on those */
        printf("\n  AGOP test: %d of %d samples away from kinks\n", used, n);
    double *Xu = malloc((size_t)n * d * sizeof(double));
    CU_ASSERT_FATAL(Xu != NULL);
    int u = 0;
    for (int k = 0; k < n; k++) {
        int nearkink = near_kink(&pb, X + (size_t)k * d);
        if (!nearkink)
            memcpy(Xu + (size_t)u++ * d, X + (size_t)k * d, (size_t)d * sizeof(double));
    }
    CU_ASSERT_FATAL(gfl_fast_engine.agop(ef, Xu, used, Mf) == GFL_OK);
    CU_ASSERT_FATAL(gfl_ref_engine.agop(er, Xu, used, Mr) == GFL_OK);
    free(Xu);
    for (int q = 0; q < 25; q++)
        Mfd[q] /= used;
    for (int q = 0; q < 25; q++)
        scale = fmax(scale, fabs(Mr[q]));
    CU_ASSERT(scale > 0);
    for (int q = 0; q < 25; q++) {
        CHECK(fabs(Mf[q] - Mr[q]) <= 1e-13 * scale, "AGOP[%d]: fast %.17g, ref %.17g", q, Mf[q], Mr[q]);
        CHECK(fabs(Mfd[q] - Mr[q]) <= 1e-6 * scale, "AGOP[%d]: finite differences %.10g, ref %.10g", q, Mfd[q],
              Mr[q]);
    }
    /* memory-bounded batches: n = 2500 (three chunks) equals the mean of its parts */
    gfl_sample mc;
    CU_ASSERT_FATAL(gfl_sample_draw(&mc, &pb, 2500, 9) == GFL_OK);
    double Mall[25], M1[25], M2[25];
    CU_ASSERT_FATAL(gfl_fast_engine.agop(ef, mc.X, 2500, Mall) == GFL_OK);
    CU_ASSERT_FATAL(gfl_fast_engine.agop(ef, mc.X, 1000, M1) == GFL_OK);
    CU_ASSERT_FATAL(gfl_fast_engine.agop(ef, mc.X + 1000 * d, 1500, M2) == GFL_OK);
    for (int q = 0; q < 25; q++)
        CHECK(fabs(Mall[q] - (0.4 * M1[q] + 0.6 * M2[q])) <= 1e-12 * fmax(fabs(Mall[q]), 1e-300) + 1e-15,
              "chunked AGOP[%d] %.17g vs %.17g", q, Mall[q], 0.4 * M1[q] + 0.6 * M2[q]);
    gfl_sample_clear(&mc);
    gfl_fast_engine.destroy(ef);
    gfl_ref_engine.destroy(er);
    gfl_problem_clear(&pb);
}

/* The quick grid of each experiment: the direction of its effect; and its
 * report (report.md, report.json naming it, its figure) written into a new
 * directory, with the JSON written beside it. */
static void quick(const char *name, const char *figure)
{
    int ok = 0;
    char dir[4096], json[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/phen_%s", gfl_test_scratch(), name);
    snprintf(json, sizeof json, "%s.json", dir);
    printf("\n  phenomena %s --quick (seeds 1..5)\n", name);
    gfl_status st = gfl_phen_run(gfl_path_tested(), name, 1, json, dir, stdout, &ok);
    CHECK(st == GFL_OK && ok == 1, "gfl phenomena %s --quick: status %d, reproduced %d", name, (int)st, ok);
    snprintf(path, sizeof path, "%s/%s", dir, figure);
    CHECK(access(path, R_OK) == 0, "figure %s missing", path);
    snprintf(path, sizeof path, "%s/report.md", dir);
    CHECK(access(path, R_OK) == 0, "%s missing", path);
    json_error_t err;
    json_t *doc = json_load_file(json, 0, &err);
    json_t *e0 = doc ? json_array_get(json_object_get(doc, "experiments"), 0) : NULL;
    const char *got = e0 ? json_string_value(json_object_get(e0, "name")) : NULL;
    CHECK(got && strcmp(got, name) == 0 && json_is_true(json_object_get(doc, "all_reproduced")),
          "%s: JSON names %s", json, got ? got : "(nothing)");
    if (doc)
        json_decref(doc);
}

static void test_quick_beyond_kernel(void) { quick("beyond-kernel", "beyond_kernel_vs_m.png"); }
static void test_quick_simplicity_bias(void) { quick("simplicity-bias", "simplicity_bias.png"); }
static void test_quick_lottery(void) { quick("lottery-ticket", "lottery_tickets.png"); }
static void test_quick_distributions(void) { quick("distributions", "distributions_features.png"); }
static void test_quick_feature_matrix(void) { quick("feature-matrix", "feature_matrix_heatmap.png"); }

/* Bad usage of the command: exit 2 and one line on stderr. */
static void test_cli_usage(void)
{
    const char *bad[][4] = {{"phenomena", NULL}, {"phenomena", "nosuch", NULL},
                            {"phenomena", "--all", "--bogus", NULL}, {"phenomena", "--all", "--json", NULL},
                            {"phenomena", "beyond-kernel", "--all", NULL}};
    for (int i = 0; i < 5; i++) {
        int pfd[2];
        CU_ASSERT_FATAL(pipe(pfd) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            dup2(pfd[1], 2);
            close(pfd[0]);
            gfl_test_exec_gfl(bad[i]);
        }
        close(pfd[1]);
        char buf[4096];
        ssize_t len = read(pfd[0], buf, sizeof buf - 1);
        close(pfd[0]);
        buf[len > 0 ? len : 0] = '\0';
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2 && gfl_test_count_lines(buf) == 1,
              "gfl %s %s: status %d, stderr '%s'", bad[i][0], bad[i][1] ? bad[i][1] : "", status, buf);
    }
}

void t_phen_register(void)
{
    CU_pSuite s = CU_add_suite("phenomena", NULL, NULL);
    CU_add_test(s, "slabs law, rotation, moments and witness", test_slabs_law);
    CU_add_test(s, "p-struct enumeration oracle vs Monte Carlo and ref", test_p_struct_oracle);
    CU_add_test(s, "AGOP fast vs ref vs finite differences", test_agop_paths);
    CU_add_test(s, "phenomena usage errors", test_cli_usage);
    CU_add_test(s, "quick beyond-kernel", test_quick_beyond_kernel);
    CU_add_test(s, "quick simplicity-bias", test_quick_simplicity_bias);
    CU_add_test(s, "quick lottery-ticket", test_quick_lottery);
    CU_add_test(s, "quick distributions", test_quick_distributions);
    CU_add_test(s, "quick feature-matrix", test_quick_feature_matrix);
}
