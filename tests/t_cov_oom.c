/* Out of memory, everywhere (coverage builds only).
 *
 * SQLite's OOM tests, for this project: every allocation that gfl code makes
 * is failed in turn -- the first, then the second, ... -- while one operation
 * (init, train, dump, compare, features, check, ...) runs, until a run makes
 * no allocation that could be failed.  Each failing run must return
 * GFL_ENOMEM with a message, not crash, and leave behind no allocation it made
 * (every block gfl code allocated during the run is tracked and must be freed
 * by the time the operation and its documented clean-up return).
 *
 * The allocator is replaced in the test binary (malloc, calloc, realloc,
 * free forwarding to glibc's __libc_* functions); only calls whose return
 * address lies in the executable's own text -- gfl and the tests, linked
 * statically -- are failed or tracked, so MPFR/GMP (which abort on OOM),
 * jansson, OpenBLAS, GSL and the C library keep working.  Replacing malloc
 * would blind AddressSanitizer and valgrind, so this exists only when
 * GFL_COVERAGE is defined (make coverage); other builds register nothing. */
#include "gfl_paths.h"
#include "gfl_test.h"

#ifdef GFL_COVERAGE

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "gfl_check.h"
#include "gfl_compare.h"
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_features.h"
#include "gfl_io.h"
#include "gfl_npy.h"
#include "gfl_opt.h"
#include "gfl_population.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"
#include "gfl_report.h"
#include "gfl_train.h"
#include "gfl_witness.h"

/* ------------------------------------------------------------------------ */
/* the allocator                                                            */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern char __executable_start[], etext[];

#define OOM_SLOTS (1u << 16)
#define TOMB ((void *)1)

static int oom_on;          /* failing and tracking are active */
static long oom_countdown;  /* the allocation that sees 0 fails */
static int oom_persist;     /* and, when set, every later one too */
static long oom_calls;      /* gfl allocations seen while active */
static long oom_failed;     /* allocations failed while active */
static long oom_live;       /* tracked blocks not yet freed */
static long oom_lost;       /* tracking table overflow (must stay 0) */
static const void *oom_fail_ra; /* where the failed allocation was made */
static void *oom_set[OOM_SLOTS];

/* Functions whose allocations are not failed in a sweep (known defects, see
 * the known[] table below): [lo, hi) address ranges in this process. */
#define OOM_MAX_SKIP 8
static uintptr_t skip_lo[OOM_MAX_SKIP], skip_hi[OOM_MAX_SKIP];
static int nskip;

static int from_gfl(const void *ra)
{
    return (const char *)ra >= __executable_start && (const char *)ra < etext;
}

static size_t slot_of(const void *p) { return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 48); }

static void track_add(void *p)
{
    for (size_t i = slot_of(p), n = 0; n < OOM_SLOTS; n++, i = (i + 1) & (OOM_SLOTS - 1))
        if (oom_set[i] == NULL || oom_set[i] == TOMB) {
            oom_set[i] = p;
            oom_live++;
            return;
        }
    oom_lost++;
}

static void track_del(void *p)
{
    for (size_t i = slot_of(p), n = 0; n < OOM_SLOTS && oom_set[i]; n++, i = (i + 1) & (OOM_SLOTS - 1))
        if (oom_set[i] == p) {
            oom_set[i] = TOMB;
            oom_live--;
            return;
        }
}

