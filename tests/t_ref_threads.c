/* CUnit suite "ref_threads": the ref path gives the same bits on any number
 * of threads, and the same bits as the recorded single-threaded arithmetic.
 *
 * Oracles: the ref path itself on 1 thread (every result of a run on 2 and 3
 * threads must be bit-identical: the exact MPFR state through store_exact(),
 * the step records, decisions, forward outputs, test loss and gradients), and
 * tests/golden/ref_state.txt, the same records as written by make golden
 * (hexadecimal doubles, exact): first by the single-threaded implementation,
 * since regenerated only where the arithmetic changed on purpose
 * (docs/performance.md).
 * The worker pool is tested on its own: every thread index runs exactly once
 * per job, and a job's writes are visible to the caller when run() returns.
 *
 * GFL_REF_STATE_WRITE=FILE writes the records of the current build to FILE
 * instead of comparing (tools/golden.sh; only when the arithmetic changes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_test.h"
#include "gfl_config.h"
#include "gfl_engine.h"
#include "gfl_problem.h"
#include "gfl_ref.h"
#include "gfl_train.h"
#ifndef GFL_REF_STATE_GENERATOR
#include <math.h>

#include <gmp.h>
#include <mpfr.h>

#include "gfl_check.h"
#include "gfl_compare.h"
#include "gfl_oracle.h"
#include "gfl_paths.h"
#include "gfl_ref_dot.h"
#include "gfl_ref_oracle.h"
#include "gfl_pool.h"
#include "gfl_rng.h"
#endif

#define REF_STATE_FILE "tests/golden/ref_state.txt"

typedef struct {
    double *v;
    size_t len, cap;
} dvec;

static int dvec_put(dvec *o, double x)
{
    if (o->len == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 1024;
        double *v = realloc(o->v, cap * sizeof *v);
        if (!v)
            return 0;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->len++] = x;
    return 1;
}

/* The instances: uneven sizes (n, m, n_test not multiples of 2 or 3, an odd
 * number of mirror pairs), both losses, every training option, precisions on
 * and off a limb boundary, test sets larger than the engine's workspace (the
 * chunked forward pass). */
typedef struct {
    const char *name;
    gfl_case_id c;
    gfl_loss loss;
    int d, m, n, n_test, T;
    long prec;
    int fixed_batch, freeze_w, random_features;
    double lam1; /* 0: the default 1/eta1 */
} ref_case;

static const ref_case ref_cases[] = {
    {"xor_hinge", GFL_CASE_XOR, GFL_LOSS_HINGE, 8, 16, 32, 101, 8, 128, 0, 0, 0, 0},
    {"parity_logistic", GFL_CASE_PARITY, GFL_LOSS_LOGISTIC, 7, 18, 29, 70, 6, 128, 0, 0, 0, 0},
    {"mog_hinge_fixed_freeze", GFL_CASE_MOG, GFL_LOSS_HINGE, 6, 14, 23, 50, 6, 100, 1, 1, 0, 0},
    {"linear_logistic_rf", GFL_CASE_LINEAR, GFL_LOSS_LOGISTIC, 5, 10, 17, 40, 5, 256, 0, 0, 1, 0},
    {"multiindex_hinge_lam1", GFL_CASE_MULTIINDEX, GFL_LOSS_HINGE, 9, 12, 40, 45, 6, 192, 0, 0, 0, 0.5},
};
#define NREF_CASES (sizeof ref_cases / sizeof ref_cases[0])

static void ref_case_config(const ref_case *rc, gfl_config *cfg)
{
    gfl_config_defaults(cfg, rc->c, GFL_PRESET_SMALL);
    cfg->seed = 4242;
    cfg->loss = rc->loss;
    cfg->d = rc->d;
    cfg->m = rc->m;
    cfg->n = rc->n;
    cfg->n_test = rc->n_test;
    cfg->T = rc->T;
    cfg->prec = rc->prec;
    cfg->fixed_batch = rc->fixed_batch;
    cfg->freeze_w = rc->freeze_w;
    cfg->random_features = rc->random_features;
    if (rc->lam1 > 0)
        cfg->lam1 = rc->lam1;
    if (rc->c == GFL_CASE_PARITY)
        cfg->k = 3;
    if (rc->c == GFL_CASE_MOG)
        cfg->r = 3;
}

/* Every result the ref path exports for one run of instance rc, appended to
 * out: per step the step record and the decisions; at the end the exact
 * state, forward outputs, test loss and error, and the gradient on the batch
 * of step T + 1.  Returns 0 on an engine error. */
static int ref_record(const ref_case *rc, int threads, dvec *out)
{
    gfl_config cfg;
    ref_case_config(rc, &cfg);
#ifndef GFL_REF_STATE_GENERATOR
    cfg.threads = threads;
#else
    (void)threads;
#endif
    const gfl_engine_vt *vt = &gfl_ref_engine;
    gfl_problem pb;
    if (gfl_problem_init(&pb, &cfg) != GFL_OK)
        return 0;
    int ok = 0, m = cfg.m, d = cfg.d, n = cfg.n;
    size_t md = (size_t)m * (size_t)d;
    void *eng = NULL;
    double *X = malloc((size_t)n * (size_t)d * sizeof(double)), *Y = malloc((size_t)n * sizeof(double));
    double *f = malloc((size_t)cfg.n_test * sizeof(double)), *ga = malloc((size_t)m * sizeof(double));
    double *gW = malloc(md * sizeof(double));
    unsigned char *relu = malloc((size_t)n * (size_t)m), *hinge = malloc((size_t)n);
    double *Pa = NULL, *PW = NULL;
    if (!X || !Y || !f || !ga || !gW || !relu || !hinge)
        goto cleanup;
    /* the workspace holds one batch: the test set goes through in chunks */
    if (vt->create(&eng, &cfg, n) != GFL_OK || vt->load(eng, pb.a0, pb.W0, pb.b) != GFL_OK)
        goto cleanup;
    for (int t = 1; t <= cfg.T; t++) {
        double eta, lam;
        int lie, uw;
        gfl_step_info info;
        gfl_train_step_params(&cfg, t, &eta, &lam, &lie, &uw);
        gfl_problem_batch(&pb, t, X, Y);
        if (vt->step(eng, X, Y, n, eta, lam, lie, uw, &info) != GFL_OK)
            goto cleanup;
        dvec_put(out, info.batch_loss);
        dvec_put(out, info.grad_norm_a);
        dvec_put(out, info.norm_a);
        dvec_put(out, info.norm_W);
        vt->decisions(eng, n, relu, hinge);
        long on = 0, hon = 0, key = 0;
        for (size_t q = 0; q < (size_t)n * m; q++) {
            on += relu[q];
            key = (key * 31 + relu[q] * (long)(q + 1)) % 1000000007L;
        }
        for (int k = 0; k < n; k++)
            hon += hinge[k];
        dvec_put(out, (double)on);
        dvec_put(out, (double)key);
        dvec_put(out, (double)hon);
    }
    int parts = vt->exact_parts(eng);
    Pa = malloc((size_t)m * (size_t)parts * sizeof(double));
    PW = malloc(md * (size_t)parts * sizeof(double));
    if (!Pa || !PW)
        goto cleanup;
    vt->store_exact(eng, parts, Pa, PW);
    for (size_t q = 0; q < (size_t)m * (size_t)parts; q++)
        dvec_put(out, Pa[q]);
    for (size_t q = 0; q < md * (size_t)parts; q++)
        dvec_put(out, PW[q]);
    double loss, err;
    if (vt->forward(eng, pb.Xtest, cfg.n_test, f) != GFL_OK ||
        vt->evaluate(eng, pb.Xtest, pb.Ytest, cfg.n_test, &loss, &err) != GFL_OK)
        goto cleanup;
    for (int k = 0; k < cfg.n_test; k++)
        dvec_put(out, f[k]);
    dvec_put(out, loss);
    dvec_put(out, err);
    gfl_problem_batch(&pb, cfg.T + 1, X, Y);
    if (vt->gradient(eng, X, Y, n, &loss, ga, gW) != GFL_OK)
        goto cleanup;
    dvec_put(out, loss);
    for (int i = 0; i < m; i++)
        dvec_put(out, ga[i]);
    for (size_t q = 0; q < md; q++)
        dvec_put(out, gW[q]);
    ok = 1;
cleanup:
    if (eng)
        vt->destroy(eng);
    gfl_problem_clear(&pb);
    free(X), free(Y), free(f), free(ga), free(gW), free(relu), free(hinge), free(Pa), free(PW);
    return ok;
}

