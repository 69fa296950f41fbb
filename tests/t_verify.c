/* CUnit suite for gfl verify (SPEC 12; docs/verify.md) and its readers.
 *
 * Oracles: the fast path is an independent double implementation of
 * Algorithm 1 (OpenBLAS, its own summation order), so its trajectory, read as
 * an outside one declared float64, must PASS; defects of known kind and size
 * planted into that trajectory must FAIL at the planted step with the entry
 * and the diagnosis that name them; hand-written .npy bytes of every accepted
 * dtype must read back as the values written; malformed trajectories must be
 * refused with one line.  The instance derives from gfl_test_seed(). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_fast.h"
#include "gfl_io.h"
#include "gfl_npy.h"
#include "gfl_paths.h"
#include "gfl_problem.h"
#include "gfl_test.h"
#include "gfl_train.h"
#include "gfl_traj.h"
#include "gfl_verify.h"

/* ------------------------------------------------------------------------ */
/* a dump in memory and the fast path's trajectory on it                     */

typedef enum { PLANT_NONE, PLANT_LAM1, PLANT_WSCALE, PLANT_ENTRY, PLANT_LOSS } plant;

static gfl_loss plant_loss = GFL_LOSS_HINGE; /* the loss of the next instance */
static int plant_freeze;                      /* 1: W frozen after step 1 (freeze_w) */

static void make_dump(gfl_dump *dp, gfl_problem *pb)
{
    gfl_config c;
    gfl_config_defaults(&c, GFL_CASE_XOR, GFL_PRESET_SMALL);
    c.seed = gfl_test_seed();
    c.d = 4, c.m = 8, c.n = 32, c.T = 8, c.n_test = 16;
    c.btilde = 0.05, c.sigma_a = 0.3; /* neurons stay alive and margins below 1: W keeps moving */
    c.loss = plant_loss;
    c.freeze_w = plant_freeze;
    c.threads = 1;
    CU_ASSERT_FATAL(gfl_problem_init(pb, &c) == GFL_OK);
    memset(dp, 0, sizeof *dp);
    dp->cfg = c;
    dp->Tb = c.T;
    size_t nd = (size_t)c.n * c.d, m = (size_t)c.m;
    dp->X = malloc((size_t)c.T * nd * sizeof(double));
    dp->Y = malloc((size_t)c.T * c.n * sizeof(double));
    dp->a0 = malloc(m * sizeof(double));
    dp->W0 = malloc(m * c.d * sizeof(double));
    dp->b = malloc(m * sizeof(double));
    CU_ASSERT_FATAL(dp->X && dp->Y && dp->a0 && dp->W0 && dp->b);
    for (int t = 1; t <= c.T; t++)
        gfl_problem_batch(pb, t, dp->X + (size_t)(t - 1) * nd, dp->Y + (size_t)(t - 1) * c.n);
    memcpy(dp->a0, pb->a0, m * sizeof(double));
    memcpy(dp->W0, pb->W0, m * c.d * sizeof(double));
    memcpy(dp->b, pb->b, m * sizeof(double));
}

