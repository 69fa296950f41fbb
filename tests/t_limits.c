/* Resource limits: no library may end the process with a signal.  The memory
 * estimate (core/gfl_limits.c) against what the engines really allocate
 * (mallinfo2), the fit decision against synthetic limits, and the real binary
 * (env GFL_BIN, default bin/gfl) run in a child under setrlimit(RLIMIT_AS):
 * refused before any work with exit 3 and one line, quickly, writing nothing. */
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gfl_fast.h"
#include "gfl_limits.h"
#include "gfl_ref.h"
#include "gfl_test.h"


static const char *lim_dir(void)
{
    static char dir[400];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/limits", gfl_test_scratch());
        mkdir(dir, 0755);
    }
    return dir;
}

typedef struct {
    int exited, code, signal;
    double seconds;
    char err[2048];
} child_result;

/* Runs gfl with args in a child whose address space (or, with which =
 * RLIMIT_DATA, data segment) is limited to `bytes` (0: unlimited); a child
 * still running after 60 s is killed by its alarm, so a hang shows as a
 * signal, not as a test that never ends. */
static void run_limited_by(const char *const *args, int which, rlim_t bytes, child_result *r)
{
    char errpath[512];
    struct timespec t0, t1;
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", lim_dir());
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_WRONLY);
        if (fd < 0 || nul < 0)
            _exit(99);
        dup2(fd, 2);
        dup2(nul, 1);
        if (bytes) {
            struct rlimit rl = {bytes, bytes};
            if (setrlimit(which, &rl) != 0)
                _exit(97);
        }
        alarm(60);
        gfl_test_exec_gfl(args);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    r->exited = WIFEXITED(status);
    r->code = r->exited ? WEXITSTATUS(status) : -1;
    r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    FILE *f = fopen(errpath, "r");
    size_t len = f ? fread(r->err, 1, sizeof r->err - 1, f) : 0;
    r->err[len] = '\0';
    if (f)
        fclose(f);
}

static void run_limited(const char *const *args, rlim_t as_bytes, child_result *r)
{
    run_limited_by(args, RLIMIT_AS, as_bytes, r);
}

/* Exit 3, one line "gfl: ..." naming the memory, within seconds, nothing written. */
static void expect_refused(const char *const *args, rlim_t as_bytes, const char *outdir, const char *label)
{
    child_result r;
    run_limited(args, as_bytes, &r);
    CHECK(r.exited && r.code == 3, "%s: exit %d, signal %d (want exit 3); stderr: %s", label, r.code,
          r.signal, r.err);
    CHECK(gfl_test_count_lines(r.err) == 1 && strncmp(r.err, "gfl: ", 5) == 0 && strstr(r.err, "MB"),
          "%s: stderr is not one 'gfl: ... MB' line: '%s'", label, r.err);
    CHECK(r.seconds < 10, "%s: took %.1f s", label, r.seconds);
    CHECK(gfl_test_dir_entries(outdir) == 0, "%s: %d files left in %s", label, gfl_test_dir_entries(outdir), outdir);
}

/* The ref-path run that aborted inside GMP under `ulimit -v 204800`, and the
 * fast-path one that spun forever in OpenBLAS's mmap retry under less. */
