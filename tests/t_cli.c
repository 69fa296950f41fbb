/* The command line as a user meets it: bad input gets one line on stderr and
 * exit code 2, nothing is half-written; good input writes what it promises.
 * Runs the real binary (env GFL_BIN, default bin/gfl). */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "gfl_test.h"

static const char *gfl_bin(void)
{
    const char *b = getenv("GFL_BIN");
    return b ? b : "bin/gfl";
}

/* This suite's own scratch directory (others may share the top one). */
static const char *cli_dir(void)
{
    static char dir[400];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/cli", gfl_test_scratch());
        mkdir(dir, 0755);
    }
    return dir;
}

/* Runs gfl with args; returns the exit code, stderr in err (NUL-terminated). */
static int run_gfl(const char *const *args, char *err, size_t errlen)
{
    char errpath[512];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", cli_dir());
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_WRONLY);
        if (fd < 0 || nul < 0)
            _exit(99);
        dup2(fd, 2);
        dup2(nul, 1);
        const char *argv[64];
        int k = 0;
        argv[k++] = gfl_bin();
        for (int i = 0; args[i] && k < 63; i++)
            argv[k++] = args[i];
        argv[k] = NULL;
        execv(gfl_bin(), (char *const *)argv);
        _exit(98);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    FILE *f = fopen(errpath, "r");
    size_t len = f ? fread(err, 1, errlen - 1, f) : 0;
    err[len] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Each of these must exit 2 with exactly one line on stderr starting "gfl: ". */
static void test_bad_input(void)
{
    static const char *const cases[][12] = {
        {"frobnicate", NULL},
        {"train", NULL},
        {"train", "--case", "nosuch", NULL},
        {"train", "--case", "xor", "--bogus", NULL},
        {"train", "--case", "xor", "--m", NULL},
        {"train", "--case", "xor", "--m", "7", NULL},
        {"train", "--case", "xor", "--m", "0", NULL},
        {"train", "--case", "xor", "--m", "-4", NULL},
        {"train", "--case", "xor", "--d", "0", NULL},
        {"train", "--case", "xor", "--n", "0", NULL},
        {"train", "--case", "xor", "--T", "0", NULL},
        {"train", "--case", "xor", "--eta", "abc", NULL},
        {"train", "--case", "xor", "--eta", "nan", NULL},
        {"train", "--case", "xor", "--eta", "inf", NULL},
        {"train", "--case", "xor", "--eta", "1e999", NULL},
        {"train", "--case", "xor", "--eta", "0.1x", NULL},
        {"train", "--case", "xor", "--m", "99999999999", NULL},
        {"train", "--case", "xor", "--m", "2000000000", "--d", "2000000000", NULL},
        {"train", "--case", "parity", "--k", "5", "--d", "4", NULL},
        {"train", "--case", "parity", "--k", "2", NULL},
        {"train", "--case", "xor", "--k", "3", NULL},
        {"train", "--case", "xor", "--path", "gpu", NULL},
        {"train", "--case", "xor", "--loss", "square", NULL},
        {"train", "--case", "xor", "--preset", "huge", NULL},
        {"train", "--case", "xor", "--json", "/nonexistent/dir/out.json", NULL},
        {"train", "--case", "xor", "--dump", "/nonexistent/dir/d", NULL},
        {"train", "--case", "xor", "extra", NULL},
        {"train", "--all", "--case", "xor", NULL},
        {"compare", "--case", "xor", "--seed", "-1", NULL},
        {"cases", "extra", NULL},
    };
    char err[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run_gfl(cases[i], err, sizeof err);
        int ok = rc == 2 && count_lines(err) == 1 && strncmp(err, "gfl: ", 5) == 0;
        if (!ok)
            printf("\n  bad-input case %zu (%s %s %s %s): exit %d, stderr '%s'\n", i, cases[i][0],
                   cases[i][1] ? cases[i][1] : "", cases[i][1] && cases[i][2] ? cases[i][2] : "",
                   cases[i][1] && cases[i][2] && cases[i][3] ? cases[i][3] : "", rc, err);
        CU_ASSERT(ok);
    }
}

/* A non-empty dump directory is refused before training; nothing is touched. */
static void test_dump_refuses_nonempty(void)
{
    char dir[512], file[600], err[4096];
    snprintf(dir, sizeof dir, "%s/full", cli_dir());
    mkdir(dir, 0755);
    snprintf(file, sizeof file, "%s/keep.txt", dir);
    FILE *f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("keep\n", f);
    fclose(f);
    const char *args[] = {"train", "--case", "xor", "--preset", "small", "--T", "3", "--dump", dir, NULL};
    CU_ASSERT_EQUAL(run_gfl(args, err, sizeof err), 2);
    CU_ASSERT_EQUAL(dir_entries(dir), 1);
}

