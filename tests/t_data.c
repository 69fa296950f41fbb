/* Case data (SPEC 11, core/gfl_data*.c, proofs_check/gfl_data_check.c).
 * Oracles: the fixture tests/data/tiny.* was written by numpy (np.save and
 * Python's repr/gzip), independently of gfl's readers; the split is checked
 * against closed forms (sizes, a partition of the rows, mean 0 and deviation
 * 1 on the training pool); logistic regression against its optimality
 * condition recomputed here; the CLI against its contract (one line, exit 2,
 * nothing written) and against itself on the equivalent .npy pair. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "gfl_data.h"
#include "gfl_data_check.h"
#include "gfl_npy.h"
#include "gfl_paths.h"
#include "gfl_tags.h"
#include "gfl_test.h"

#define TINY "tests/data/tiny.csv"

static const char *data_dir(void)
{
    static char dir[400];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/data", gfl_test_scratch());
        mkdir(dir, 0755);
    }
    return dir;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static gfl_status read_table(const char *path, const char *labels, gfl_header_mode h, const char *label,
                             const char *pos, const char *classes, int drop, gfl_table *t)
{
    gfl_read_opts o = {path, labels, h, label, pos, classes, drop};
    gfl_error_clear();
    return gfl_table_read(t, &o);
}

/* The CSV, its gzip and the .npy pair numpy wrote give the same table. */
static void test_read_fixture(void)
{
    double *X, *Y;
    int nd;
    size_t sx[GFL_NPY_MAX_NDIM], sy[GFL_NPY_MAX_NDIM];
    CU_ASSERT_FATAL(gfl_npy_read("tests/data/tiny_X.npy", &X, &nd, sx) == GFL_OK);
    CU_ASSERT_FATAL(gfl_npy_read("tests/data/tiny_Y.npy", &Y, &nd, sy) == GFL_OK);
    const char *files[3][2] = {{TINY, ""}, {TINY ".gz", ""}, {"tests/data/tiny_X.npy", "tests/data/tiny_Y.npy"}};
    for (int f = 0; f < 3; f++) {
        gfl_table t;
        gfl_status st = read_table(files[f][0], files[f][1], GFL_HEADER_NAMES, "", "", "", 0, &t);
        CHECK(st == GFL_OK, "%s: %s", files[f][0], gfl_error_message());
        if (st != GFL_OK)
            continue;
        CHECK(t.N == (int)sx[0] && t.d == (int)sx[1], "%s: %d x %d", files[f][0], t.N, t.d);
        int bad = 0;
        for (size_t q = 0; q < sx[0] * sx[1]; q++)
            bad += t.X[q] != X[q];
        for (size_t k = 0; k < sx[0]; k++)
            bad += t.Y[k] != (Y[k] == 1.0 ? 1.0 : -1.0); /* two values: the larger is +1 */
        CHECK(bad == 0, "%s: %d values differ from numpy's", files[f][0], bad);
        CHECK(strcmp(t.pos, "1") == 0 && strcmp(t.neg, "0") == 0, "mapping %s / %s", t.pos, t.neg);
        gfl_table_clear(&t);
    }
    free(X), free(Y);
}