/* 1: fail this allocation. */
static int oom_tick(const void *ra)
{
    if (!oom_on || !from_gfl(ra))
        return 0;
    for (int i = 0; i < nskip; i++)
        if ((uintptr_t)ra >= skip_lo[i] && (uintptr_t)ra < skip_hi[i])
            return 0;
    oom_calls++;
    if (oom_countdown-- == 0 || (oom_persist && oom_failed > 0)) {
        oom_failed++;
        oom_fail_ra = ra;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    const void *ra = __builtin_return_address(0);
    if (oom_tick(ra))
        return NULL;
    void *p = __libc_malloc(n);
    if (p && oom_on && from_gfl(ra))
        track_add(p);
    return p;
}

void *calloc(size_t n, size_t sz)
{
    const void *ra = __builtin_return_address(0);
    if (oom_tick(ra))
        return NULL;
    void *p = __libc_calloc(n, sz);
    if (p && oom_on && from_gfl(ra))
        track_add(p);
    return p;
}

void *realloc(void *old, size_t n)
{
    const void *ra = __builtin_return_address(0);
    if (oom_tick(ra))
        return NULL; /* old stays valid (and tracked) */
    void *p = __libc_realloc(old, n);
    if (p && oom_on && from_gfl(ra)) {
        if (old)
            track_del(old);
        track_add(p);
    }
    return p;
}

void free(void *p)
{
    if (p && oom_on && from_gfl(__builtin_return_address(0)))
        track_del(p);
    __libc_free(p);
}

static void oom_begin(long k)
{
    memset(oom_set, 0, sizeof oom_set);
    oom_countdown = k;
    oom_calls = oom_failed = oom_live = oom_lost = 0;
    gfl_error_clear();
    oom_on = 1;
}

static void oom_end(void) { oom_on = 0; }

/* ------------------------------------------------------------------------ */
/* known defects                                                            */

/* Allocation sites whose failure is mishandled.  A sweep that would reach
 * them lists them and they are never failed there (every other allocation
 * still is); each is named in the sweep's output, so the list cannot rot
 * silently.  Remove an entry once its function handles the failure. */
typedef struct {
    const char *fn;
    const char *why;
} known_defect;

/* None at present: every function that allocates handles its failure. */
static const known_defect K_REF_ORACLE[] = {{NULL, NULL}};
static const known_defect K_CHAIN[] = {{NULL, NULL}};
static const known_defect K_REF_CHECK[] = {{NULL, NULL}};

/* Address range of every function called `fn` in this executable, from the
 * symbol table (nm -S; static functions included).  Returns how many. */
static int symbol_ranges(const char *fn, uintptr_t *lo, uintptr_t *hi, int max)
{
    char cmd[128], line[512];
    int n = 0;
    snprintf(cmd, sizeof cmd, "nm -S --defined-only /proc/%d/exe 2>/dev/null", (int)getpid());
    FILE *f = popen(cmd, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long addr, size;
        char type, name[256];
        if (sscanf(line, "%llx %llx %c %255s", &addr, &size, &type, name) == 4 && strcmp(name, fn) == 0 &&
            n < max) {
            lo[n] = (uintptr_t)__executable_start + (uintptr_t)addr;
            hi[n] = lo[n] + (uintptr_t)size;
            n++;
        }
    }
    pclose(f);
    return n;
}

/* "function at file:line" of a code address (addr2line), for messages. */
static const char *describe(const void *ra)
{
    static char out[512];
    char cmd[160], fn[200] = "?", loc[300] = "?";
    snprintf(cmd, sizeof cmd, "addr2line -f -e /proc/%d/exe 0x%llx 2>/dev/null", (int)getpid(),
             (unsigned long long)((uintptr_t)ra - 1 - (uintptr_t)__executable_start));
    FILE *f = popen(cmd, "r");
    if (f) {
        if (fgets(fn, sizeof fn, f) && fgets(loc, sizeof loc, f)) {
            fn[strcspn(fn, "\n")] = '\0';
            loc[strcspn(loc, "\n")] = '\0';
        }
        pclose(f);
    }
    char cwd[256];
    const char *rel = loc;
    if (getcwd(cwd, sizeof cwd) && strncmp(loc, cwd, strlen(cwd)) == 0 && loc[strlen(cwd)] == '/')
        rel = loc + strlen(cwd) + 1;
    snprintf(out, sizeof out, "%s (%s)", fn, rel);
    return out;
}

/* Makes the functions of `known` (NULL-terminated; may be NULL) unfailable. */
static void skip_known(const known_defect *known)
{
    nskip = 0;
    for (; known && known->fn; known++) {
        int got = symbol_ranges(known->fn, skip_lo + nskip, skip_hi + nskip, OOM_MAX_SKIP - nskip);
        if (got == 0)
            printf("\n    oom: known defect '%s' not found in the binary: remove it from the list", known->fn);
        nskip += got;
    }
}

/* ------------------------------------------------------------------------ */
/* the sweep                                                                */

typedef gfl_status (*oom_op)(void *ctx);

/* Runs op with allocation k failed, k = 0, 1, ..., until a run fails none
 * (which must then succeed).  Every failing run: GFL_ENOMEM with a message,
 * nothing left allocated.  Returns the number of allocations of a full run. */
static long oom_sweep_known(const char *name, oom_op op, void *ctx, const known_defect *known)
{
    long k, bad_status = 0, leaks = 0, nomsg = 0;
    skip_known(known);
    for (k = 0;; k++) {
        oom_begin(k);
        gfl_status st = op(ctx);
        oom_end();
        if (oom_failed == 0) {
            if (st != GFL_OK)
                printf("\n  oom %s: the full run failed: %s", name, gfl_error_message());
            CU_ASSERT_EQUAL(st, GFL_OK);
            CU_ASSERT_EQUAL(oom_live, 0);
            break;
        }
        if (st != GFL_ENOMEM) {
            if (bad_status++ == 0)
                printf("\n  oom %s: allocation %ld failed in %s: status %s (%s)", name, k,
                       describe(oom_fail_ra), gfl_status_name(st), gfl_error_message());
        } else if (!gfl_error_message()[0]) {
            nomsg++;
        }
        if (oom_live != 0 && leaks++ == 0)
            printf("\n  oom %s: allocation %ld failed in %s: %ld block(s) left allocated", name, k,
                   describe(oom_fail_ra), oom_live);
    }
    CU_ASSERT_EQUAL(bad_status, 0);
    CU_ASSERT_EQUAL(leaks, 0);
    CU_ASSERT_EQUAL(nomsg, 0);
    CU_ASSERT_EQUAL(oom_lost, 0);
    CU_ASSERT(k > 0); /* the operation allocates: the sweep tested something */
    printf("\n    oom %-28s %4ld allocations, each failed in turn: %s", name, k,
           bad_status || leaks || nomsg ? "FAILED" : "ENOMEM, no leak");
    for (; known && known->fn; known++)
        printf("\n        not failed in %s (known defect: %s)", known->fn, known->why);
    nskip = 0;
    gfl_error_clear();
    return k;
}

static long oom_sweep(const char *name, oom_op op, void *ctx) { return oom_sweep_known(name, op, ctx, NULL); }

static void tiny_config(gfl_config *cfg, gfl_case_id c)
{
    gfl_config_defaults(cfg, c, GFL_PRESET_SMALL);
    cfg->seed = gfl_test_seed();
    cfg->d = 4;
    cfg->m = 6;
    cfg->n = 16;
    cfg->T = 4;
    cfg->n_test = 16;
    cfg->eval_every = 2;
    cfg->r = 3;
    cfg->k = 3;
    cfg->prec = 64;
}

/* ------------------------------------------------------------------------ */
/* operations                                                               */

static gfl_status op_problem(void *ctx)
{
    gfl_config *cfg = ctx;
    gfl_problem pb;
    GFL_TRY(gfl_problem_init(&pb, cfg));
    gfl_problem_clear(&pb);
    return GFL_OK;
}

static void t_oom_problem(void)
{
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_config cfg;
        tiny_config(&cfg, (gfl_case_id)c);
        oom_sweep(gfl_case_name((gfl_case_id)c), op_problem, &cfg);
    }
}