/* The fast path's trajectory, every step listed, with the planted defect. */
static void fast_traj(const gfl_dump *dp, plant p, gfl_traj *tr)
{
    const gfl_config *c = &dp->cfg;
    size_t m = (size_t)c->m, md = m * c->d;
    void *eng = NULL;
    memset(tr, 0, sizeof *tr);
    tr->S = c->T + 1, tr->m = c->m, tr->d = c->d, tr->u = 0x1p-53;
    snprintf(tr->writer, sizeof tr->writer, "the fast path");
    snprintf(tr->dtype_found, sizeof tr->dtype_found, "<f8");
    tr->steps = malloc((size_t)tr->S * sizeof(int));
    tr->a = malloc((size_t)tr->S * m * sizeof(double));
    tr->W = malloc((size_t)tr->S * md * sizeof(double));
    tr->loss = malloc((size_t)tr->S * sizeof(double));
    double *ga = malloc(m * sizeof(double)), *gW = malloc(md * sizeof(double));
    CU_ASSERT_FATAL(tr->steps && tr->a && tr->W && tr->loss && ga && gW);
    CU_ASSERT_FATAL(gfl_fast_engine.create(&eng, c, c->n) == GFL_OK);
    CU_ASSERT_FATAL(gfl_fast_engine.load(eng, dp->a0, dp->W0, dp->b) == GFL_OK);
    tr->steps[0] = 0;
    tr->loss[0] = NAN;
    gfl_fast_engine.store(eng, tr->a, tr->W);
    for (int t = 1; t <= c->T; t++) {
        double eta, lam, L;
        int li, uw;
        gfl_step_info info;
        gfl_train_step_params(c, t, &eta, &lam, &li, &uw);
        if (p == PLANT_LAM1 && t == 1)
            lam = c->lam, li = 0; /* the later decay used at the first step */
        if (p == PLANT_WSCALE && t == 2)
            CU_ASSERT(gfl_fast_engine.gradient(eng, gfl_dump_X(dp, t), gfl_dump_Y(dp, t), c->n, &L, ga, gW) == GFL_OK);
        CU_ASSERT(gfl_fast_engine.step(eng, gfl_dump_X(dp, t), gfl_dump_Y(dp, t), c->n, eta, lam, li, uw,
                                       &info) == GFL_OK);
        double *a = tr->a + (size_t)t * m, *W = tr->W + (size_t)t * md;
        gfl_fast_engine.store(eng, a, W);
        tr->steps[t] = t;
        tr->loss[t] = info.batch_loss;
        if (p == PLANT_WSCALE && t == 2) { /* grad_W L taken 1.01 times */
            for (size_t e = 0; e < md; e++)
                W[e] -= eta * 0.01 * gW[e];
            CU_ASSERT(gfl_fast_engine.load(eng, a, W, dp->b) == GFL_OK);
        }
        if (p == PLANT_ENTRY && t == 4) {
            W[1 * c->d + 2] *= 1.0 + 1e-9;
            CU_ASSERT(gfl_fast_engine.load(eng, a, W, dp->b) == GFL_OK);
        }
        if (p == PLANT_LOSS && t == 3)
            tr->loss[t] *= 1.0 + 1e-6;
    }
    gfl_fast_engine.destroy(eng);
    free(ga);
    free(gW);
}

/* Keeps only the listed steps whose index is in keep[0..k-1]. */
static void thin(gfl_traj *tr, const int *keep, int k)
{
    size_t m = (size_t)tr->m, md = m * tr->d;
    for (int s = 0; s < k; s++) {
        int from = keep[s];
        tr->steps[s] = tr->steps[from];
        tr->loss[s] = tr->loss[from];
        memmove(tr->a + (size_t)s * m, tr->a + (size_t)from * m, m * sizeof(double));
        memmove(tr->W + (size_t)s * md, tr->W + (size_t)from * md, md * sizeof(double));
    }
    tr->S = k;
}

static void run_plant(plant p, const int *keep, int k, gfl_verify_result *res)
{
    gfl_dump dp;
    gfl_problem pb;
    gfl_traj tr;
    make_dump(&dp, &pb);
    fast_traj(&dp, p, &tr);
    if (keep)
        thin(&tr, keep, k);
    gfl_status st = gfl_verify_run(&dp, &tr, gfl_path_reference(), res);
    CHECK(st == GFL_OK, "gfl_verify_run: %s", gfl_error_message());
    gfl_traj_clear(&tr);
    gfl_dump_clear(&dp);
    gfl_problem_clear(&pb);
}