static void t_cli_address_space(void)
{
    char out[512], json[600], dump[600];
    snprintf(out, sizeof out, "%s/out", lim_dir());
    mkdir(out, 0755);
    snprintf(json, sizeof json, "%s/run.json", out);
    snprintf(dump, sizeof dump, "%s/dump", out);
    const char *ref[] = {"train", "--case", "xor", "--path", "ref", "--preset", "small", "--m", "2000",
                         "--d", "500", "--n", "64", "--T", "1", "--json", json, "--dump", dump, NULL};
    expect_refused(ref, 204800UL * 1024, out, "ref train, 200 MB");
    const char *fast[] = {"train", "--case", "xor", "--T", "2", "--json", json, NULL};
    rlim_t lims[] = {80UL << 20, 150UL << 20, 250UL << 20};
    for (int i = 0; i < 3; i++) {
        char label[64];
        snprintf(label, sizeof label, "fast train, %lu MB", (unsigned long)(lims[i] >> 20));
        expect_refused(fast, lims[i], out, label);
    }
    const char *feat[] = {"features", "--case", "mog", "--json", json, NULL};
    expect_refused(feat, 200UL << 20, out, "features, 200 MB");
    const char *cmp[] = {"compare", "--case", "xor", "--json", json, NULL};
    expect_refused(cmp, 150UL << 20, out, "compare, 150 MB");
    const char *chk[] = {"check", "--case", "xor", "--path", "fast", "--json", json, NULL};
    expect_refused(chk, 150UL << 20, out, "check, 150 MB");
    /* and with room to spare the same fast run goes through */
    child_result r;
    run_limited(fast, 1UL << 30, &r);
    CHECK(r.exited && r.code == 0, "fast train, 1 GB: exit %d, signal %d; stderr: %s", r.code, r.signal, r.err);
    remove(json);
}

/* More than the machine has is a resource error (exit 3), not bad input. */
static void t_cli_physical(void)
{
    char out[512];
    snprintf(out, sizeof out, "%s/phys", lim_dir());
    mkdir(out, 0755);
    const char *big[] = {"train", "--case", "xor", "--m", "1000000", "--d", "100000", NULL};
    expect_refused(big, 0, out, "m = 1e6, d = 1e5");
}

/* The estimate does not look at RLIMIT_DATA, so there the MPFR workspaces
 * run out inside GMP, which used to abort (SIGABRT, a core): now one line
 * and exit 3 from the allocation functions main installs.  Which allocation
 * fails first depends on the heap layout, so several limits are tried, each
 * must end cleanly, and at least one must have failed inside GMP. */
static void t_cli_gmp_out_of_memory(void)
{
    const char *ref[] = {"train", "--case", "xor", "--path", "ref", "--preset", "small", "--m", "2000",
                         "--d", "500", "--n", "64", "--T", "1", NULL};
    int in_gmp = 0;
    for (rlim_t mb = 30; mb <= 45; mb += 5) {
        child_result r;
        run_limited_by(ref, RLIMIT_DATA, mb << 20, &r);
        CHECK(r.exited && r.code == 3 && gfl_test_count_lines(r.err) == 1 && strncmp(r.err, "gfl: out of memory", 18) == 0,
              "RLIMIT_DATA %lu MB: exit %d, signal %d; stderr: %s", (unsigned long)mb, r.code, r.signal, r.err);
        in_gmp += strstr(r.err, "GMP/MPFR") != NULL;
    }
    CHECK(in_gmp > 0, "no limit made GMP's allocation fail");
}

/* The commands GSL's abort handler used to kill (gsl_cdf_beta_Pinv did not
 * converge for the counts they hit) now finish. */
static void t_cli_no_abort(void)
{
    const char *const cmds[][10] = {
        {"features", "--case", "mog", "--path", "fast", "--level", "0.99", NULL},
        {"features", "--case", "multiindex", "--d", "4", NULL}};
    for (int i = 0; i < 2; i++) {
        child_result r;
        run_limited(cmds[i], 0, &r);
        CHECK(r.exited && r.code == 0 && r.err[0] == '\0', "gfl %s --case %s: exit %d, signal %d; stderr: %s",
              cmds[i][0], cmds[i][2], r.code, r.signal, r.err);
    }
}

/* mpfr_init2 mallocs ceil(prec / 64) + 1 limbs; glibc rounds (bytes + 8) up
 * to 16, at least 32; plus the 32-byte mpfr_t. */
static void t_mpfr_bytes(void)
{
    long prec[] = {16, 64, 65, 128, 129, 192, 256, 1024};
    double want[] = {64, 64, 64, 64, 80, 80, 80, 176};
    for (int i = 0; i < 8; i++)
        CHECK(gfl_limits_mpfr_bytes(prec[i]) == want[i], "prec %ld: %g bytes, want %g", prec[i],
              gfl_limits_mpfr_bytes(prec[i]), want[i]);
}

static double heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

/* The estimate of an engine against what its create() really takes from
 * malloc: the ref engine's extra over the fast one, estimated, must cover the
 * measured difference and not exceed it by more than a third. */