/* --json and --dump write complete outputs with the documented keys and nothing else. */
static void test_outputs(void)
{
    char json[512], dump[512], err[4096], p[700];
    snprintf(json, sizeof json, "%s/run.json", cli_dir());
    snprintf(dump, sizeof dump, "%s/dump", cli_dir());
    const char *args[] = {"train", "--case", "parity", "--preset", "small", "--T", "7",
                          "--json", json, "--dump", dump, NULL};
    CU_ASSERT_EQUAL_FATAL(run_gfl(args, err, sizeof err), 0);
    json_error_t je;
    json_t *doc = json_load_file(json, 0, &je);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    const char *keys[] = {"config", "versions", "trace", "final"};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_PTR_NOT_NULL(json_object_get(doc, keys[i]));
    json_t *cfg = json_object_get(doc, "config");
    const char *ckeys[] = {"seed", "prec", "d", "m", "n", "T", "eta1", "lam1", "eta", "lam", "sigma_a",
                           "sigma_w", "btilde", "bias_mode", "loss", "fixed_batch", "freeze_w",
                           "random_features", "eval_every", "k", "case", "path"};
    for (size_t i = 0; i < sizeof ckeys / sizeof ckeys[0]; i++)
        CU_ASSERT_PTR_NOT_NULL(json_object_get(cfg, ckeys[i]));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(cfg, "T")), 7);
    json_t *ver = json_object_get(doc, "versions");
    const char *vkeys[] = {"gfl", "mpfr", "gmp", "blas", "compiler"};
    for (int i = 0; i < 5; i++)
        CU_ASSERT(json_is_string(json_object_get(ver, vkeys[i])));
    /* eval_every 10 > T: records at t = 0 and the last step */
    json_t *tr = json_object_get(doc, "trace");
    CU_ASSERT_EQUAL(json_array_size(tr), 2);
    json_t *last = json_array_get(tr, json_array_size(tr) - 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(last, "t")), 7);
    const char *tkeys[] = {"batch_loss", "test_loss", "test_error", "norm_a", "norm_W"};
    for (int i = 0; i < 5; i++)
        CU_ASSERT(json_is_number(json_object_get(last, tkeys[i])));
    json_t *fin = json_object_get(doc, "final");
    CU_ASSERT(json_is_number(json_object_get(fin, "train_seconds")));
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(fin, "test_loss")),
                           json_number_value(json_object_get(last, "test_loss")), 0.0);
    json_decref(doc);
    const char *files[] = {"X.npy", "Y.npy", "a0.npy", "W0.npy", "b.npy", "a.npy", "W.npy", "trace.json"};
    struct stat sb;
    for (int i = 0; i < 8; i++) {
        snprintf(p, sizeof p, "%s/%s", dump, files[i]);
        CU_ASSERT(stat(p, &sb) == 0 && sb.st_size > 0);
    }
    CU_ASSERT_EQUAL(dir_entries(dump), 8);
    /* nothing temporary left beside the outputs */
    CU_ASSERT_EQUAL(dir_entries(cli_dir()), 3 + 1); /* run.json, dump, stderr.txt, full */
}

/* A diverging run stops with exit code 1 and names the step. */
static void test_divergence(void)
{
    char err[4096];
    const char *args[] = {"train", "--case", "xor", "--preset", "small", "--eta", "1e305",
                          "--sigma-a", "1e200", NULL};
    int rc = run_gfl(args, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "step"));
    /* a first step this large makes f NaN on every sample in double: a NaN
     * margin must not score as a perfect prediction */
    const char *nan_args[] = {"train", "--case", "xor", "--preset", "small", "--eta1", "1e200", "--T", "3", NULL};
    CU_ASSERT_EQUAL(run_gfl(nan_args, err, sizeof err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "non-finite"));
}

/* SPEC 6: a run whose regret overflows has UNCERTIFIED links but no FAIL:
 * exit 0 as before, exit 1 under --strict (what make proofs runs). */
static void test_check_strict(void)
{
    char err[4096];
    const char *args[] = {"check", "--case", "mog", "--preset", "small", "--d", "4", "--m", "8", "--n", "16",
                          "--T", "5", "--n-test", "32", "--n-pop", "1024", "--path", "fast", "--eta1", "1e300",
                          "--sigma-a", "1e-300", NULL, NULL};
    CU_ASSERT_EQUAL(run_gfl(args, err, sizeof err), 0);
    args[sizeof args / sizeof args[0] - 2] = "--strict";
    CU_ASSERT_EQUAL(run_gfl(args, err, sizeof err), 1);
}

void t_cli_register(void)
{
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    CU_add_test(s, "bad input: one line, exit 2", test_bad_input);
    CU_add_test(s, "dump refuses a non-empty directory", test_dump_refuses_nonempty);
    CU_add_test(s, "json and dump outputs", test_outputs);
    CU_add_test(s, "divergence exits 1 naming the step", test_divergence);
    CU_add_test(s, "check --strict refuses UNCERTIFIED links", test_check_strict);
}