/* Header modes, the label by name or index, --classes, --positive, text labels. */
static void test_header_label_modes(void)
{
    char p[512];
    gfl_table t;
    snprintf(p, sizeof p, "%s/modes.csv", data_dir());
    write_file(p, "3,2,x\n1,cat,5\n2,dog,6\n3,cat,7\n4,bird,9\n");
    /* skip the count line; label column 2 by index; three labels need --positive */
    CU_ASSERT(read_table(p, "", GFL_HEADER_SKIP, "2", "", "", 0, &t) == GFL_EINVAL);
    CHECK(strstr(gfl_error_message(), "3 distinct label values (bird,cat,dog)") != NULL, "%s", gfl_error_message());
    CU_ASSERT_FATAL(read_table(p, "", GFL_HEADER_SKIP, "2", "cat", "", 0, &t) == GFL_OK);
    CU_ASSERT(t.N == 4 && t.d == 2);
    double want[4] = {1, -1, 1, -1};
    for (int k = 0; k < 4; k++)
        CHECK(t.Y[k] == want[k] && t.X[2 * k] == k + 1, "row %d: y %g x %g", k, t.Y[k], t.X[2 * k]);
    gfl_table_clear(&t);
    /* --classes keeps two: the larger in text order ('dog') is +1 */
    CU_ASSERT_FATAL(read_table(p, "", GFL_HEADER_SKIP, "2", "", "dog,cat", 0, &t) == GFL_OK);
    CHECK(t.N == 3 && t.Y[0] == -1 && t.Y[1] == 1 && strcmp(t.pos, "dog") == 0, "N %d pos %s", t.N, t.pos);
    gfl_table_clear(&t);
    /* header names: the label by name; numeric labels "1" and "1.0" are one value */
    write_file(p, "u,lab,v\n1,1,0\n2,1.0,1\n3,2,0\n4,2e0,1\n");
    CU_ASSERT_FATAL(read_table(p, "", GFL_HEADER_NAMES, "lab", "", "", 0, &t) == GFL_OK);
    CHECK(t.N == 4 && t.d == 2 && t.Y[0] == -1 && t.Y[1] == -1 && t.Y[2] == 1 && t.Y[3] == 1 && t.X[1] == 0,
          "N %d d %d", t.N, t.d);
    gfl_table_clear(&t);
    /* no header: the first line is data */
    write_file(p, "1,0,1\n2,1,-1\n3,1,1\n");
    CU_ASSERT_FATAL(read_table(p, "", GFL_HEADER_NONE, "", "", "", 0, &t) == GFL_OK);
    CHECK(t.N == 3 && t.Y[0] == 1 && t.Y[1] == -1, "N %d", t.N);
    gfl_table_clear(&t);
    /* CRLF line ends and a quoted field */
    write_file(p, "a,b\r\n\"1.5\",0\r\n2,1\r\n");
    CU_ASSERT_FATAL(read_table(p, "", GFL_HEADER_NAMES, "", "", "", 0, &t) == GFL_OK);
    CHECK(t.N == 2 && t.X[0] == 1.5 && t.X[1] == 2, "N %d", t.N);
    gfl_table_clear(&t);
}