static void test_fast_path_passes(void)
{
    gfl_verify_result r;
    run_plant(PLANT_NONE, NULL, 0, &r);
    CU_ASSERT_FATAL(r.steps != NULL);
    CHECK(r.verdict == GFL_VERIFY_PASS, "verdict %s: %s", gfl_verify_verdict_name(r.verdict), r.reason);
    CHECK(r.max_local <= 1.0 && r.first_fail_step == -1 && r.drift_within, "max_local %g", r.max_local);
    /* not vacuous: the fast path's own rounding shows, within the bound */
    double mx = 0;
    for (int s = 1; s < r.S; s++)
        mx = fmax(mx, r.steps[s].rel_a + r.steps[s].rel_W);
    CHECK(mx > 0 && r.max_local > 1e-4, "differences %g, max_local %g", mx, r.max_local);
    /* the drift enclosure holds the drift and is not vacuous either */
    for (int s = 1; s < r.S; s++)
        CHECK(r.steps[s].within && r.steps[s].tol_W < 1e-6, "step %d: within %d, tol_W %g", r.steps[s].t,
              r.steps[s].within, r.steps[s].tol_W);
    /* the report: table, JSON, figure */
    gfl_dump dp;
    gfl_problem pb;
    gfl_traj tr;
    make_dump(&dp, &pb);
    fast_traj(&dp, PLANT_NONE, &tr);
    char path[512], png[600];
    snprintf(path, sizeof path, "%s/verify_report.txt", gfl_test_scratch());
    FILE *f = fopen(path, "w+");
    CU_ASSERT_FATAL(f != NULL);
    gfl_verify_print(f, &dp, &tr, "memory", &r);
    rewind(f);
    char buf[8192];
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = '\0';
    fclose(f);
    CHECK(strstr(buf, "verdict: PASS") && strstr(buf, "first step outside tolerance: none"), "report:\n%s", buf);
    json_t *doc = gfl_verify_json(&dp, &tr, "memory", &r);
    json_t *v = json_object_get(doc, "verify");
    CHECK(json_is_string(json_object_get(v, "verdict")) &&
              strcmp(json_string_value(json_object_get(v, "verdict")), "PASS") == 0 &&
              json_array_size(json_object_get(doc, "steps")) == (size_t)r.S,
          "JSON verdict or steps missing");
    json_decref(doc);
    CHECK(gfl_verify_plot(gfl_test_scratch(), &r, png, sizeof png) == GFL_OK, "plot: %s", gfl_error_message());
    struct stat sb;
    CHECK(stat(png, &sb) == 0 && sb.st_size > 1000, "no figure at %s", png);
    gfl_traj_clear(&tr);
    gfl_dump_clear(&dp);
    gfl_problem_clear(&pb);
    gfl_verify_clear(&r);
}

static void test_logistic(void)
{
    gfl_verify_result r;
    plant_loss = GFL_LOSS_LOGISTIC;
    run_plant(PLANT_NONE, NULL, 0, &r);
    CHECK(r.verdict == GFL_VERIFY_PASS && r.max_local > 1e-4, "verdict %s, max_local %g: %s",
          gfl_verify_verdict_name(r.verdict), r.max_local, r.reason);
    gfl_verify_clear(&r);
    run_plant(PLANT_WSCALE, NULL, 0, &r);
    plant_loss = GFL_LOSS_HINGE;
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 2 && strstr(r.diagnosis, "W-gradient"),
          "verdict %s at %d: %s", gfl_verify_verdict_name(r.verdict), r.first_fail_step, r.diagnosis);
    gfl_verify_clear(&r);
}

/* W frozen after the first step (freeze_w): the a-only updates pass, and a
 * defect in them is still caught at its step. */
static void test_frozen_w(void)
{
    gfl_verify_result r;
    plant_freeze = 1;
    run_plant(PLANT_NONE, NULL, 0, &r);
    CHECK(r.verdict == GFL_VERIFY_PASS && r.max_local <= 1.0, "frozen W: verdict %s, max_local %g: %s",
          gfl_verify_verdict_name(r.verdict), r.max_local, r.reason);
    gfl_verify_clear(&r);
    run_plant(PLANT_ENTRY, NULL, 0, &r);
    plant_freeze = 0;
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 4, "frozen W, one W entry moved at 4: verdict %s at %d",
          gfl_verify_verdict_name(r.verdict), r.first_fail_step);
    gfl_verify_clear(&r);
}

static void test_planted_first_step_decay(void)
{
    gfl_verify_result r;
    run_plant(PLANT_LAM1, NULL, 0, &r);
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 1, "verdict %s at %d", gfl_verify_verdict_name(r.verdict),
          r.first_fail_step);
    CHECK(strstr(r.diagnosis, "first-step decay not 1/eta1") && strstr(r.diagnosis, "lam1 = 0.0001"), "diagnosis: %s",
          r.diagnosis);
    gfl_verify_clear(&r);
}

static void test_planted_w_gradient_scale(void)
{
    gfl_verify_result r;
    run_plant(PLANT_WSCALE, NULL, 0, &r);
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 2, "verdict %s at %d", gfl_verify_verdict_name(r.verdict),
          r.first_fail_step);
    CHECK(strstr(r.diagnosis, "W-gradient off by a constant factor") && strstr(r.diagnosis, "1.01 x"), "diagnosis: %s",
          r.diagnosis);
    gfl_verify_clear(&r);
}