typedef struct {
    gfl_config cfg;
    const gfl_engine_vt *vt;
} train_ctx;

static gfl_status op_train(void *ctx)
{
    train_ctx *tc = ctx;
    gfl_problem pb;
    gfl_run run;
    gfl_status st;
    GFL_TRY(gfl_problem_init(&pb, &tc->cfg));
    if ((st = gfl_run_init(&run, &tc->cfg)) == GFL_OK) {
        st = gfl_train(tc->vt, &pb, &run, NULL, NULL);
        gfl_run_clear(&run);
    }
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_train(void)
{
    const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
    for (int p = 0; p < 2; p++) {
        train_ctx tc;
        tiny_config(&tc.cfg, GFL_CASE_XOR);
        tc.vt = vts[p];
        oom_sweep(vts[p]->name, op_train, &tc);
    }
}

/* The instrument itself: it fails the chosen allocation and sees a leak. */
static void t_oom_instrument(void)
{
    oom_begin(-1);
    void *p = malloc(24), *q = calloc(3, 8);
    CU_ASSERT(p != NULL && q != NULL);
    CU_ASSERT_EQUAL(oom_live, 2);
    q = realloc(q, 64);
    CU_ASSERT_EQUAL(oom_live, 2);
    free(p);
    free(q);
    CU_ASSERT_EQUAL(oom_live, 0);
    oom_begin(1);
    p = malloc(8);
    q = malloc(8);
    oom_end();
    CU_ASSERT(p != NULL);
    CU_ASSERT(q == NULL);
    CU_ASSERT_EQUAL(oom_failed, 1);
    CU_ASSERT_EQUAL(oom_live, 1); /* p is still allocated: a leak would be seen */
    free(p);
    /* the symbol table locates functions where this process has them */
    uintptr_t lo, hi;
    CU_ASSERT_EQUAL(symbol_ranges("gfl_witness_network", &lo, &hi, 1), 1);
    CU_ASSERT(lo == (uintptr_t)&gfl_witness_network && hi > lo);
}

static gfl_status op_witness(void *ctx)
{
    gfl_config *cfg = ctx;
    gfl_problem pb;
    gfl_witness w;
    gfl_status st;
    int m;
    double *a, *W, *b;
    GFL_TRY(gfl_problem_init(&pb, cfg));
    if ((st = gfl_witness_init(&w, &pb)) == GFL_OK) {
        if ((st = gfl_witness_network(&w, &m, &a, &W, &b)) == GFL_OK) {
            free(a);
            free(W);
            free(b);
        }
        gfl_witness_clear(&w);
    }
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_witness(void)
{
    for (int c = 0; c < GFL_NCASES; c++) {
        gfl_config cfg;
        tiny_config(&cfg, (gfl_case_id)c);
        oom_sweep(gfl_case_name((gfl_case_id)c), op_witness, &cfg);
    }
}

typedef struct {
    gfl_config cfg;
    const gfl_oracle_vt *orc;
    int emp; /* also G_emp */
} oracle_ctx;

/* The oracle entry points of one path on one case, and a Monte Carlo sample. */
static gfl_status op_oracle(void *ctx)
{
    oracle_ctx *oc = ctx;
    gfl_problem pb;
    gfl_sample mc;
    gfl_moments mom;
    gfl_status st;
    double G[3 * 4], se[3], A[3];
    GFL_TRY(gfl_problem_init(&pb, &oc->cfg));
    if ((st = gfl_sample_draw(&mc, &pb, 64, 1)) == GFL_OK) {
        if ((st = oc->orc->moments(&pb, &mc, &mom)) == GFL_OK)
            st = oc->orc->G(&pb, &mc, 3, pb.W0, pb.b, G, se);
        if (st == GFL_OK && oc->emp)
            st = oc->orc->G_emp(&pb, mc.X, mc.Y, mc.N, 3, pb.W0, pb.b, G, A);
        gfl_sample_clear(&mc);
    }
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_oracles(void)
{
    const gfl_oracle_vt *orcs[2] = {&gfl_fast_oracle, &gfl_ref_oracle};
    for (int p = 0; p < 2; p++)
        for (int c = 0; c < GFL_NCASES; c++) {
            oracle_ctx oc;
            char name[64];
            tiny_config(&oc.cfg, (gfl_case_id)c);
            oc.orc = orcs[p];
            oc.emp = 1;
            snprintf(name, sizeof name, "%s oracle %s", orcs[p]->name, gfl_case_name((gfl_case_id)c));
            oom_sweep_known(name, op_oracle, &oc, p ? K_REF_ORACLE : NULL);
        }
}

static gfl_status op_population(void *ctx)
{
    train_ctx *tc = ctx;
    gfl_problem pb;
    gfl_sample mc = {0, NULL, NULL};
    gfl_pop_value pv;
    gfl_status st = GFL_OK;
    GFL_TRY(gfl_problem_init(&pb, &tc->cfg));
    if (gfl_oracle_kind_of(tc->cfg.case_id, GFL_Q_LOSS) != GFL_ORACLE_ENUMERATION)
        st = gfl_sample_draw(&mc, &pb, 256, 2);
    if (st == GFL_OK)
        st = gfl_population_loss(tc->vt, &pb, mc.N ? &mc : NULL, tc->cfg.m, pb.a0, pb.W0, pb.b, &pv);
    gfl_sample_clear(&mc);
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_population(void)
{
    const gfl_engine_vt *vts[2] = {&gfl_fast_engine, &gfl_ref_engine};
    const gfl_case_id cases[2] = {GFL_CASE_PARITY, GFL_CASE_LINEAR};
    for (int p = 0; p < 2; p++)
        for (int c = 0; c < 2; c++) {
            train_ctx tc;
            char name[64];
            tiny_config(&tc.cfg, cases[c]);
            tc.vt = vts[p];
            snprintf(name, sizeof name, "%s population %s", vts[p]->name, gfl_case_name(cases[c]));
            oom_sweep(name, op_population, &tc);
        }
}

/* .npy and atomic output: every writer, the reader, a directory. */
static gfl_status op_files(void *ctx)
{
    (void)ctx;
    static int serial;
    char dir[512], path[600], tmp[600];
    double v[6] = {1, 2, 3, 4, 5, 6}, *back = NULL;
    size_t shape[2] = {2, 3}, rshape[GFL_NPY_MAX_NDIM];
    int nd;
    gfl_npy_stream *s = NULL;
    snprintf(dir, sizeof dir, "%s/oom_files_%d", gfl_test_scratch(), serial++);
    if (mkdir(dir, 0755) != 0)
        GFL_ERROR(GFL_EINTERNAL, "mkdir %s", dir);
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "a.npy"));
    GFL_TRY(gfl_npy_write(path, v, 2, shape));
    GFL_TRY(gfl_npy_read(path, &back, &nd, rshape));
    free(back);
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "s.npy"));
    GFL_TRY(gfl_npy_stream_open(&s, path, 2, shape));
    gfl_status st = gfl_npy_stream_write(s, v, 6);
    if (st != GFL_OK) {
        gfl_npy_stream_abort(s);
        return st;
    }
    GFL_TRY(gfl_npy_stream_close(s));
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "sub"));
    GFL_TRY(gfl_io_dir_begin(path, tmp, sizeof tmp));
    char inner[700];
    if ((st = gfl_io_join(inner, sizeof inner, tmp, "x.npy")) == GFL_OK &&
        (st = gfl_npy_write(inner, v, 1, shape)) == GFL_OK &&
        (st = gfl_io_join(inner, sizeof inner, tmp, "y.npy")) == GFL_OK &&
        (st = gfl_npy_write(inner, v, 1, shape)) == GFL_OK) /* abort then has a file to remove */
        st = gfl_io_dir_commit(tmp, path);
    if (st != GFL_OK)
        gfl_io_dir_abort(tmp);
    return st;
}