static void t_need_vs_malloc(void)
{
    gfl_config c;
    gfl_config_defaults(&c, GFL_CASE_XOR, GFL_PRESET_SMALL);
    long precs[] = {53, 128, 300};
    for (int i = 0; i < 3; i++) {
        c.prec = precs[i];
        int nmax = c.n > c.n_test ? c.n : c.n_test;
        void *e[2] = {NULL, NULL};
        double used[2];
        const gfl_engine_vt *vt[2] = {&gfl_fast_engine, &gfl_ref_engine};
        for (int p = 0; p < 2; p++) {
            double h0 = heap_bytes();
            CHECK(vt[p]->create(&e[p], &c, nmax) == GFL_OK, "create %s", vt[p]->name);
            used[p] = heap_bytes() - h0;
        }
        for (int p = 0; p < 2; p++)
            if (e[p])
                vt[p]->destroy(e[p]);
        gfl_limits_job jf = {GFL_WORK_TRAIN, 0, 0, 0}, jr = {GFL_WORK_TRAIN, 1, 0, 0};
        double est = (gfl_limits_need(&c, &jr) - gfl_limits_need(&c, &jf)) / 1.05, got = used[1] - used[0];
        if (used[0] <= 0 && used[1] <= 0) { /* a sanitizer's malloc keeps no glibc statistics */
            printf("\n  limits: mallinfo2 reports nothing here, estimate not measured ");
            return;
        }
        CHECK(est >= got && est <= got * 4 / 3, "prec %ld: estimated %.0f bytes, malloc'd %.0f", c.prec, est, got);
    }
    /* every job costs more on the ref path; compare trains on both */
    gfl_limits_job cmp = {GFL_WORK_COMPARE, 1, 0, 0};
    for (int w = GFL_WORK_TRAIN; w <= GFL_WORK_CHECK; w++) {
        gfl_limits_job f = {(gfl_work)w, 0, 2000, 65536}, r = {(gfl_work)w, 1, 2000, 65536};
        CHECK(gfl_limits_need(&c, &r) > gfl_limits_need(&c, &f) &&
                  (w != GFL_WORK_TRAIN || gfl_limits_need(&c, &cmp) > gfl_limits_need(&c, &r)),
              "work %d: fast %g, ref %g, compare %g", w, gfl_limits_need(&c, &f), gfl_limits_need(&c, &r),
              gfl_limits_need(&c, &cmp));
    }
}