/* Every bad file: GFL_EINVAL, one line, naming the problem (and the line). */
static void test_bad_files(void)
{
    static const struct {
        const char *text, *label, *pos, *classes, *want;
        gfl_header_mode h;
    } cases[] = {
        {"a,b,y\n1,2,0\n3,x,1\n", "", "", "", "line 3, column 2 ('b'): 'x' is not a finite number", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,,1\n", "", "", "", "line 3, column 2 ('b'): missing value", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4\n", "", "", "", "line 3: 2 fields, expected 3", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,nan,1\n", "", "", "", "'nan' is not a finite number", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,1e999,1\n", "", "", "", "'1e999' is not a finite number", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,1\n3,4,1\n", "", "", "", "a single class (label '1' on all 2 rows kept)", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n5,6,2\n", "", "", "", "3 distinct label values (0,1,2)", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n1,4,1\n", "", "", "", "feature column 1 is constant", GFL_HEADER_NAMES},
        {"y\n0\n1\n", "", "", "", "no feature columns (d = 0)", GFL_HEADER_NAMES},
        {"a,y\n", "", "", "", "no data rows", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "z", "", "", "--label 'z' is not a column", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "", "7", "", "--positive value '7' does not occur", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "", "", "0,5", "--classes value '5' does not occur", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n\"3,4,1\n", "", "", "", "a quoted field is not closed", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3\"x,4,1\n", "", "", "", "line 3: malformed quoting", GFL_HEADER_NAMES},
        {"1,2,0\n3,4\n", "", "", "", "line 2: 2 fields, expected 3", GFL_HEADER_NONE},
        {"a,y\n1,\"x\ny\"\n2,z\n", "", "", "", "line 3, column 2 ('y'): label too long, or with a control character",
         GFL_HEADER_NAMES},
        {"a,y\n1,\n2,1\n", "", "", "", "line 2, column 2 ('y'): missing label", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "9", "", "", "--label '9' is not a column name or 1-based index (the file has 3)",
         GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "0", "", "", "--label '0' is not a column", GFL_HEADER_NAMES},
        {"a,y\n1234567890123456789012345678901234567890123x,0\n2,1\n", "", "", "",
         "line 2, column 1 ('a'): '1234567890123456789012345678901234567890...' is not a finite number", GFL_HEADER_NAMES},
        {"2,2,x,z\n1,2,0\n3,4,1\n5,7,1\n", "1", "", "", "3 distinct label values (1,3,5)", GFL_HEADER_SKIP},
        {"a,b,y\n1,2,0\n3,4,1\n", "", "0,", "", "--positive: bad value list '0,'", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "", ",", "", "--positive: bad value list ','", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "", "", "0,,1", "--classes: bad value list '0,,1'", GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n5,6,2\n", "", "0,1", "0,1", "--positive takes every label value kept: no negative class",
         GFL_HEADER_NAMES},
        {"a,b,y\n1,2,0\n3,4,1\n", "", "", "", "line 1, column 1: 'a' is not a finite number", GFL_HEADER_NONE},
    };
    char p[512];
    snprintf(p, sizeof p, "%s/bad.csv", data_dir());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gfl_table t;
        write_file(p, cases[i].text);
        gfl_status st = read_table(p, "", cases[i].h, cases[i].label, cases[i].pos, cases[i].classes, 0, &t);
        const char *msg = gfl_error_message();
        CHECK(st == GFL_EINVAL && strstr(msg, cases[i].want) && gfl_test_count_lines(msg) == 0 && t.X == NULL,
              "case %zu: status %d, message '%s', wanted '%s'", i, (int)st, msg, cases[i].want);
    }
    /* --drop-constant drops the constant column instead */
    gfl_table t;
    write_file(p, "a,b,c,y\n1,2,5,0\n1,4,5,1\n1,3,5,1\n");
    CU_ASSERT_FATAL(read_table(p, "", GFL_HEADER_NAMES, "", "", "", 1, &t) == GFL_OK);
    CHECK(t.d == 1 && t.dropped == 2 && t.X[0] == 2 && t.X[1] == 4 && t.X[2] == 3, "d %d", t.d);
    gfl_table_clear(&t);
    /* a truncated gzip file */
    char gzp[512];
    snprintf(gzp, sizeof gzp, "%s/trunc.csv.gz", data_dir());
    gzFile gz = gzopen(gzp, "wb");
    for (int k = 0; k < 2000; k++)
        gzprintf(gz, "%d,%d,%d\n", k, k * 7 % 13, k % 2);
    gzclose(gz);
    CU_ASSERT_FATAL(truncate(gzp, 300) == 0);
    gfl_status st = read_table(gzp, "", GFL_HEADER_NONE, "", "", "", 0, &t);
    CHECK(st == GFL_EINVAL && strstr(gfl_error_message(), "cannot read it"), "%s", gfl_error_message());
}