/* The file: per instance a line "name count", then count hexadecimal doubles
 * (%a, read back exactly by strtod), one per line. */
static int ref_state_write(const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp)
        return 0;
    int ok = 1;
    for (size_t c = 0; c < NREF_CASES && ok; c++) {
        dvec v = {0};
        ok = ref_record(&ref_cases[c], 1, &v);
        fprintf(fp, "%s %zu\n", ref_cases[c].name, v.len);
        for (size_t q = 0; q < v.len; q++)
            fprintf(fp, "%a\n", v.v[q]);
        free(v.v);
    }
    return fclose(fp) == 0 && ok;
}

#ifdef GFL_REF_STATE_GENERATOR
/* Built alone against a library (see the header comment): writes the file. */
int main(int argc, char **argv)
{
    return argc == 2 && ref_state_write(argv[1]) ? 0 : 1;
}
#else

/* Reads the records of instance `name` from the golden file into v. */
static int ref_state_read(const char *name, dvec *v)
{
    FILE *fp = fopen(REF_STATE_FILE, "r");
    if (!fp)
        return 0;
    char line[256], want[128];
    int found = 0;
    size_t count = 0;
    while (!found && fgets(line, sizeof line, fp)) {
        if (sscanf(line, "%127s %zu", want, &count) == 2 && strcmp(want, name) == 0) {
            found = 1;
            for (size_t q = 0; q < count && found; q++)
                found = fgets(line, sizeof line, fp) != NULL && dvec_put(v, strtod(line, NULL));
        }
    }
    fclose(fp);
    return found;
}

/* Index of the first entry where a and b differ bitwise (-1 when identical). */
static long first_diff(const dvec *a, const dvec *b)
{
    if (a->len != b->len)
        return (long)(a->len < b->len ? a->len : b->len);
    for (size_t q = 0; q < a->len; q++)
        if (memcmp(&a->v[q], &b->v[q], sizeof(double)) != 0)
            return (long)q;
    return -1;
}

/* 1, 2 and 3 threads: the same bits. */
static void t_ref_threads_bitwise(void)
{
    for (size_t c = 0; c < NREF_CASES; c++) {
        dvec v[3] = {{0}, {0}, {0}};
        for (int t = 0; t < 3; t++)
            CHECK(ref_record(&ref_cases[c], t + 1, &v[t]), "%s, %d threads: %s", ref_cases[c].name, t + 1,
                  gfl_error_message());
        CHECK(v[0].len > 100, "%s: only %zu records", ref_cases[c].name, v[0].len);
        for (int t = 1; t < 3; t++) {
            long q = first_diff(&v[0], &v[t]);
            CHECK(q < 0, "%s: %d threads differ from 1 thread at record %ld (%a vs %a)", ref_cases[c].name, t + 1,
                  q, q >= 0 && (size_t)q < v[0].len ? v[0].v[q] : 0.0,
                  q >= 0 && (size_t)q < v[t].len ? v[t].v[q] : 0.0);
        }
        for (int t = 0; t < 3; t++)
            free(v[t].v);
    }
}

/* The single-threaded arithmetic the golden file recorded. */
static void t_ref_threads_golden(void)
{
    const char *w = getenv("GFL_REF_STATE_WRITE");
    if (w && *w) {
        CHECK(ref_state_write(w), "could not write %s", w);
        return;
    }
    for (size_t c = 0; c < NREF_CASES; c++) {
        dvec g = {0}, v = {0};
        CHECK(ref_state_read(ref_cases[c].name, &g), "%s: no records for %s (run from the top directory)",
              REF_STATE_FILE, ref_cases[c].name);
        CHECK(ref_record(&ref_cases[c], 2, &v), "%s: %s", ref_cases[c].name, gfl_error_message());
        long q = first_diff(&g, &v);
        CHECK(q < 0, "%s: record %ld differs from %s (%a now, %a recorded; %zu vs %zu records)",
              ref_cases[c].name, q, REF_STATE_FILE, q >= 0 && (size_t)q < v.len ? v.v[q] : 0.0,
              q >= 0 && (size_t)q < g.len ? g.v[q] : 0.0, v.len, g.len);
        free(g.v);
        free(v.v);
    }
}

/* ------------------------------------------------------------------------ */
/* the rounded-once affine form of the forward pass                         */

/* Oracle: the exact sum in MPFR at a precision that holds it (every product
 * exact at 2 prec bits, then plain additions at span + 2 prec + 64 bits, none
 * of which rounds), rounded once to prec bits; an exact zero is +0.  Shares
 * nothing with gfl_ref_dot but mpfr_mul. */
static void dot_oracle(mpfr_t r, const mpfr_t *w, const mpfr_t *x, const mpfr_t b, int d, mpfr_prec_t prec)
{
    mpfr_t *pr = malloc(((size_t)d + 1) * sizeof(mpfr_t));
    mpfr_exp_t lo = 0, hi = 0;
    int any = 0, special = 0;
    for (int j = 0; j <= d; j++) {
        mpfr_init2(pr[j], 2 * prec);
        if (j < d)
            mpfr_mul(pr[j], w[j], x[j], MPFR_RNDN);
        else
            mpfr_neg(pr[j], b, MPFR_RNDN);
        special |= !mpfr_number_p(pr[j]);
        if (mpfr_regular_p(pr[j])) {
            mpfr_exp_t e = mpfr_get_exp(pr[j]);
            lo = any && lo < e ? lo : e;
            hi = any && hi > e ? hi : e;
            any = 1;
        }
    }
    mpfr_t acc;
    mpfr_init2(acc, (hi - lo) + 2 * prec + 64);
    mpfr_set_zero(acc, 1);
    for (int j = 0; j <= d; j++)
        mpfr_add(acc, acc, pr[j], MPFR_RNDN); /* exact, or NaN / inf for specials */
    (void)special;
    mpfr_set(r, acc, MPFR_RNDN);
    if (mpfr_zero_p(r))
        mpfr_set_zero(r, 1);
    mpfr_clear(acc);
    for (int j = 0; j <= d; j++)
        mpfr_clear(pr[j]);
    free(pr);
}