static void t_oom_files(void)
{
    oom_sweep("npy + atomic output", op_files, NULL);
    /* clean-up code that allocates must survive allocation failing again */
    oom_persist = 1;
    oom_sweep("npy + atomic output, persistent", op_files, NULL);
    oom_persist = 0;
}

/* A .npy read through a FIFO (no size known in advance: the buffer grows by
 * realloc as 2 MiB arrive); the writer is a child that only write()s. */
static gfl_status op_fifo(void *ctx)
{
    (void)ctx;
    static int serial;
    char path[512];
    unsigned char hdr[128];
    const size_t N = 262144;
    snprintf(path, sizeof path, "%s/oom_fifo_%d.npy", gfl_test_scratch(), serial++);
    if (mkfifo(path, 0644) != 0)
        GFL_ERROR(GFL_EINTERNAL, "mkfifo %s", path);
    /* format 1.0 header for (N,) '<f8', padded to 128 bytes */
    memset(hdr, ' ', sizeof hdr);
    memcpy(hdr, "\x93NUMPY\x01\x00\x76\x00", 10);
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (262144,), }";
    memcpy(hdr + 10, dict, strlen(dict));
    hdr[127] = '\n';
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        static double block[4096];
        int fd = open(path, O_WRONLY);
        int ok = fd >= 0 && write(fd, hdr, sizeof hdr) == (ssize_t)sizeof hdr;
        for (size_t k = 0; ok && k < N; k += 4096)
            ok = write(fd, block, sizeof block) == (ssize_t)sizeof block;
        _exit(ok ? 0 : 1);
    }
    double *data = NULL;
    int nd, status;
    size_t shape[GFL_NPY_MAX_NDIM];
    gfl_status st = gfl_npy_read(path, &data, &nd, shape);
    waitpid(pid, &status, 0); /* a writer cut short dies of SIGPIPE */
    unlink(path);
    free(data);
    return st;
}