static void test_planted_entry(void)
{
    gfl_verify_result r;
    run_plant(PLANT_ENTRY, NULL, 0, &r);
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 4, "verdict %s at %d", gfl_verify_verdict_name(r.verdict),
          r.first_fail_step);
    CHECK(strncmp(r.first_fail_entry, "W[1][2]", 7) == 0, "entry: %s", r.first_fail_entry);
    CHECK(strstr(r.diagnosis, "no known defect fits step 4"), "diagnosis: %s", r.diagnosis);
    /* the steps before it are fine, and the ones after it again (re-anchored) */
    CHECK(r.steps[3].status == GFL_VSTEP_OK && r.steps[5].status == GFL_VSTEP_OK, "statuses %d %d",
          r.steps[3].status, r.steps[5].status);
    gfl_verify_clear(&r);
}

static void test_planted_loss(void)
{
    gfl_verify_result r;
    run_plant(PLANT_LOSS, NULL, 0, &r);
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 3 && strstr(r.first_fail_entry, "batch loss"),
          "verdict %s at %d: %s", gfl_verify_verdict_name(r.verdict), r.first_fail_step, r.first_fail_entry);
    gfl_verify_clear(&r);
}

static void test_gaps(void)
{
    static const int keep[] = {0, 2, 4, 7, 8};
    gfl_verify_result r;
    run_plant(PLANT_NONE, keep, 5, &r);
    CHECK(r.verdict == GFL_VERIFY_PASS && r.steps[3].gap == 3, "verdict %s, gap %d: %s",
          gfl_verify_verdict_name(r.verdict), r.steps[3].gap, r.reason);
    gfl_verify_clear(&r);
    run_plant(PLANT_ENTRY, keep + 1, 4, &r); /* steps 2, 4, 7, 8: no step 0 */
    CHECK(r.verdict == GFL_VERIFY_FAIL && r.first_fail_step == 4, "verdict %s at %d",
          gfl_verify_verdict_name(r.verdict), r.first_fail_step);
    gfl_verify_clear(&r);
}

/* ------------------------------------------------------------------------ */
/* readers                                                                   */