/* A random prec-bit number (or a double when as_double) with exponent in
 * [-espan, espan], a random sign, and a zero with probability 1/16. */
static void rand_num(mpfr_t v, gfl_rng *r, gmp_randstate_t gs, int espan, int as_double)
{
    uint64_t u = gfl_rng_u64(r);
    if ((u & 15) == 0) {
        mpfr_set_zero(v, (u >> 4) & 1 ? 1 : -1);
        return;
    }
    long e = (long)((u >> 8) % (uint64_t)(2 * espan + 1)) - espan;
    if (as_double) {
        double x = ldexp((double)(gfl_rng_u64(r) >> 11) * 0x1p-53 + 0.5, (int)e);
        mpfr_set_d(v, (u >> 4) & 1 ? -x : x, MPFR_RNDN); /* rounds when v has < 53 bits */
    } else {
        mpfr_urandomb(v, gs);
        if (mpfr_zero_p(v))
            mpfr_set_ui(v, 1, MPFR_RNDN);
        mpfr_mul_2si(v, v, e, MPFR_RNDN);
        if ((u >> 4) & 1)
            mpfr_neg(v, v, MPFR_RNDN);
    }
}

static int same_bits(const mpfr_t a, const mpfr_t b)
{
    if (mpfr_nan_p(a) || mpfr_nan_p(b))
        return mpfr_nan_p(a) && mpfr_nan_p(b);
    return mpfr_equal_p(a, b) && mpfr_signbit(a) == mpfr_signbit(b);
}

/* Random affine forms at many precisions and lengths, narrow and wide
 * exponent ranges (both paths of the routine), against the oracle. */
static void t_ref_dot_random(void)
{
    static const long precs[] = {16, 24, 53, 64, 65, 100, 128, 192, 256};
    static const int dims[] = {1, 2, 3, 16, 41};
    gfl_rng r;
    gfl_rng_init(&r, gfl_test_seed(), GFL_STREAM_MC, 7001, 0);
    gmp_randstate_t gs;
    gmp_randinit_default(gs);
    gmp_randseed_ui(gs, (unsigned long)gfl_test_seed());
    long bad = 0, total = 0, fixed = 0, summed = 0;
    int reps = 40 * (gfl_test_effort() > 0 ? gfl_test_effort() : 1);
    for (size_t pi = 0; pi < sizeof precs / sizeof precs[0]; pi++)
        for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
            mpfr_prec_t p = precs[pi];
            int d = dims[di];
            gfl_ref_dot dot;
            if (gfl_ref_dot_init(&dot, p, d) != GFL_OK) {
                CHECK(0, "dot init: %s", gfl_error_message());
                continue;
            }
            mpfr_t *w = malloc((size_t)d * sizeof(mpfr_t)), *x = malloc((size_t)d * sizeof(mpfr_t));
            mpfr_t b, got, want, got_row;
            mpfr_inits2(p, b, got, want, got_row, (mpfr_ptr)0);
            for (int j = 0; j < d; j++) {
                mpfr_init2(w[j], p);
                mpfr_init2(x[j], p);
            }
            gfl_ref_rows rows; /* the same form as a prepared row (gfl_ref_dot_row) */
            CHECK(gfl_ref_rows_init(&rows, p, 1, d) == GFL_OK, "rows init: %s", gfl_error_message());
            for (int rep = 0; rep < reps; rep++) {
                int espan = rep % 4 == 3 ? 400 : 8; /* 400: beyond the fixed-point window */
                for (int j = 0; j < d; j++) {
                    rand_num(w[j], &r, gs, espan, 0);
                    rand_num(x[j], &r, gs, espan, 1);
                }
                rand_num(b, &r, gs, espan, 0);
                if (rep % 5 == 1 && d >= 2) { /* cancellation: term 1 = -term 0, or b = the sum */
                    mpfr_neg(w[1], w[0], MPFR_RNDN);
                    mpfr_set(x[1], x[0], MPFR_RNDN);
                }
                gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
                gfl_ref_rows_set(&rows, (const mpfr_t *)w, (const mpfr_t *)&b);
                gfl_ref_dot_row(&dot, got_row, &rows, 0);
                dot_oracle(want, (const mpfr_t *)w, (const mpfr_t *)x, b, d, p);
                total++;
                if (!same_bits(got, want) || !same_bits(got_row, want)) {
                    if (bad++ < 3)
                        CHECK(0, "prec %ld, d %d, rep %d: got %a, prepared row %a, want %a (rounded to double)",
                              (long)p, d, rep, mpfr_get_d(got, MPFR_RNDN), mpfr_get_d(got_row, MPFR_RNDN),
                              mpfr_get_d(want, MPFR_RNDN));
                }
            }
            fixed += dot.n_fixed;
            summed += dot.n_sum;
            for (int j = 0; j < d; j++) {
                mpfr_clear(w[j]);
                mpfr_clear(x[j]);
            }
            free(w), free(x);
            mpfr_clears(b, got, want, got_row, (mpfr_ptr)0);
            gfl_ref_dot_clear(&dot);
            gfl_ref_rows_clear(&rows);
        }
    gmp_randclear(gs);
    mpfr_free_cache();
    CHECK(bad == 0, "%ld of %ld affine forms not correctly rounded", bad, total);
    CHECK(fixed > total / 2 && summed > total / 20, "paths taken: fixed point %ld, mpfr_sum %ld of %ld",
          fixed, summed, total);
}

/* Hand-made cases: ties to even, exact cancellation to +0, an exact result
 * in the last place, specials (NaN, 0 times infinity, inf - inf). */