static void t_oom_fifo(void) { oom_sweep(".npy read through a FIFO", op_fifo, NULL); }

/* train --json --dump, as the command does it. */
static gfl_status op_dump(void *ctx)
{
    train_ctx *tc = ctx;
    static int serial;
    char dir[512];
    gfl_problem pb;
    gfl_run run;
    gfl_status st;
    snprintf(dir, sizeof dir, "%s/oom_dump_%d", gfl_test_scratch(), serial++);
    GFL_TRY(gfl_problem_init(&pb, &tc->cfg));
    if ((st = gfl_run_init(&run, &tc->cfg)) == GFL_OK) {
        if ((st = gfl_train(tc->vt, &pb, &run, NULL, NULL)) == GFL_OK) {
            json_t *doc = json_object();
            json_object_set_new(doc, "config", gfl_report_config(&tc->cfg, tc->vt->name));
            json_object_set_new(doc, "versions", gfl_report_versions());
            if ((st = gfl_report_run(doc, &tc->cfg, &run)) == GFL_OK)
                st = gfl_report_dump(dir, &pb, &run, doc);
            json_decref(doc);
        }
        gfl_run_clear(&run);
    }
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_dump(void)
{
    train_ctx tc;
    tiny_config(&tc.cfg, GFL_CASE_PARITY);
    tc.vt = &gfl_fast_engine;
    oom_sweep("train + dump", op_dump, &tc);
}

typedef struct {
    gfl_config cfg;
    const char *path;
} check_ctx;

static gfl_status op_features(void *ctx)
{
    check_ctx *cc = ctx;
    int ref = strcmp(cc->path, "ref") == 0;
    gfl_problem pb;
    gfl_witness w;
    gfl_features_params fp;
    gfl_features_result res;
    gfl_status st;
    gfl_features_defaults(&fp, &cc->cfg, gfl_path_find(cc->path));
    fp.n_init = 20;
    fp.n_mc = 64;
    GFL_TRY(gfl_problem_init(&pb, &cc->cfg));
    if ((st = gfl_witness_init(&w, &pb)) == GFL_OK) {
        st = gfl_features_run(&pb, &w, ref ? &gfl_ref_engine : &gfl_fast_engine,
                              ref ? &gfl_ref_oracle : &gfl_fast_oracle, &fp, &res);
        if (st == GFL_OK)
            gfl_features_clear(&res);
        gfl_witness_clear(&w);
    }
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_features(void)
{
    const gfl_case_id cases[3] = {GFL_CASE_XOR, GFL_CASE_PARITY_UNIFORM, GFL_CASE_MULTIINDEX};
    const char *paths[2] = {"fast", "ref"};
    for (int p = 0; p < 2; p++)
        for (int c = 0; c < 3; c++) {
            check_ctx cc;
            char name[64];
            tiny_config(&cc.cfg, cases[c]);
            cc.path = paths[p];
            snprintf(name, sizeof name, "%s features %s", paths[p], gfl_case_name(cases[c]));
            oom_sweep_known(name, op_features, &cc, p ? K_REF_ORACLE : NULL);
        }
}

static gfl_status op_compare(void *ctx)
{
    gfl_config *cfg = ctx;
    gfl_problem pb;
    gfl_compare_result res;
    gfl_compare_opts o;
    gfl_status st;
    gfl_compare_opts_default(&o);
    GFL_TRY(gfl_problem_init(&pb, cfg));
    memset(&res, 0, sizeof res);
    st = gfl_compare_run_opts(&pb, gfl_path_find("ref"), gfl_path_find("fast"), &o, &res);
    gfl_compare_clear(&res);
    gfl_problem_clear(&pb);
    return st;
}

static void t_oom_compare(void)
{
    gfl_config cfg;
    tiny_config(&cfg, GFL_CASE_MOG);
    oom_sweep("compare (with self-check)", op_compare, &cfg);
}

static gfl_status op_check(void *ctx)
{
    check_ctx *cc = ctx;
    gfl_check_params p;
    gfl_check_case out;
    gfl_check_defaults(&p);
    p.seeds = 2;
    p.n_fit = 256;
    p.cp.n_pop = 256;
    p.fp_given = 1;
    gfl_features_defaults(&p.fp, &cc->cfg, gfl_path_find(cc->path));
    p.fp.n_init = 20;
    p.fp.n_mc = 64;
    gfl_status st = gfl_check_run(&cc->cfg, gfl_path_find(cc->path), &p, &out);
    gfl_check_clear(&out);
    return st;
}

static void t_oom_check(void)
{
    const gfl_case_id cases[2] = {GFL_CASE_XOR, GFL_CASE_PARITY};
    const char *paths[2] = {"fast", "ref"};
    for (int c = 0; c < 2; c++) {
        check_ctx cc;
        char name[64];
        tiny_config(&cc.cfg, cases[c]);
        cc.cfg.m = 16;
        cc.cfg.sigma_a = 4;
        cc.path = paths[c];
        snprintf(name, sizeof name, "%s check %s (2 seeds)", paths[c], gfl_case_name(cases[c]));
        oom_sweep_known(name, op_check, &cc, c ? K_REF_CHECK : K_CHAIN);
    }
}

void t_cov_oom_register(void)
{
    CU_pSuite s = CU_add_suite("cov_oom", NULL, NULL);
    CU_add_test(s, "the allocation-failure instrument", t_oom_instrument);
    CU_add_test(s, "problem init, every case", t_oom_problem);
    CU_add_test(s, "witness, every case", t_oom_witness);
    CU_add_test(s, "oracles, both paths, every case", t_oom_oracles);
    CU_add_test(s, "population loss, both paths", t_oom_population);
    CU_add_test(s, "training, both paths", t_oom_train);
    CU_add_test(s, ".npy and atomic output", t_oom_files);
    CU_add_test(s, ".npy read through a FIFO", t_oom_fifo);
    CU_add_test(s, "train + JSON + dump", t_oom_dump);
    CU_add_test(s, "gradient features, both paths", t_oom_features);
    CU_add_test(s, "ref/fast comparison", t_oom_compare);
    CU_add_test(s, "proof chain check and delta check, both paths", t_oom_check);
}

#else /* !GFL_COVERAGE */

void t_cov_oom_register(void) {}

#endif