/* .npy pairs that do not fit together, and options that belong to CSV. */
static void test_bad_npy(void)
{
    char px[512], py[512], p1[512];
    snprintf(px, sizeof px, "%s/X.npy", data_dir());
    snprintf(py, sizeof py, "%s/Y.npy", data_dir());
    snprintf(p1, sizeof p1, "%s/X1.npy", data_dir());
    double X[6] = {1, 2, 3, 4, 5, 7}, Y[3] = {0, 1, 1}, Yn[3] = {0, NAN, 1};
    size_t sx[2] = {3, 2}, sy[1] = {3}, s2[1] = {2}, s1[1] = {6};
    gfl_table t;
    CU_ASSERT_FATAL(gfl_npy_write(px, X, 2, sx) == GFL_OK && gfl_npy_write(p1, X, 1, s1) == GFL_OK);
    CU_ASSERT_FATAL(gfl_npy_write(py, Y, 1, sy) == GFL_OK);
    CU_ASSERT_FATAL(read_table(px, py, GFL_HEADER_NAMES, "", "", "", 0, &t) == GFL_OK);
    CHECK(t.N == 3 && t.d == 2 && t.Y[0] == -1 && t.Y[2] == 1 && t.X[5] == 7, "N %d d %d", t.N, t.d);
    gfl_table_clear(&t);
    static const struct {
        const char *x, *y, *label, *want;
    } cases[] = {
        {NULL, "", "", "give its labels with --labels"},
        {NULL, NULL, "1", "--label names a CSV column"},
        {"X1", NULL, "", "must be a 2-d array"},
        {NULL, "short", "", "labels must have shape (3,)"},
        {NULL, "nan", "", "label is not a finite number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *y = py;
        if (cases[i].y && strcmp(cases[i].y, "short") == 0) {
            CU_ASSERT_FATAL(gfl_npy_write(py, Y, 1, s2) == GFL_OK);
        } else if (cases[i].y && strcmp(cases[i].y, "nan") == 0) {
            CU_ASSERT_FATAL(gfl_npy_write(py, Yn, 1, sy) == GFL_OK);
        } else if (cases[i].y) {
            y = cases[i].y;
        }
        gfl_status st = read_table(cases[i].x ? p1 : px, y, GFL_HEADER_NAMES, cases[i].label, "", "", 0, &t);
        CHECK(st == GFL_EINVAL && strstr(gfl_error_message(), cases[i].want) && t.X == NULL, "case %zu: '%s'", i,
              gfl_error_message());
        CU_ASSERT_FATAL(gfl_npy_write(py, Y, 1, sy) == GFL_OK);
    }
    /* a CSV with --labels */
    gfl_status st = read_table(TINY, py, GFL_HEADER_NAMES, "", "", "", 0, &t);
    CHECK(st == GFL_EINVAL && strstr(gfl_error_message(), "--labels goes with --data X.npy"), "%s", gfl_error_message());
}

/* A file larger than the address space left: refused with one line, before
 * the table is allocated (a child process with RLIMIT_AS at its current use
 * plus 4 MiB; rows of 2,000 columns make the first table, 256 rows, need
 * about 8 MiB, so the refusal comes before any large allocation, with or
 * without a sanitizer's allocator). */
static void test_too_large(void)
{
    char gzp[512];
    snprintf(gzp, sizeof gzp, "%s/wide.csv.gz", data_dir());
    gzFile gz = gzopen(gzp, "wb9");
    for (int k = 0; k < 300; k++) {
        for (int j = 0; j < 2000; j++)
            gzputs(gz, j % 7 == k % 7 ? "1," : "0,");
        gzputs(gz, k % 2 ? "1\n" : "0\n");
    }
    gzclose(gz);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl;
        FILE *f = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (!f || fscanf(f, "%lu", &pages) != 1)
            _exit(90);
        fclose(f);
        rl.rlim_cur = rl.rlim_max = (rlim_t)(pages * (unsigned long)sysconf(_SC_PAGE_SIZE)) + (4u << 20);
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(91);
        gfl_table t;
        gfl_status st = read_table(gzp, "", GFL_HEADER_NONE, "", "", "", 0, &t);
        _exit(st == GFL_EINVAL && strstr(gfl_error_message(), "too large for memory") ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    /* without the limit the same file reads */
    gfl_table t;
    gfl_status st = read_table(gzp, "", GFL_HEADER_NONE, "", "", "", 0, &t);
    CHECK(st == GFL_OK && t.N == 300 && t.d == 2000, "%s", gfl_error_message());
    gfl_table_clear(&t);
    unlink(gzp);
}

static void tiny_config(gfl_config *cfg, const char *data, const char *labels)
{
    gfl_config_defaults(cfg, GFL_CASE_DATA, GFL_PRESET_SMALL);
    cfg->seed = gfl_test_seed();
    snprintf(cfg->data, sizeof cfg->data, "%s", data);
    snprintf(cfg->labels, sizeof cfg->labels, "%s", labels);
}

/* The split: sizes, a partition of the rows, the training pool standardized
 * to mean 0 and deviation 1, the others with the pool's statistics. */
static void test_split(void)
{
    gfl_config cfg;
    gfl_dataset ds;
    tiny_config(&cfg, TINY, "");
    cfg.val_frac = 0.1;
    CU_ASSERT_FATAL(gfl_data_resolve(&cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_dataset_init(&ds, &cfg) == GFL_OK);
    CHECK(ds.n_test == 12 && ds.n_feat == 12 && ds.n_val == 6 && ds.n_train == 30 && cfg.d == 4 && cfg.n == 30,
          "sizes %d %d %d %d", ds.n_test, ds.n_feat, ds.n_val, ds.n_train);
    gfl_table raw;
    CU_ASSERT_FATAL(read_table(TINY, "", GFL_HEADER_NAMES, "", "", "", 0, &raw) == GFL_OK);
    /* every raw row is found exactly once among the parts, un-standardized */
    int *used = calloc((size_t)raw.N, sizeof(int)), d = raw.d, bad = 0;
    const double *parts[4] = {ds.Xtest, ds.Xfeat, ds.Xval, ds.Xtrain};
    const double *ys[4] = {ds.Ytest, ds.Yfeat, ds.Yval, ds.Ytrain};
    int ns[4] = {ds.n_test, ds.n_feat, ds.n_val, ds.n_train};
    for (int p = 0; p < 4; p++)
        for (int k = 0; k < ns[p]; k++) {
            int found = -1;
            for (int r = 0; r < raw.N && found < 0; r++) {
                int same = raw.Y[r] == ys[p][k];
                for (int j = 0; j < d && same; j++)
                    same = fabs(parts[p][(size_t)k * d + j] * ds.scale[j] + ds.mean[j] - raw.X[(size_t)r * d + j]) <=
                           1e-12 * (1 + fabs(raw.X[(size_t)r * d + j]));
                if (same && !used[r])
                    found = r;
            }
            if (found < 0)
                bad++;
            else
                used[found] = 1;
        }
    CHECK(bad == 0, "%d rows of the parts are not rows of the file", bad);
    for (int j = 0; j < d; j++) {
        double m = 0, v = 0;
        for (int k = 0; k < ds.n_train; k++)
            m += ds.Xtrain[(size_t)k * d + j] / ds.n_train;
        for (int k = 0; k < ds.n_train; k++)
            v += (ds.Xtrain[(size_t)k * d + j] - m) * (ds.Xtrain[(size_t)k * d + j] - m) / ds.n_train;
        CHECK(fabs(m) < 1e-12 && fabs(v - 1) < 1e-12, "column %d: mean %g variance %g", j, m, v);
    }
    /* batches: with n = 10, steps 1..3 take disjoint batches, later steps batch 1 */
    cfg.n = 10;
    double X[4][40], Y[4][10];
    for (int t = 1; t <= 4; t++)
        gfl_dataset_batch(&ds, &cfg, t, X[t - 1], Y[t - 1]);
    CHECK(gfl_dataset_fresh_batches(&ds, 10) == 3, "fresh %d", gfl_dataset_fresh_batches(&ds, 10));
    int overlap = 0;
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            for (int k = 0; k < 10; k++)
                for (int q = 0; q < 10; q++)
                    overlap += memcmp(X[a] + 4 * k, X[b] + 4 * q, 4 * sizeof(double)) == 0;
    CHECK(overlap == 0 && memcmp(X[3], X[0], sizeof X[0]) == 0, "overlap %d", overlap);
    /* --eval-part validation: the validation part is the held-out set */
    gfl_config cv = cfg;
    cv.n = 0;
    cv.eval_part = GFL_PART_VALIDATION;
    CU_ASSERT_FATAL(gfl_data_resolve(&cv) == GFL_OK);
    gfl_problem pb;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cv) == GFL_OK);
    CHECK(cv.n_test == 6 && memcmp(pb.Xtest, ds.Xval, 6 * 4 * sizeof(double)) == 0, "n_test %d", cv.n_test);
    gfl_problem_clear(&pb);
    /* --no-standardize: the parts hold the file's values */
    cv.no_standardize = 1;
    gfl_dataset raw_ds;
    CU_ASSERT_FATAL(gfl_dataset_init(&raw_ds, &cv) == GFL_OK);
    CHECK(raw_ds.scale[0] == 1 && raw_ds.mean[0] == 0, "scale %g mean %g", raw_ds.scale[0], raw_ds.mean[0]);
    gfl_dataset_clear(&raw_ds);
    /* a configuration that was not resolved is refused */
    gfl_config cu;
    tiny_config(&cu, TINY, "");
    cu.n = 5; /* valid on its own; d = 8 of the small preset is not the file's 4 */
    CHECK(gfl_problem_init(&pb, &cu) == GFL_EINVAL && strstr(gfl_error_message(), "resolve it first"), "%s",
          gfl_error_message());
    cu.test_frac = 0.9;
    CHECK(gfl_data_resolve(&cu) == GFL_EINVAL, "test-frac 0.9 accepted");
    /* another seed, another split; the same seed, the same split */
    gfl_dataset ds2;
    cfg.n = 30;
    CU_ASSERT_FATAL(gfl_dataset_init(&ds2, &cfg) == GFL_OK);
    CU_ASSERT(memcmp(ds2.Xtest, ds.Xtest, (size_t)ds.n_test * d * sizeof(double)) == 0);
    gfl_dataset_clear(&ds2);
    cfg.seed++;
    CU_ASSERT_FATAL(gfl_dataset_init(&ds2, &cfg) == GFL_OK);
    CU_ASSERT(memcmp(ds2.Xtest, ds.Xtest, (size_t)ds.n_test * d * sizeof(double)) != 0);
    gfl_dataset_clear(&ds2);
    free(used);
    gfl_table_clear(&raw);
    gfl_dataset_clear(&ds);
}

/* core's data roles of gfl_sample_draw use the checker's tags (gfl_tags.h). */
static void test_tags(void)
{
    CU_ASSERT(GFL_TAG_FIT == GFL_TAG_OPT_FIT && GFL_TAG_EVAL == GFL_TAG_OPT_EVAL && GFL_TAG_POP == GFL_TAG_POPULATION &&
              GFL_TAG_FEATURES == GFL_TAG_FEATURES_MC);
}

/* Logistic regression: at the returned point the gradient of the objective,
 * recomputed here, vanishes. */
static void test_logreg(void)
{
    gfl_config cfg;
    gfl_dataset ds;
    tiny_config(&cfg, TINY, "");
    CU_ASSERT_FATAL(gfl_data_resolve(&cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_dataset_init(&ds, &cfg) == GFL_OK);
    int d = ds.d, N = ds.n_train, it;
    double w[4], c, lam = 0.01, g[5] = {0};
    CU_ASSERT_FATAL(gfl_data_logreg(ds.Xtrain, ds.Ytrain, N, d, lam, 1e-14, w, &c, &it) == GFL_OK);
    for (int k = 0; k < N; k++) {
        double z = c;
        for (int j = 0; j < d; j++)
            z += w[j] * ds.Xtrain[(size_t)k * d + j];
        double s = -ds.Ytrain[k] / (1 + exp(ds.Ytrain[k] * z)) / N;
        for (int j = 0; j < d; j++)
            g[j] += s * ds.Xtrain[(size_t)k * d + j];
        g[d] += s;
    }
    double gn = 0;
    for (int j = 0; j < d; j++)
        gn += (g[j] + lam * w[j]) * (g[j] + lam * w[j]);
    gn += g[d] * g[d];
    CHECK(sqrt(gn) < 1e-8 && it < 30, "gradient norm %g after %d Newton steps", sqrt(gn), it);
    gfl_dataset_clear(&ds);
}

/* Runs gfl; stdout into out (NULL: discarded); returns the exit code, stderr in err. */
static int run(const char *const *args, const char *out, char *err, size_t errlen)
{
    char ep[512];
    snprintf(ep, sizeof ep, "%s/stderr.txt", data_dir());
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644), fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fe < 0 || fo < 0)
            _exit(99);
        dup2(fe, 2), dup2(fo, 1);
        gfl_test_exec_gfl(args);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    FILE *f = fopen(ep, "r");
    size_t len = f ? fread(err, 1, errlen - 1, f) : 0;
    err[len] = 0;
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The CLI: a bad file is one line, exit 2, and no output file appears. */
static void test_cli_errors(void)
{
    char bad[512], json[512], err[4096];
    snprintf(bad, sizeof bad, "%s/cli_bad.csv", data_dir());
    snprintf(json, sizeof json, "%s/out.json", data_dir());
    static const char *const texts[] = {"a,b,y\n1,2,0\n3,x,1\n", "a,b,y\n1,2,0\n3,4,0\n", "a,b,y\n1,2,0\n3,4,1\n5,7,2\n"};
    static const char *const cmds[] = {"check", "train", "features"};
    for (int i = 0; i < 3; i++) {
        write_file(bad, texts[i]);
        const char *args[] = {cmds[i], "--case", "data", "--data", bad, "--json", json, "--path", "fast", NULL};
        int rc = run(args, NULL, err, sizeof err);
        struct stat sb;
        CHECK(rc == 2 && gfl_test_count_lines(err) == 1 && strncmp(err, "gfl: ", 5) == 0 && stat(json, &sb) != 0,
              "%s on file %d: exit %d, stderr '%s'", cmds[i], i, rc, err);
    }
    const char *nodata[] = {"train", "--case", "data", NULL};
    int rc = run(nodata, NULL, err, sizeof err);
    CHECK(rc == 2 && strstr(err, "needs --data"), "exit %d, '%s'", rc, err);
}

/* Drops the lines that name the input files (the reproduce line). */
static char *slurp_report(const char *path)
{
    FILE *f = fopen(path, "r");
    char *out = calloc(1, 1 << 20), line[8192];
    size_t u = 0;
    while (f && out && fgets(line, sizeof line, f))
        if (strncmp(line, "reproduce:", 10) != 0 && u + strlen(line) < (1 << 20)) {
            memcpy(out + u, line, strlen(line) + 1);
            u += strlen(line);
        }
    if (f)
        fclose(f);
    return out;
}

/* gfl check on the CSV and on the equivalent .npy pair: the same report,
 * line for line, but for the timings and the reproduce line. */
static void test_csv_npy_same_report(void)
{
    char o1[512], o2[512], err[4096];
    snprintf(o1, sizeof o1, "%s/csv.txt", data_dir());
    snprintf(o2, sizeof o2, "%s/npy.txt", data_dir());
    const char *a1[] = {"check", "--case", "data", "--data", TINY, "--path", "fast", "--preset", "small", NULL};
    const char *a2[] = {"check", "--case", "data", "--data", "tests/data/tiny_X.npy", "--labels", "tests/data/tiny_Y.npy",
                        "--path", "fast", "--preset", "small", NULL};
    int r1 = run(a1, o1, err, sizeof err), r2 = run(a2, o2, err, sizeof err);
    CHECK(r1 == r2, "exit codes %d and %d (%s)", r1, r2, err);
    char *s1 = slurp_report(o1), *s2 = slurp_report(o2);
    int same = 1, nl = 0;
    char *p1 = s1, *p2 = s2;
    while (same && p1 && p2 && *p1 && *p2) {
        char *e1 = strchr(p1, '\n'), *e2 = strchr(p2, '\n');
        size_t l1 = e1 ? (size_t)(e1 - p1) : strlen(p1), l2 = e2 ? (size_t)(e2 - p2) : strlen(p2);
        /* summary rows end in the run's seconds */
        int timed = strncmp(p1, "data ", 5) == 0;
        if (timed) {
            while (l1 > 0 && p1[l1 - 1] != ' ')
                l1--;
            while (l2 > 0 && p2[l2 - 1] != ' ')
                l2--;
        }
        same = l1 == l2 && memcmp(p1, p2, l1) == 0;
        nl++;
        p1 = e1 ? e1 + 1 : p1 + l1;
        p2 = e2 ? e2 + 1 : p2 + l2;
    }
    CHECK(same && nl > 10 && strstr(s1, "data-summary: ") != NULL, "reports differ at line %d", nl);
    free(s1), free(s2);
}

/* Both paths on the fixture: every exact link PASS. */
static void test_check_both_paths(void)
{
    const char *paths[] = {"ref", "fast"};
    for (int p = 0; p < 2; p++) {
        gfl_config cfg;
        gfl_check_params cp;
        gfl_check_case cc;
        tiny_config(&cfg, TINY, "");
        CU_ASSERT_FATAL(gfl_data_resolve(&cfg) == GFL_OK);
        gfl_check_defaults(&cp);
        cp.cp.n_pop = 4096;
        gfl_status st = gfl_check_run(&cfg, gfl_path_find(paths[p]), &cp, &cc);
        CHECK(st == GFL_OK, "%s: %s", paths[p], gfl_error_message());
        if (st != GFL_OK)
            continue;
        static const int ex[] = {GFL_L_C1, GFL_L_C4, GFL_L_C5, GFL_L_C5G, GFL_L_C6, GFL_L_CHAIN, GFL_L_TIGHT};
        for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++)
            CHECK(cc.chain.link[ex[k]].verdict == GFL_V_PASS, "%s: link %s is %s", paths[p], cc.chain.link[ex[k]].id,
                  gfl_verdict_name(cc.chain.link[ex[k]].verdict));
        CHECK(cc.data && cc.data->n_test == 12 && cc.data->alg_err <= 0.25, "%s: test error %g", paths[p],
              cc.data ? cc.data->alg_err : NAN);
        /* the candidates not in S were dropped (how many depends on the
         * case's random streams): every remaining feature is a member and
         * OPT_hat is available */
        CHECK(cc.pruned >= 0 && cc.members == cc.feat.nfeat && cc.opt.available && isfinite(cc.opt.opt_hat),
              "%s: %d dropped, %d/%d members, OPT_hat available %d", paths[p], cc.pruned, cc.members, cc.feat.nfeat,
              cc.opt.available);
        gfl_check_clear(&cc);
    }
}

void t_data_register(void)
{
    CU_pSuite s = CU_add_suite("data", NULL, NULL);
    CU_add_test(s, "CSV, gzip and .npy pair against numpy's fixture", test_read_fixture);
    CU_add_test(s, "header modes, label column, classes, positive", test_header_label_modes);
    CU_add_test(s, "bad files: one line naming the problem", test_bad_files);
    CU_add_test(s, "bad .npy pairs", test_bad_npy);
    CU_add_test(s, "a file too large for memory", test_too_large);
    CU_add_test(s, "split, standardization, batches", test_split);
    CU_add_test(s, "logistic regression at its optimum", test_logreg);
    CU_add_test(s, "the sample roles of data use the checker's tags", test_tags);
    CU_add_test(s, "CLI: bad data is exit 2, nothing written", test_cli_errors);
    CU_add_test(s, "check on CSV and on .npy: the same report", test_csv_npy_same_report);
    CU_add_test(s, "check on both paths: exact links PASS", test_check_both_paths);
}