static void t_ref_dot_cases(void)
{
    mpfr_prec_t p = 128;
    gfl_ref_dot dot;
    CHECK(gfl_ref_dot_init(&dot, p, 2) == GFL_OK, "dot init");
    mpfr_t w[2], x[2], b, got, want;
    for (int j = 0; j < 2; j++)
        mpfr_inits2(p, w[j], x[j], (mpfr_ptr)0);
    mpfr_inits2(p, b, got, want, (mpfr_ptr)0);
    struct { double w0, x0, w1e, x1, b; const char *what; } cases[] = {
        {1, 1, -128, 1, 0, "1 + 2^-128: a tie, to even (1)"},
        {1, 1, -128, 3, 0, "1 + 3 2^-128: a tie, to even (1 + 2^-126)"},
        {1, 1, -130, 1, 0, "1 + 2^-130: below half an ulp"},
        {1, 3, 0, -3, 0, "3 - 3 = +0"},
        {0.5, 1, 0, 0, 0.5, "0.5 + 0 - 0.5 = +0"},
        {-1, 1, -127, 1, 0, "-1 + 2^-127: exact"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        mpfr_set_d(w[0], cases[c].w0, MPFR_RNDN);
        mpfr_set_d(x[0], cases[c].x0, MPFR_RNDN);
        mpfr_set_ui_2exp(w[1], 1, (mpfr_exp_t)cases[c].w1e, MPFR_RNDN);
        if (cases[c].w1e == 0)
            mpfr_set_d(w[1], 1, MPFR_RNDN);
        mpfr_set_d(x[1], cases[c].x1, MPFR_RNDN);
        mpfr_set_d(b, cases[c].b, MPFR_RNDN);
        gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
        dot_oracle(want, (const mpfr_t *)w, (const mpfr_t *)x, b, 2, p);
        CHECK(same_bits(got, want), "%s", cases[c].what);
        gfl_ref_rows rows; /* and as a prepared row */
        if (gfl_ref_rows_init(&rows, p, 1, 2) == GFL_OK) {
            gfl_ref_rows_set(&rows, (const mpfr_t *)w, (const mpfr_t *)&b);
            gfl_ref_dot_row(&dot, got, &rows, 0);
            CHECK(same_bits(got, want), "%s (prepared row)", cases[c].what);
            gfl_ref_rows_clear(&rows);
        }
    }
    /* the ties, spelled out */
    mpfr_set_d(w[0], 1, MPFR_RNDN), mpfr_set_d(x[0], 1, MPFR_RNDN);
    mpfr_set_ui_2exp(w[1], 3, -128, MPFR_RNDN), mpfr_set_d(x[1], 1, MPFR_RNDN), mpfr_set_zero(b, 1);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    mpfr_set_ui(want, 1, MPFR_RNDN);
    mpfr_nextabove(want);
    mpfr_nextabove(want); /* 1 + 1.5 ulp: the even neighbour is 1 + 2 ulp */
    CHECK(mpfr_equal_p(got, want), "1 + 3 2^-128 does not round to 1 + 2^-126");
    mpfr_set_d(x[1], 3, MPFR_RNDN), mpfr_set_ui_2exp(w[1], 1, -128, MPFR_RNDN);
    mpfr_set_d(x[0], -3, MPFR_RNDN), mpfr_set_d(w[0], 1, MPFR_RNDN), mpfr_set_d(b, -3, MPFR_RNDN);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    CHECK(mpfr_cmp_ui_2exp(got, 3, -128) == 0, "-3 + 3 2^-128 + 3 is not exactly 3 2^-128");
    /* every term zero: +0 without the accumulator */
    mpfr_set_zero(w[0], -1), mpfr_set_d(x[0], 5, MPFR_RNDN), mpfr_set_d(w[1], 2, MPFR_RNDN);
    mpfr_set_zero(x[1], 1), mpfr_set_zero(b, -1);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    CHECK(mpfr_zero_p(got) && !mpfr_signbit(got), "-0 x 5 + 2 x 0 - (-0) is not +0");
    mpfr_set_zero(b, 1);
    /* specials go through mpfr_sum */
    long before = dot.n_sum;
    mpfr_set_inf(w[0], 1), mpfr_set_zero(x[0], 1);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    CHECK(mpfr_nan_p(got), "inf * 0 is not NaN");
    mpfr_set_inf(w[0], 1), mpfr_set_d(x[0], 1, MPFR_RNDN), mpfr_set_inf(w[1], -1), mpfr_set_d(x[1], 1, MPFR_RNDN);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    CHECK(mpfr_nan_p(got), "inf - inf is not NaN");
    mpfr_set_d(w[1], 1, MPFR_RNDN);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    CHECK(mpfr_inf_p(got) && mpfr_sgn(got) > 0, "inf + 1 is not +inf");
    mpfr_set_nan(x[1]);
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w, (const mpfr_t *)x, b);
    CHECK(mpfr_nan_p(got), "a NaN input does not give NaN");
    CHECK(dot.n_sum == before + 4, "specials took the fixed-point path (%ld)", dot.n_sum - before);
    /* an operand of another precision, and an x with more than 64 bits */
    mpfr_t w2[2];
    mpfr_inits2(100, w2[0], w2[1], (mpfr_ptr)0);
    mpfr_set_d(w2[0], 0.75, MPFR_RNDN), mpfr_set_d(w2[1], -0.5, MPFR_RNDN);
    mpfr_set_d(x[0], 2, MPFR_RNDN), mpfr_set_ui(x[1], 1, MPFR_RNDN);
    mpfr_set_ui_2exp(want, 1, -100, MPFR_RNDN), mpfr_add(x[1], x[1], want, MPFR_RNDN); /* 1 + 2^-100 */
    mpfr_set_d(b, 0.25, MPFR_RNDN);
    before = dot.n_sum;
    gfl_ref_dot_affine(&dot, got, (const mpfr_t *)w2, (const mpfr_t *)x, b);
    dot_oracle(want, (const mpfr_t *)w2, (const mpfr_t *)x, b, 2, p);
    CHECK(same_bits(got, want) && dot.n_sum == before + 1, "mixed precisions: wrong or not through mpfr_sum");
    mpfr_clears(w2[0], w2[1], (mpfr_ptr)0);
    for (int j = 0; j < 2; j++)
        mpfr_clears(w[j], x[j], (mpfr_ptr)0);
    mpfr_clears(b, got, want, (mpfr_ptr)0);
    gfl_ref_dot_clear(&dot);
    gfl_ref_dot zero;
    memset(&zero, 0, sizeof zero);
    gfl_ref_dot_clear(&zero); /* a zeroed workspace may be cleared */
}

/* ------------------------------------------------------------------------ */
/* the worker pool                                                          */

#define POOL_MAX 8

typedef struct {
    int calls[POOL_MAX];
    int nthreads_seen[POOL_MAX];
    long sum[POOL_MAX];
    int job;
} pool_probe;

static void probe_job(void *ctx, int tid, int nthreads)
{
    pool_probe *p = ctx;
    p->calls[tid]++;
    p->nthreads_seen[tid] = nthreads;
    long s = 0;
    for (long q = tid; q < 100000; q += nthreads)
        s += q % 7 + p->job;
    p->sum[tid] = s;
}

static void t_ref_pool_jobs(void)
{
    for (int nt = 1; nt <= 4; nt++) {
        gfl_pool *pool = NULL;
        CHECK(gfl_pool_create(&pool, nt) == GFL_OK, "pool of %d: %s", nt, gfl_error_message());
        if (!pool)
            continue;
        CHECK(gfl_pool_size(pool) == nt, "pool of %d reports %d threads", nt, gfl_pool_size(pool));
        pool_probe p;
        memset(&p, 0, sizeof p);
        int jobs = 50;
        for (int j = 0; j < jobs; j++) {
            p.job = j;
            gfl_pool_run(pool, probe_job, &p);
            long total = 0, want = 0;
            for (int t = 0; t < nt; t++)
                total += p.sum[t];
            for (long q = 0; q < 100000; q++)
                want += q % 7 + j;
            CHECK(total == want, "pool of %d, job %d: partial sums %ld, want %ld", nt, j, total, want);
        }
        for (int t = 0; t < nt; t++)
            CHECK(p.calls[t] == jobs && p.nthreads_seen[t] == nt, "pool of %d: thread %d ran %d of %d jobs (saw %d)",
                  nt, t, p.calls[t], jobs, p.nthreads_seen[t]);
        for (int t = nt; t < POOL_MAX; t++)
            CHECK(p.calls[t] == 0, "pool of %d: index %d ran", nt, t);
        gfl_pool_destroy(pool);
    }
    gfl_pool_destroy(NULL); /* a no-op, as free(NULL) */
    gfl_pool *bad = NULL;
    CHECK(gfl_pool_create(&bad, 0) == GFL_EINVAL && bad == NULL, "a pool of 0 threads was created");
    gfl_error_clear();
}