/* The decision against synthetic limits, and the limits read from /proc. */
static void t_fit(void)
{
    const double MB = 1024.0 * 1024.0;
    gfl_limits_env env = {INFINITY, 50 * MB, 1000 * MB, 0};
    CHECK(gfl_limits_fit(900 * MB, 128 * MB, &env, "x") == GFL_OK, "unlimited address space");
    CHECK(gfl_limits_fit(1001 * MB, 0, &env, "x") == GFL_ENOMEM && strstr(gfl_error_message(), "1001 MB"),
          "more than physical memory: %s", gfl_error_message());
    gfl_error_clear();
    env.as_limit = 300 * MB;
    CHECK(gfl_limits_fit(100 * MB, 128 * MB, &env, "x") == GFL_OK, "fits the limit");
    CHECK(gfl_limits_fit(100 * MB, 151 * MB, &env, "x") == GFL_ENOMEM &&
              strstr(gfl_error_message(), "leaves 250 MB") && !strchr(gfl_error_message(), '\n'),
          "over the limit: %s", gfl_error_message());
    gfl_error_clear();
    env.as_used = 400 * MB; /* already beyond: nothing is left, not a negative amount */
    CHECK(gfl_limits_fit(1, 0, &env, "x") == GFL_ENOMEM && strstr(gfl_error_message(), "leaves 0 MB"),
          "limit already exceeded: %s", gfl_error_message());
    gfl_error_clear();

    /* /proc/self/maps adds up to VmSize of /proc/self/status */
    gfl_limits_env now;
    unsigned long bytes;
    int want = gfl_fast_blas_buffers(1, &bytes);
    gfl_limits_env_read(&now, bytes);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double vm = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %lf kB", &vm) == 1)
            vm *= 1024;
    if (f)
        fclose(f);
    CHECK(fabs(now.as_used - vm) <= 16 * MB, "address space %.0f MB, VmSize %.0f MB", now.as_used / MB, vm / MB);
    CHECK(now.phys > 0 && now.buffers >= 0 && now.buffers <= want && bytes == 128UL << 20,
          "phys %g, %d buffers of %lu bytes mapped (at most %d)", now.phys, now.buffers, bytes, want);
    struct rlimit rl;
    getrlimit(RLIMIT_AS, &rl);
    CHECK(rl.rlim_cur == RLIM_INFINITY ? isinf(now.as_limit) : now.as_limit == (double)rl.rlim_cur,
          "RLIMIT_AS %g", now.as_limit);
    /* under a soft RLIMIT_AS of what is mapped now plus 64 MB, read back, the
     * small preset on the ref path (no BLAS buffer of its own, but the
     * workers') does not fit; the limit is lifted again at once */
    struct rlimit low = {(rlim_t)now.as_used + (64UL << 20), rl.rlim_max};
    if (rl.rlim_cur == RLIM_INFINITY && setrlimit(RLIMIT_AS, &low) == 0) {
        gfl_limits_env lim;
        gfl_config s;
        gfl_limits_env_read(&lim, bytes);
        gfl_config_defaults(&s, GFL_CASE_XOR, GFL_PRESET_SMALL);
        s.m = 2000;
        s.d = 500;
        gfl_limits_job rj = {GFL_WORK_TRAIN, 1, 0, 0};
        gfl_status st = gfl_limits_check(&s, &rj, want + 1, bytes);
        setrlimit(RLIMIT_AS, &rl);
        CHECK(lim.as_limit == (double)low.rlim_cur, "RLIMIT_AS read back as %g, set %g", lim.as_limit,
              (double)low.rlim_cur);
        CHECK(st == GFL_ENOMEM && strstr(gfl_error_message(), "(ulimit -v) leaves"), "under the limit: %s",
              gfl_error_message());
        gfl_error_clear();
    }
    /* the whole check on a configuration beyond the machine */
    gfl_config c;
    gfl_config_defaults(&c, GFL_CASE_XOR, GFL_PRESET_DEFAULT);
    c.m = 1000000;
    c.d = 100000;
    gfl_limits_job job = {GFL_WORK_TRAIN, 0, 0, 0};
    CHECK(gfl_limits_check(&c, &job, want, bytes) == GFL_ENOMEM && strstr(gfl_error_message(), "train on the fast path"),
          "m = 1e6, d = 1e5: %s", gfl_error_message());
    gfl_error_clear();
    gfl_limits_job cmp = {GFL_WORK_COMPARE, 1, 0, 0};
    CHECK(gfl_limits_check(&c, &cmp, want, bytes) == GFL_ENOMEM && strstr(gfl_error_message(), "compare needs"),
          "compare: %s", gfl_error_message());
    gfl_error_clear();
    gfl_config_defaults(&c, GFL_CASE_XOR, GFL_PRESET_SMALL);
    CHECK(gfl_limits_check(&c, &job, want, bytes) == GFL_OK, "the small preset fits: %s", gfl_error_message());
    gfl_error_clear();
}

void t_limits_register(void)
{
    CU_pSuite s = CU_add_suite("limits", NULL, NULL);
    CU_add_test(s, "bytes of an MPFR number", t_mpfr_bytes);
    CU_add_test(s, "memory estimate against malloc", t_need_vs_malloc);
    CU_add_test(s, "fit against synthetic and real limits", t_fit);
    CU_add_test(s, "CLI under RLIMIT_AS: exit 3, one line, nothing written", t_cli_address_space);
    CU_add_test(s, "CLI beyond physical memory: exit 3", t_cli_physical);
    CU_add_test(s, "CLI: GMP out of memory is exit 3, one line", t_cli_gmp_out_of_memory);
    CU_add_test(s, "CLI: the commands GSL aborted finish", t_cli_no_abort);
}