/* A .npy file by hand: descr, shape text, raw little-endian bytes. */
static void write_npy(const char *dir, const char *name, const char *descr, const char *shape, const void *data,
                      size_t bytes)
{
    char path[600], hdr[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int len = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    int total = 10 + len + 1, pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    unsigned hl = (unsigned)(len + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc((int)(hl & 0xff), f);
    fputc((int)(hl >> 8), f);
    fwrite(hdr, 1, (size_t)len, f);
    for (int i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    if (bytes) /* fwrite of no bytes from NULL is still undefined */
        fwrite(data, 1, bytes, f);
    fclose(f);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* A valid float32 trajectory for m = 2, d = 1, T = 3 in a fresh directory. */
static const char *good_traj(int k)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/traj%d", gfl_test_scratch(), k);
    mkdir(dir, 0755);
    int32_t steps[2] = {1, 3};
    float a[4] = {0.5f, -0.25f, 1.0f, 2.0f}, W[4] = {1.5f, -1.5f, 3.0f, -0.125f}, L[2] = {0.75f, 0.5f};
    write_text(dir, "meta.json", "{\"dtype\": \"float32\", \"writer\": \"t_verify\"}");
    write_npy(dir, "steps.npy", "<i4", "(2,)", steps, sizeof steps);
    write_npy(dir, "a.npy", "<f4", "(2, 2)", a, sizeof a);
    write_npy(dir, "W.npy", "<f4", "(2, 2, 1)", W, sizeof W);
    write_npy(dir, "loss.npy", "<f4", "(2,)", L, sizeof L);
    return dir;
}

static void test_traj_reader(void)
{
    gfl_traj tr;
    const char *dir = good_traj(0);
    CU_ASSERT_FATAL(gfl_traj_read(dir, 2, 1, 3, &tr) == GFL_OK);
    CHECK(tr.S == 2 && tr.steps[1] == 3 && tr.float32 && tr.u == 0x1p-24 && tr.a[1] == -0.25 && tr.W[3] == -0.125 &&
              tr.loss[0] == 0.75 && strcmp(tr.dtype_found, "<f4") == 0 && strcmp(tr.writer, "t_verify") == 0,
          "read back: S %d", tr.S);
    CHECK(gfl_traj_index(&tr, 3) == 1 && gfl_traj_index(&tr, 2) == -1, "index");
    gfl_traj_clear(&tr);
    /* int64 steps and float64 arrays read as well */
    int64_t s8[2] = {0, 2};
    double a8[4] = {1, 2, 3, 4};
    write_npy(dir, "steps.npy", "<i8", "(2,)", s8, sizeof s8);
    write_npy(dir, "a.npy", "<f8", "(2, 2)", a8, sizeof a8);
    CU_ASSERT_FATAL(gfl_traj_read(dir, 2, 1, 3, &tr) == GFL_OK);
    CHECK(tr.steps[1] == 2 && tr.a[3] == 4.0, "int64 steps, float64 a");
    gfl_traj_clear(&tr);
    /* malformed: one line, GFL_EINVAL, naming the defect */
    struct {
        const char *file, *descr, *shape;
        const void *data;
        size_t bytes;
        const char *text, *want;
    } bad[] = {
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": \"float16\", \"writer\": \"x\"}", "\"dtype\" must be"},
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": \"float32\"}", "\"writer\" must be"},
        {"meta.json", NULL, NULL, NULL, 0, "[1, 2", "not valid JSON"},
        {"meta.json", NULL, NULL, NULL, 0, "[1, 2]", "not a JSON object"},
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": \"float32\", \"writer\": \"co\\\n--\"}", "not valid JSON"},
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": 32, \"writer\": \"x\"}", "\"dtype\" must be"},
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": \"float32\", \"writer\": \"\"}", "\"writer\" must be"},
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": \"float32\", \"writer\": \"x\", \"writer\": \"y\"}",
         "not valid JSON"},
        {"steps.npy", "<i4", "(3, 1)", (int32_t[]){0, 1, 2}, 12, NULL, "steps.npy"},
        {"meta.json", NULL, NULL, NULL, 0, "{\"dtype\": \"float64\", \"writer\": \"x\"}", "declares dtype float64"},
        {"steps.npy", "<i4", "(2,)", (int32_t[]){2, 1}, 8, NULL, "above the one before it"},
        {"steps.npy", "<i4", "(2,)", (int32_t[]){1, 4}, 8, NULL, "not a step in 0..3"},
        {"steps.npy", "<f8", "(2,)", (double[]){1, 1.5}, 16, NULL, "not a step"},
        {"steps.npy", "<i4", "(0,)", NULL, 0, NULL, "0 steps listed"},
        {"a.npy", "<f4", "(2, 3)", (float[]){1, 2, 3, 4, 5, 6}, 24, NULL, "does not fit the instance"},
        {"a.npy", "<f4", "(2, 2)", (float[]){1, NAN, 3, 4}, 16, NULL, "not a finite number"},
        {"a.npy", "<f2", "(2, 2)", (short[]){1, 2, 3, 4}, 8, NULL, "unsupported dtype '<f2'"},
        {"W.npy", "<f4", "(3, 2, 1)", (float[]){1, 2, 3, 4, 5, 6}, 24, NULL, "does not fit the instance"},
        {"loss.npy", "<f4", "(3,)", (float[]){1, 2, 3}, 12, NULL, "does not fit the instance"},
        {"loss.npy", "<i4", "(2,)", (int32_t[]){1, 2}, 8, NULL, "unsupported dtype '<i4'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dir = good_traj((int)i + 1);
        if (bad[i].text)
            write_text(dir, bad[i].file, bad[i].text);
        else
            write_npy(dir, bad[i].file, bad[i].descr, bad[i].shape, bad[i].data, bad[i].bytes);
        gfl_error_clear();
        gfl_status st = gfl_traj_read(dir, 2, 1, 3, &tr);
        const char *msg = gfl_error_message();
        CHECK(st == GFL_EINVAL && strstr(msg, bad[i].want) && !strchr(msg, '\n') && tr.a == NULL,
              "case %zu (%s): status %d, message '%s'", i, bad[i].want, (int)st, msg);
        gfl_error_clear();
    }
    /* a missing file */
    dir = good_traj(99);
    char path[600];
    snprintf(path, sizeof path, "%s/W.npy", dir);
    remove(path);
    CHECK(gfl_traj_read(dir, 2, 1, 3, &tr) == GFL_EINVAL && strstr(gfl_error_message(), "W.npy"), "missing W.npy: %s",
          gfl_error_message());
    gfl_error_clear();
}