/* --threads: the option parses, defaults to the online processors, and is
 * validated. */
static void t_ref_threads_option(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_DEFAULT);
    CHECK(cfg.threads >= 1, "default threads %d", cfg.threads);
    CHECK(gfl_config_set(&cfg, "threads", "3") == GFL_OK && cfg.threads == 3, "--threads 3 gives %d", cfg.threads);
    CHECK(gfl_config_validate(&cfg) == GFL_OK, "--threads 3 rejected: %s", gfl_error_message());
    cfg.threads = 0;
    CHECK(gfl_config_validate(&cfg) == GFL_EINVAL, "--threads 0 accepted");
    gfl_error_clear();
    cfg.threads = GFL_THREADS_MAX + 1;
    CHECK(gfl_config_validate(&cfg) == GFL_EINVAL, "--threads %d accepted", GFL_THREADS_MAX + 1);
    gfl_error_clear();
}

/* start()/wait(): the job on indices 1 .. n - 1 in the background, never on
 * index 0, while the caller works; its writes visible after wait(). */
static void t_ref_pool_background(void)
{
    for (int nt = 1; nt <= 3; nt++) {
        gfl_pool *pool = NULL;
        CHECK(gfl_pool_create(&pool, nt) == GFL_OK, "pool of %d: %s", nt, gfl_error_message());
        if (!pool)
            continue;
        pool_probe p;
        memset(&p, 0, sizeof p);
        for (int j = 0; j < 20; j++) {
            p.job = j;
            gfl_pool_start(pool, probe_job, &p);
            long mine = 0; /* the caller's own work meanwhile */
            for (long q = 0; q < 100000; q++)
                mine += q % 7 + j;
            gfl_pool_wait(pool);
            for (int t = 1; t < nt; t++) {
                long want = 0;
                for (long q = t; q < 100000; q += nt)
                    want += q % 7 + j;
                CHECK(p.sum[t] == want, "pool of %d, job %d: index %d summed %ld, want %ld", nt, j, t, p.sum[t], want);
            }
            CHECK(mine > 0, "caller's work");
        }
        CHECK(p.calls[0] == 0, "pool of %d: index 0 ran %d background jobs", nt, p.calls[0]);
        for (int t = 1; t < nt; t++)
            CHECK(p.calls[t] == 20, "pool of %d: index %d ran %d of 20 background jobs", nt, t, p.calls[t]);
        gfl_pool_run(pool, probe_job, &p); /* run() still works after start/wait */
        CHECK(p.calls[0] == 1, "pool of %d: run() after start/wait", nt);
        gfl_pool_destroy(pool);
    }
}

/* gfl compare on 1 thread (main run, then the self-check), 2 and 3 threads
 * (the self-check at the same time as the main run, each on its share of the
 * threads): every per-step figure and the verdict bit-identical. */
static void t_ref_threads_compare(void)
{
    for (int c = 0; c < 2; c++) {
        gfl_config cfg;
        ref_case_config(&ref_cases[c], &cfg);
        cfg.eval_every = 3;
        gfl_compare_result r[3];
        memset(r, 0, sizeof r);
        for (int t = 0; t < 3; t++) {
            cfg.threads = t + 1;
            gfl_problem pb;
            CHECK(gfl_problem_init(&pb, &cfg) == GFL_OK, "problem: %s", gfl_error_message());
            CHECK(gfl_compare_run(&pb, gfl_path_find("ref"), gfl_path_find("fast"), &r[t]) == GFL_OK, "%s, %d threads: %s",
                  ref_cases[c].name, t + 1, gfl_error_message());
            gfl_problem_clear(&pb);
        }
        for (int t = 1; t < 3; t++) {
            if (!r[0].steps || !r[t].steps)
                break;
            CHECK(r[t].selfcheck_run && r[t].selfcheck_bits == r[0].selfcheck_bits &&
                      r[t].verdict == r[0].verdict && r[t].max_rel_diff == r[0].max_rel_diff &&
                      r[t].test_loss[0] == r[0].test_loss[0],
                  "%s: compare on %d threads differs from 1 thread (self-check %a vs %a bits)", ref_cases[c].name,
                  t + 1, r[t].selfcheck_bits, r[0].selfcheck_bits);
            for (int k = 1; k <= cfg.T; k++) {
                const gfl_compare_step *a = &r[0].steps[k], *b = &r[t].steps[k];
                CHECK(a->selfcheck_bits == b->selfcheck_bits && a->rel_a == b->rel_a && a->rel_W == b->rel_W &&
                          a->rel_loss == b->rel_loss && a->relu_split == b->relu_split &&
                          a->relu_ambiguous == b->relu_ambiguous && a->unexplained == b->unexplained,
                      "%s: step %d on %d threads differs from 1 thread", ref_cases[c].name, k, t + 1);
            }
        }
        for (int t = 0; t < 3; t++)
            gfl_compare_clear(&r[t]);
    }
}

/* The ref engine reuses the pre-activations of its last pass while W, b and
 * the batch are bitwise the same (a reload of a alone).  Oracle: a fresh
 * engine for every evaluation.  Each change (a, one entry of W, of b, of the
 * batch, a step that moves W, a step that does not) is checked against it. */
static double ref_eval_fresh(const gfl_config *cfg, const double *a, const double *W, const double *b,
                             const double *X, const double *Y, int n, double *f)
{
    void *eng = NULL;
    double L = NAN, err;
    if (gfl_ref_engine.create(&eng, cfg, n) == GFL_OK && gfl_ref_engine.load(eng, a, W, b) == GFL_OK &&
        gfl_ref_engine.evaluate(eng, X, Y, n, &L, &err) == GFL_OK)
        gfl_ref_engine.forward(eng, X, n, f);
    if (eng)
        gfl_ref_engine.destroy(eng);
    return L;
}

static void t_ref_reuse_h(void)
{
    for (int c = 0; c < 2; c++) {
        gfl_config cfg;
        ref_case_config(&ref_cases[c], &cfg);
        cfg.threads = 2;
        gfl_problem pb;
        if (gfl_problem_init(&pb, &cfg) != GFL_OK) {
            CHECK(0, "problem: %s", gfl_error_message());
            continue;
        }
        int m = cfg.m, d = cfg.d, n = cfg.n;
        size_t md = (size_t)m * d;
        double *X = malloc((size_t)n * d * sizeof(double)), *Y = malloc((size_t)n * sizeof(double));
        double *a = malloc((size_t)m * sizeof(double)), *W = malloc(md * sizeof(double));
        double *b = malloc((size_t)m * sizeof(double)), *f = malloc((size_t)n * sizeof(double));
        double *g = malloc((size_t)n * sizeof(double));
        void *eng = NULL;
        if (!X || !Y || !a || !W || !b || !f || !g || gfl_ref_engine.create(&eng, &cfg, n) != GFL_OK) {
            CHECK(0, "setup");
            goto next;
        }
        gfl_problem_batch(&pb, 1, X, Y);
        memcpy(a, pb.a0, (size_t)m * sizeof(double));
        memcpy(W, pb.W0, md * sizeof(double));
        memcpy(b, pb.b, (size_t)m * sizeof(double));
        for (int v = 0; v < 7; v++) {
            /* v: 0 first load, 1 new a, 2 same again, 3 one W entry, 4 one b entry, 5 one input, 6 a step */
            if (v == 1 || v == 2)
                for (int i = 0; i < m; i++)
                    a[i] = pb.a0[(i + v) % m] * 0.75;
            if (v == 3)
                W[md / 2] = nextafter(W[md / 2], INFINITY);
            if (v == 4)
                b[m - 1] = -b[m - 1];
            if (v == 5)
                X[(size_t)n * d / 2] *= 1.5;
            double L, err, Lf = NAN;
            if (v == 6) {
                /* the step starts from H of this batch (reused) and moves W:
                 * against a fresh engine that takes the same step */
                gfl_step_info info;
                void *fresh = NULL;
                CHECK(gfl_ref_engine.step(eng, X, Y, n, 0.5, 0.0, 0, 1, &info) == GFL_OK, "step");
                if (gfl_ref_engine.create(&fresh, &cfg, n) == GFL_OK && gfl_ref_engine.load(fresh, a, W, b) == GFL_OK &&
                    gfl_ref_engine.step(fresh, X, Y, n, 0.5, 0.0, 0, 1, &info) == GFL_OK &&
                    gfl_ref_engine.evaluate(fresh, X, Y, n, &Lf, &err) == GFL_OK)
                    gfl_ref_engine.forward(fresh, X, n, f);
                if (fresh)
                    gfl_ref_engine.destroy(fresh);
            } else {
                CHECK(gfl_ref_engine.load(eng, a, W, b) == GFL_OK, "load");
                Lf = ref_eval_fresh(&cfg, a, W, b, X, Y, n, f);
            }
            CHECK(gfl_ref_engine.evaluate(eng, X, Y, n, &L, &err) == GFL_OK, "evaluate");
            gfl_ref_engine.forward(eng, X, n, g);
            CHECK(memcmp(&L, &Lf, sizeof L) == 0, "%s, change %d: loss %a, a fresh engine %a", ref_cases[c].name, v, L, Lf);
            CHECK(memcmp(f, g, (size_t)n * sizeof(double)) == 0, "%s, change %d: outputs differ from a fresh engine",
                  ref_cases[c].name, v);
        }
    next:
        if (eng)
            gfl_ref_engine.destroy(eng);
        free(X), free(Y), free(a), free(W), free(b), free(f), free(g);
        gfl_problem_clear(&pb);
    }
}

/* A loss or output pass computes only the columns of H it needs (a_i = 0
 * with a finite row and batch contributes an exact zero: its column is left
 * out) and leaves the zero terms out of f_k.  Oracle, written here
 * independently of the engine: h_ik summed exactly at 2048 bits (the terms
 * are products of doubles of moderate exponents, so that sum is exact) and
 * rounded once to prec bits, then f_k = sum over the mirror pairs of
 * (sigma(h_i) a_i + sigma(h_i+h) a_i+h), term by term as SPEC 1, 2 write it
 * (the engine's arithmetic before the zero terms were left out), and the
 * hinge loss (1/n) sum_k max(0, 1 - y_k f_k).  One engine goes through a
 * sequence of loads on one batch (sparse a with +0 and -0, dense a, a zero
 * a_i on a row with an infinite entry, a NaN a_i, one changed row) and a new
 * batch (both with runs of repeated inputs, whose h and f the engine copies), with a workspace that holds the batch and one that does not (two
 * chunks), on 1, 2 and 3 threads; outputs and loss are compared bit for bit (NaN with NaN). */
static void oracle_eval(int m, int d, int n, mpfr_prec_t prec, const double *a, const double *W, const double *b,
                        const double *X, const double *Y, double *f, double *L)
{
    mpfr_t ex, t, h1, h2, fk, acc, z;
    mpfr_inits2(2048, ex, t, (mpfr_ptr)0);
    mpfr_inits2(prec, h1, h2, fk, acc, z, (mpfr_ptr)0);
    mpfr_set_zero(acc, 1);
    for (int k = 0; k < n; k++) {
        mpfr_set_zero(fk, 1);
        for (int i = 0; i < m / 2; i++) {
            for (int s = 0; s < 2; s++) {
                int r = i + s * (m / 2);
                mpfr_ptr hv = s ? h2 : h1;
                mpfr_set_zero(ex, 1);
                for (int j = 0; j < d; j++) {
                    mpfr_set_d(t, W[(size_t)r * d + j], MPFR_RNDN);
                    mpfr_mul_d(t, t, X[(size_t)k * d + j], MPFR_RNDN);
                    mpfr_add(ex, ex, t, MPFR_RNDN);
                }
                mpfr_sub_d(ex, ex, b[r], MPFR_RNDN);
                mpfr_set(hv, ex, MPFR_RNDN); /* rounded once */
                if (mpfr_zero_p(hv))
                    mpfr_set_zero(hv, 1);
                if (!(mpfr_sgn(hv) > 0))
                    mpfr_set_zero(hv, 1); /* sigma (a NaN h gives +0, as the engine's relu) */
                mpfr_mul_d(hv, hv, a[r], MPFR_RNDN);
            }
            mpfr_add(h1, h1, h2, MPFR_RNDN);
            mpfr_add(fk, fk, h1, MPFR_RNDN);
        }
        f[k] = mpfr_get_d(fk, MPFR_RNDN);
        mpfr_mul_d(z, fk, Y[k], MPFR_RNDN);
        if (mpfr_cmp_ui(z, 1) < 0 || mpfr_nan_p(z)) {
            mpfr_ui_sub(z, 1, z, MPFR_RNDN);
            mpfr_add(acc, acc, z, MPFR_RNDN);
        }
    }
    mpfr_div_ui(acc, acc, (unsigned long)n, MPFR_RNDN);
    *L = mpfr_get_d(acc, MPFR_RNDN);
    mpfr_clears(ex, t, h1, h2, fk, acc, z, (mpfr_ptr)0);
}

static int same_double(double x, double y) { return (isnan(x) && isnan(y)) || memcmp(&x, &y, sizeof x) == 0; }