static void test_dump_reader(void)
{
    char dir[512], path[600];
    gfl_dump dp;
    snprintf(dir, sizeof dir, "%s/dump_bad", gfl_test_scratch());
    mkdir(dir, 0755);
    CHECK(gfl_dump_read(dir, &dp) == GFL_EINVAL && strstr(gfl_error_message(), "trace.json"), "no trace.json: %s",
          gfl_error_message());
    gfl_error_clear();
    write_text(dir, "trace.json", "{\"config\": {\"case\": \"xor\", \"d\": 2, \"m\": 2, \"n\": 1, \"T\": 1, "
               "\"prec\": 128, \"eta1\": 1, \"lam1\": 1, \"eta\": 0.1, \"lam\": 0, \"lam1_default\": true, "
               "\"fixed_batch\": false, \"freeze_w\": false, \"random_features\": false, \"loss\": \"hinge\"}}");
    double X[2] = {1, 2}, Y[1] = {0.5}, a[2] = {1, -1}, W[4] = {1, 2, 1, 2}, b[2] = {0.5, 0.5};
    size_t shX[3] = {1, 1, 2}, shY[2] = {1, 1}, sh2[1] = {2}, shW[2] = {2, 2};
    const char *names[] = {"X.npy", "Y.npy", "a0.npy", "W0.npy", "b.npy"};
    const double *vals[] = {X, Y, a, W, b};
    int nds[] = {3, 2, 1, 2, 1};
    const size_t *shs[] = {shX, shY, sh2, shW, sh2};
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        CU_ASSERT_FATAL(gfl_npy_write(path, vals[k], nds[k], shs[k]) == GFL_OK);
    }
    CHECK(gfl_dump_read(dir, &dp) == GFL_EINVAL && strstr(gfl_error_message(), "not +1 or -1"), "Y = 0.5: %s",
          gfl_error_message());
    gfl_error_clear();
    Y[0] = -1;
    snprintf(path, sizeof path, "%s/Y.npy", dir);
    CU_ASSERT_FATAL(gfl_npy_write(path, Y, 2, shY) == GFL_OK);
    CU_ASSERT_FATAL(gfl_dump_read(dir, &dp) == GFL_OK);
    CHECK(dp.cfg.d == 2 && dp.Tb == 1 && isnan(dp.cfg.lam1) && gfl_dump_X(&dp, 1)[1] == 2.0 && gfl_dump_Y(&dp, 1)[0] == -1,
          "dump read back");
    gfl_dump_clear(&dp);
    /* each field of trace.json's config broken in turn: one line naming it */
    static const char *const valid = "{\"config\": {\"case\": \"xor\", \"d\": 2, \"m\": 2, \"n\": 1, \"T\": 1, "
        "\"prec\": 128, \"eta1\": 1, \"lam1\": 1, \"eta\": 0.1, \"lam\": 0, \"lam1_default\": true, "
        "\"fixed_batch\": false, \"freeze_w\": false, \"random_features\": false, \"loss\": \"hinge\"}}";
    static const struct {
        const char *from, *to, *want;
    } broken[] = {
        {"\"case\": \"xor\"", "\"case\": \"nosuch\"", "no config object with a known case"},
        {"\"n\": 1,", "\"n\": 0,", "config.n missing or not an integer"},
        {"\"T\": 1,", "\"T\": 1.5,", "config.T missing or not an integer"},
        {"\"prec\": 128", "\"prec\": 8", "config.prec missing or not an integer in [16, 65536]"},
        {"\"eta1\": 1,", "\"eta1\": \"1\",", "config.eta1 missing or not a finite number"},
        {"\"lam1\": 1,", "", "config.lam1 missing or not a finite number"},
        {"\"eta\": 0.1", "\"eta\": null", "config.eta missing or not a finite number"},
        {"\"lam\": 0,", "\"lam\": [0],", "config.lam missing or not a finite number"},
        {"\"lam1_default\": true", "\"lam1_default\": 1", "config.lam1_default missing or not a boolean"},
        {"\"fixed_batch\": false", "\"fixed_batch\": \"no\"", "config.fixed_batch missing or not a boolean"},
        {"\"freeze_w\": false,", "", "config.freeze_w missing or not a boolean"},
        {"\"random_features\": false", "\"random_features\": 0", "config.random_features missing or not a boolean"},
        {"\"loss\": \"hinge\"", "\"loss\": \"square\"", "config.loss must be \"hinge\" or \"logistic\""},
        {"\"eta\": 0.1", "\"eta\": -1", "trace.json"},
        {"{\"config\"", "[{\"config\"", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char text[1024];
        const char *at = strstr(valid, broken[i].from);
        CU_ASSERT_FATAL(at != NULL);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - valid), valid, broken[i].to, at + strlen(broken[i].from));
        write_text(dir, "trace.json", text);
        gfl_error_clear();
        gfl_status st = gfl_dump_read(dir, &dp);
        const char *msg = gfl_error_message();
        CHECK(st == GFL_EINVAL && strstr(msg, broken[i].want) && !strchr(msg, '\n'), "trace.json case %zu: %d '%s'", i,
              (int)st, msg);
    }
    gfl_error_clear();
    write_text(dir, "trace.json", valid);
    write_text(dir, "trace.json", "{\"config\": {\"case\": \"xor\", \"d\": 3}}");
    CHECK(gfl_dump_read(dir, &dp) == GFL_EINVAL && strstr(gfl_error_message(), "config.m"), "no m: %s",
          gfl_error_message());
    gfl_error_clear();
    write_text(dir, "trace.json", "{\"config\": {\"case\": \"xor\", \"d\": 3, \"m\": 2, \"n\": 1, \"T\": 1, "
               "\"prec\": 128, \"eta1\": 1, \"lam1\": 1, \"eta\": 0.1, \"lam\": 0, \"lam1_default\": true, "
               "\"fixed_batch\": false, \"freeze_w\": false, \"random_features\": false, \"loss\": \"hinge\"}}");
    CHECK(gfl_dump_read(dir, &dp) == GFL_EINVAL && strstr(gfl_error_message(), "does not fit"), "d = 3: %s",
          gfl_error_message());
    gfl_error_clear();
}