static void t_ref_sparse_outputs(void)
{
    uint64_t seed = gfl_test_seed();
    int m = 22, d = 5, n = 37;
    size_t md = (size_t)m * d;
    double *a = malloc(m * sizeof(double)), *W = malloc(md * sizeof(double)), *b = malloc(m * sizeof(double));
    double *X = malloc((size_t)n * d * sizeof(double)), *Y = malloc(n * sizeof(double));
    double *f = malloc(n * sizeof(double)), *fo = malloc(n * sizeof(double));
    if (!a || !W || !b || !X || !Y || !f || !fo) {
        CHECK(0, "out of memory");
        goto done;
    }
    for (int run = 0; run < 6; run++) {
        int th = 1 + run / 2, nmax = run % 2 ? n : 20; /* 20 < n: two chunks, no batch held across loads */
        gfl_config cfg;
        gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
        cfg.m = m, cfg.d = d, cfg.prec = 128, cfg.threads = th;
        gfl_rng r;
        gfl_rng_init(&r, seed, 77, 0, 0);
        for (size_t q = 0; q < md; q++)
            W[q] = gfl_rng_normal(&r);
        for (int i = 0; i < m; i++)
            b[i] = 0.25 * gfl_rng_normal(&r);
        void *eng = NULL;
        if (gfl_ref_engine.create(&eng, &cfg, nmax) != GFL_OK) {
            CHECK(0, "create");
            continue;
        }
        for (int v = 0; v < 8; v++) {
            /* v: 0 sparse a (+0 and -0), 1 dense a, 2 sparse again, 3 a zero a_i on a row with an
             * infinite w_ij, 4 a NaN a_i, 5 one changed row, 6 a new batch, 7 sparse on it */
            if (v == 0 || v == 6)
                for (int k = 0; k < n; k++) {
                    /* runs of repeated inputs (copied by the engine), labels drawn apart */
                    for (int j = 0; j < d; j++)
                        X[(size_t)k * d + j] = k % 3 && k % 11 != 10 ? X[(size_t)(k - 1) * d + j] : gfl_rng_normal(&r);
                    Y[k] = gfl_rng_u64(&r) & 1 ? 1.0 : -1.0;
                }
            if (v == 3)
                W[2 * d + 1] = INFINITY; /* row 2: h = +-inf */
            if (v == 5)
                W[2 * d + 1] = 0.5, W[7 * d + 3] *= -1.25, b[7] = 0.125;
            for (int i = 0; i < m; i++) {
                int zero = (v == 1 || v == 4) ? i % 7 == 3 : i % 4 != 1;
                a[i] = zero ? (i % 2 ? -0.0 : 0.0) : 3 * gfl_rng_normal(&r);
            }
            if (v == 3)
                a[2] = 0.0;
            if (v == 4)
                a[m - 1] = NAN;
            double L, err, Lo;
            CHECK(gfl_ref_engine.load(eng, a, W, b) == GFL_OK, "load");
            CHECK(gfl_ref_engine.evaluate(eng, X, Y, n, &L, &err) == GFL_OK, "evaluate");
            CHECK(gfl_ref_engine.forward(eng, X, n, f) == GFL_OK, "forward");
            oracle_eval(m, d, n, 128, a, W, b, X, Y, fo, &Lo);
            int same = 1;
            for (int k = 0; k < n; k++)
                same &= same_double(f[k], fo[k]);
            CHECK(same, "seed %llu, %d threads, workspace %d, load %d: outputs differ from the term-by-term oracle",
                  (unsigned long long)seed, th, nmax, v);
            CHECK(same_double(L, Lo), "seed %llu, %d threads, workspace %d, load %d: loss %a, oracle %a",
                  (unsigned long long)seed, th, nmax, v, L, Lo);
            if (v == 3) /* the infinite row with a zero a_i is not left out: some f_k are NaN */
                CHECK(isnan(L), "load 3: a zero a_i on an infinite row must give NaN (0 inf)");
        }
        gfl_ref_engine.destroy(eng);
    }
done:
    free(a), free(W), free(b), free(X), free(Y), free(f), free(fo);
}

/* The proof chain's pass 2 replays the states pass 1 stored instead of
 * training the run again (gfl_chain.c).  Oracle: the same check with
 * cp.retrain = 1, the previous computation (pass 2 trains again, step 1
 * checked bit for bit); every link (verdict, both sides, slack, note) and
 * every term of the report must be bit-identical, on the ref path (two
 * cases, two threads) and the fast path. */
static void t_chain_replay(void)
{
    static const struct { gfl_case_id c; const char *path; } runs[] = {
        {GFL_CASE_XOR, "ref"}, {GFL_CASE_PARITY, "ref"}, {GFL_CASE_MOG, "fast"}};
    for (size_t q = 0; q < sizeof runs / sizeof runs[0]; q++) {
        gfl_check_case out[2];
        memset(out, 0, sizeof out);
        for (int v = 0; v < 2; v++) {
            gfl_config cfg;
            gfl_config_defaults(&cfg, runs[q].c, GFL_PRESET_SMALL);
            cfg.sigma_a = 4;
            cfg.T = 24;
            cfg.seed = 3;
            cfg.threads = 2;
            gfl_check_params p;
            gfl_check_defaults(&p);
            p.cp.n_pop = 2048;
            p.n_fit = 512;
            p.cp.retrain = v;
            gfl_status st = gfl_check_run(&cfg, gfl_path_find(runs[q].path), &p, &out[v]);
            CHECK(st == GFL_OK, "check %zu (retrain %d): %s", q, v, gfl_error_message());
        }
        const gfl_chain_result *x = &out[0].chain, *y = &out[1].chain;
        for (int k = 0; k < GFL_NLINKS; k++)
            CHECK(memcmp(&x->link[k], &y->link[k], sizeof x->link[k]) == 0,
                  "run %zu, link %s: replay and retraining differ (%s / %s)", q, y->link[k].id,
                  gfl_verdict_name(x->link[k].verdict), gfl_verdict_name(y->link[k].verdict));
        const double xs[] = {x->lstar, x->approx, x->drift, x->reg, x->regret, x->stat, x->comp, x->chain_bound,
                             x->tight_bound, x->pop_bound, x->apriori_bound, x->atilde_norm, x->min_batch_loss,
                             x->pop_final_err};
        const double ys[] = {y->lstar, y->approx, y->drift, y->reg, y->regret, y->stat, y->comp, y->chain_bound,
                             y->tight_bound, y->pop_bound, y->apriori_bound, y->atilde_norm, y->min_batch_loss,
                             y->pop_final_err};
        for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++)
            CHECK(same_double(xs[k], ys[k]), "run %zu, term %zu: %a (replay) vs %a (retraining)", q, k, xs[k], ys[k]);
        CHECK(x->K == y->K && x->tight_K == y->tight_K && x->pop_best_t == y->pop_best_t && x->neval == y->neval,
              "run %zu: K, tight K, best step or evaluations differ", q);
        CHECK(x->neval != y->neval || (memcmp(x->eval_t, y->eval_t, (size_t)x->neval * sizeof(int)) == 0 &&
                                       memcmp(x->eval_test_loss, y->eval_test_loss, (size_t)x->neval * sizeof(double)) == 0),
              "run %zu: test curves differ", q);
        gfl_check_clear(&out[0]);
        gfl_check_clear(&out[1]);
    }
}

/* The ref oracle's exact G of the parity law (ref/gfl_ref_oracle.c) decides
 * 1[<w,x> > b] in double where a rigorous bound certifies the sign and with
 * mpfr_sum elsewhere.  Oracle: the previous computation, kept here: every
 * decision by the correctly rounded sum of the d + 1 exact terms, integer
 * sums by weight, G_j = ((1 - p) acc_u + p acc_s) / 2^(d+2) in MPFR.  Inputs:
 * random normal (w, b); dyadic w with b on a sum (exact zeros: the fallback);
 * w_j = 1 + j 2^-50 with b a double-rounded sum plus -2^-48, 0, 2^-48, and
 * a sum whose double value has the wrong sign (the double evaluation cannot
 * decide them); both values of p_struct.  Checked to fail with the bound
 * set to 0. */
static void parity_G_oracle(const gfl_problem *pb, const double *w, double b, double *G)
{
    int d = pb->cfg.d;
    int64_t acc[64];
    double x[32];
    mpfr_t terms[33], s, ps, qs;
    mpfr_ptr ptrs[33];
    memset(acc, 0, sizeof acc);
    for (int j = 0; j <= d; j++)
        mpfr_init2(terms[j], 64), ptrs[j] = terms[j];
    mpfr_inits2(256, s, ps, qs, (mpfr_ptr)0);
    for (uint64_t idx = 0; idx < (UINT64_C(1) << d); idx++) {
        gfl_parity_point(d, idx, x);
        for (int j = 0; j < d; j++)
            mpfr_set_d(terms[j], x[j] * w[j], MPFR_RNDN);
        mpfr_set_d(terms[d], -b, MPFR_RNDN);
        mpfr_sum(s, ptrs, (unsigned long)d + 1, MPFR_RNDN);
        if (mpfr_sgn(s) <= 0)
            continue;
        uint64_t cu, cs;
        gfl_parity_weight_parts(pb, idx, &cu, &cs);
        int64_t sy = gfl_parity_label(pb, idx) > 0 ? 1 : -1;
        for (int j = 0; j < d; j++) {
            acc[j] += (x[j] > 0 ? 1 : -1) * (int64_t)cu * sy;
            acc[d + j] += (x[j] > 0 ? 1 : -1) * (int64_t)cs * sy;
        }
    }
    for (int j = 0; j < d; j++) {
        mpfr_set_d(ps, gfl_parity_p_struct(pb), MPFR_RNDN);
        mpfr_ui_sub(qs, 1, ps, MPFR_RNDN);
        mpfr_mul_si(qs, qs, (long)acc[j], MPFR_RNDN);
        mpfr_mul_si(ps, ps, (long)acc[d + j], MPFR_RNDN);
        mpfr_add(s, qs, ps, MPFR_RNDN);
        mpfr_div_2ui(s, s, (unsigned long)d + 2, MPFR_RNDN);
        G[j] = mpfr_get_d(s, MPFR_RNDN);
    }
    for (int j = 0; j <= d; j++)
        mpfr_clear(terms[j]);
    mpfr_clears(s, ps, qs, (mpfr_ptr)0);
}

static void t_parity_G_exact(void)
{
    uint64_t seed = gfl_test_seed();
    for (int pv = 0; pv < 2; pv++) {
        gfl_config cfg;
        gfl_config_defaults(&cfg, GFL_CASE_PARITY, GFL_PRESET_SMALL);
        cfg.d = 11, cfg.k = 3;
        if (pv)
            cfg.p_struct = 0.25;
        gfl_problem pb;
        if (gfl_problem_init(&pb, &cfg) != GFL_OK) {
            CHECK(0, "problem: %s", gfl_error_message());
            continue;
        }
        int d = cfg.d;
        gfl_rng r;
        gfl_rng_init(&r, seed, 78, (uint64_t)pv, 0);
        for (int q = 0; q < 12; q++) {
            double w[32], b, G[32], Go[32], se;
            if (q < 4) { /* random */
                for (int j = 0; j < d; j++)
                    w[j] = gfl_rng_normal(&r);
                b = 0.5 * gfl_rng_normal(&r);
            } else if (q < 8) { /* dyadic: exact sums, exact zeros */
                b = 0;
                for (int j = 0; j < d; j++) {
                    w[j] = (double)((int)(gfl_rng_u64(&r) % 9) - 4) / 8;
                    b += (j % 3 ? 1 : -1) * w[j];
                }
            } else if (q == 11) {
                /* the double sum -1 + 2^-60 + 1 - 2^-70 = -2^-70 has the wrong sign
                 * (2^-60 is lost), wherever x_0 = x_1 = x_2 = 1 */
                memset(w, 0, sizeof w);
                w[0] = 0x1p-60, w[1] = 1, w[2] = -0x1p-70;
                b = 1;
            } else { /* sums the double evaluation cannot decide */
                double sum = 0;
                for (int j = 0; j < d; j++) {
                    w[j] = 1 + j * 0x1p-50;
                    sum += w[j];
                }
                b = sum + (q - 9) * 0x1p-48;
            }
            CHECK(gfl_ref_oracle.G(&pb, NULL, 1, w, &b, G, &se) == GFL_OK, "oracle: %s", gfl_error_message());
            parity_G_oracle(&pb, w, b, Go);
            CHECK(memcmp(G, Go, (size_t)d * sizeof(double)) == 0,
                  "seed %llu, p_struct %g, input %d: G differs from the mpfr_sum enumeration",
                  (unsigned long long)seed, cfg.p_struct, q);
        }
        gfl_problem_clear(&pb);
    }
}

void t_ref_threads_register(void)
{
    CU_pSuite s = CU_add_suite("ref_threads", NULL, NULL);
    CU_add_test(s, "ref results bit-identical on 1, 2 and 3 threads", t_ref_threads_bitwise);
    CU_add_test(s, "ref results bit-identical to the recorded arithmetic", t_ref_threads_golden);
    CU_add_test(s, "worker pool: every index once per job", t_ref_pool_jobs);
    CU_add_test(s, "worker pool: background jobs (start, wait)", t_ref_pool_background);
    CU_add_test(s, "pre-activations reused only for the same W, b and batch", t_ref_reuse_h);
    CU_add_test(s, "outputs with zero terms and unneeded columns left out: term-by-term oracle", t_ref_sparse_outputs);
    CU_add_test(s, "proof chain: pass 2 replaying pass 1 equals training again", t_chain_replay);
    CU_add_test(s, "parity oracle: exact G with decisions in double where certified", t_parity_G_exact);
    CU_add_test(s, "compare bit-identical on 1, 2 and 3 threads (concurrent self-check)", t_ref_threads_compare);
    CU_add_test(s, "--threads parses, defaults and validates", t_ref_threads_option);
    s = CU_add_suite("ref_dot", NULL, NULL);
    CU_add_test(s, "affine forms rounded once: random, every precision", t_ref_dot_random);
    CU_add_test(s, "affine forms rounded once: ties, zeros, specials", t_ref_dot_cases);
}

#endif