/* The outside path in the registry: read-only, its unit that of the dtype. */
static void test_registry(void)
{
    const gfl_path *p = gfl_path_find("outside"), *q;
    CU_ASSERT_FATAL(p != NULL);
    CHECK(p->engine == NULL && p->oracle == NULL && p->unit(24) == 0x1p-24 && p->unit(53) == 0x1p-53,
          "outside path fields");
    gfl_error_clear();
    CHECK(gfl_path_lookup_engine("outside", &q) == GFL_EINVAL && strstr(gfl_error_message(), "no engine"),
          "--path outside: %s", gfl_error_message());
    gfl_error_clear();
    CHECK(gfl_path_lookup_engine("gpu", &q) == GFL_EINVAL && !strstr(gfl_error_message(), "outside"),
          "--path gpu lists only the paths that compute: %s", gfl_error_message());
    gfl_error_clear();
}

void t_verify_register(void)
{
    CU_pSuite s = CU_add_suite("verify", NULL, NULL);
    CU_add_test(s, "the fast path as an outside implementation: PASS", test_fast_path_passes);
    CU_add_test(s, "logistic loss: PASS, and a planted defect", test_logistic);
    CU_add_test(s, "W frozen after step 1: PASS, and a planted defect", test_frozen_w);
    CU_add_test(s, "planted: first-step decay", test_planted_first_step_decay);
    CU_add_test(s, "planted: W-gradient 1.01 times", test_planted_w_gradient_scale);
    CU_add_test(s, "planted: one entry 1e-9 off", test_planted_entry);
    CU_add_test(s, "planted: batch loss 1e-6 off", test_planted_loss);
    CU_add_test(s, "steps listed with gaps", test_gaps);
    CU_add_test(s, "trajectory reader", test_traj_reader);
    CU_add_test(s, "dump reader", test_dump_reader);
    CU_add_test(s, "the outside path in the registry", test_registry);
}
