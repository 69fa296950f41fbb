/* Output that fails and input that is not a regular file (SPEC 10; gfl_io,
 * gfl_npy).
 *
 * - Write errors for real: a child process lowers its file-size limit
 *   (RLIMIT_FSIZE, SIGXFSZ ignored) so that write(2) fails with EFBIG the way
 *   a full disk fails; every writer must report "cannot write", leave the
 *   destination untouched and no temporary behind.
 * - Reading through a FIFO: the size is not known in advance, so the reader
 *   grows its buffer as data arrive and detects truncation and trailing
 *   bytes itself; a 2 MiB array crosses the reader's 1 MiB chunk.
 * - A directory given as a .npy file, header variants the reader must
 *   reject (duplicate or missing keys, words glued to identifiers), version
 *   2.0 headers, and the caller-bug guards of the writers.
 * - Directory begin/abort edge cases: a path under a regular file, trailing
 *   slashes, an abort that must remove a nested empty directory. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfl_io.h"
#include "gfl_npy.h"
#include "gfl_plot.h"
#include "gfl_report.h"
#include "gfl_test.h"
#include "gfl_train.h"

/* A forked child leaves with _exit (the parent's atexit handlers, e.g. the
 * scratch removal, are not the child's); in coverage builds it writes its
 * counters first, with libgcov's own entry point. */
#ifdef GFL_COVERAGE
void __gcov_dump(void);
#define flush_coverage() __gcov_dump()
#else
#define flush_coverage() ((void)0)
#endif

static const char *io_dir(void)
{
    static char dir[400];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/cov_io", gfl_test_scratch());
        mkdir(dir, 0755);
    }
    return dir;
}

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", io_dir(), name);
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* Entries of dir whose name starts with prefix (temporaries left behind). */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* ------------------------------------------------------------------------ */
/* write errors under a file-size limit                                     */

static gfl_status big_writer(FILE *f, void *ctx)
{
    (void)ctx;
    static char block[4096];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 64; i++)
        fwrite(block, 1, sizeof block, f);
    return GFL_OK;
}

/* In a child: limit files to 1 KiB, run the writers, report a bitmask of
 * the checks that held.  The limit is lifted before exit so that the child
 * can still write its coverage data. */
enum { W_ATOMIC = 1, W_NPY = 2, W_STREAM = 4, W_JSON = 8, W_DUMP = 32, W_CLEAN = 16, W_ALL = 63 };

/* A training dump (SPEC 10) of T batches of n samples (d = 2) into dir/name. */
static gfl_status dump_one(const char *dir, const char *name, int T, int n)
{
    char path[700];
    gfl_config cfg;
    gfl_problem pb;
    gfl_run run;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.d = 2, cfg.m = 2, cfg.n = n, cfg.T = T, cfg.n_test = 2;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gfl_problem_init(&pb, &cfg) != GFL_OK)
        return GFL_EINTERNAL;
    gfl_status st = gfl_run_init(&run, &cfg);
    if (st == GFL_OK) {
        json_t *doc = json_object();
        st = gfl_report_dump(path, &pb, &run, doc);
        json_decref(doc);
        gfl_run_clear(&run);
    }
    gfl_problem_clear(&pb);
    return st;
}

static int child_writes(const char *dir)
{
    char p1[600], p2[600], p3[600], p4[600];
    int ok = 0;
    struct rlimit rl;
    snprintf(p1, sizeof p1, "%s/big.txt", dir);
    snprintf(p2, sizeof p2, "%s/big.npy", dir);
    snprintf(p3, sizeof p3, "%s/stream.npy", dir);
    snprintf(p4, sizeof p4, "%s/big.json", dir);
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &rl);
    struct rlimit low = {1024, rl.rlim_max};
    if (setrlimit(RLIMIT_FSIZE, &low) != 0)
        return 0;
    gfl_error_clear();
    if (gfl_io_write_atomic(p1, big_writer, NULL) == GFL_EIO && strstr(gfl_error_message(), "cannot write") &&
        strstr(gfl_error_message(), strerror(EFBIG)))
        ok |= W_ATOMIC;
    static double v[20000];
    size_t shape[1] = {20000};
    gfl_error_clear();
    if (gfl_npy_write(p2, v, 1, shape) == GFL_EIO)
        ok |= W_NPY;
    gfl_npy_stream *s;
    gfl_error_clear();
    if (gfl_npy_stream_open(&s, p3, 1, shape) == GFL_OK) {
        gfl_status w1 = gfl_npy_stream_write(s, v, 10000);
        gfl_status w2 = gfl_npy_stream_write(s, v, 10000); /* the first failure is sticky */
        gfl_status c = gfl_npy_stream_close(s);
        if (w1 == GFL_EIO && w2 == GFL_EIO && c == GFL_EIO)
            ok |= W_STREAM;
    }
    json_t *doc = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < 2000; i++)
        json_array_append_new(arr, json_real(i + 0.5));
    json_object_set_new(doc, "values", arr);
    gfl_error_clear();
    /* the message names the file: the writer alone does not know it */
    if (gfl_report_write_json(p4, doc) == GFL_EIO && strstr(gfl_error_message(), p4) &&
        strstr(gfl_error_message(), strerror(EFBIG)))
        ok |= W_JSON;
    json_decref(doc);
    /* a dump whose X.npy fails while written (100 KiB), and one whose X.npy
     * fits the stdio buffer and fails when committed (1.7 KiB) */
    gfl_error_clear();
    gfl_status d1 = dump_one(dir, "dump1", 100, 64);
    gfl_error_clear();
    gfl_status d2 = dump_one(dir, "dump2", 1, 100);
    if (d1 == GFL_EIO && d2 == GFL_EIO)
        ok |= W_DUMP;
    if (!exists(p1) && !exists(p2) && !exists(p3) && !exists(p4) && count_prefixed(dir, "big.") == 0 &&
        count_prefixed(dir, "stream.") == 0 && count_prefixed(dir, "dump") == 0)
        ok |= W_CLEAN;
    setrlimit(RLIMIT_FSIZE, &rl);
    return ok;
}

static void t_write_errors(void)
{
    char dir[512];
    path_in(dir, sizeof dir, "full");
    mkdir(dir, 0755);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int ok = child_writes(dir);
        flush_coverage();
        _exit(ok);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status));
    int ok = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    if (ok != W_ALL)
        printf("\n  write errors: checks held 0x%x of 0x%x", ok, W_ALL);
    CU_ASSERT_EQUAL(ok, W_ALL);
}

/* ------------------------------------------------------------------------ */
/* reading through a FIFO                                                   */

/* A format 1.0 (2-byte length) or 2.0 (4-byte length) header for dict,
 * padded with spaces to a multiple of 64 bytes and ended by '\n'. */
static size_t npy_header_v(unsigned char *out, const char *dict, int version)
{
    size_t pre = version == 1 ? 10 : 12, dl = strlen(dict), total = pre + dl + 1;
    total = (total + 63) / 64 * 64;
    size_t hl = total - pre;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)version;
    out[7] = 0;
    for (size_t k = 0; k < pre - 8; k++)
        out[8 + k] = (unsigned char)(hl >> (8 * k));
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', hl - dl - 1);
    out[total - 1] = '\n';
    return total;
}

static size_t npy_header(unsigned char *out, const char *dict) { return npy_header_v(out, dict, 1); }

/* Writes a header for `count` doubles, then `send` doubles i + 0.25, then
 * `extra` trailing bytes, into the FIFO at path (in a child). */
static void fifo_feed(const char *path, size_t count, size_t send, size_t extra)
{
    unsigned char hdr[256];
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }", count);
    size_t hl = npy_header(hdr, dict);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        _exit(1);
    int ok = write(fd, hdr, hl) == (ssize_t)hl;
    for (size_t i = 0; i < send && ok; i++) {
        double v = (double)i + 0.25;
        ok = write(fd, &v, 8) == 8;
    }
    for (size_t i = 0; i < extra && ok; i++)
        ok = write(fd, "z", 1) == 1;
    close(fd);
    _exit(ok ? 0 : 1);
}

static gfl_status fifo_read(const char *path, size_t count, size_t send, size_t extra, double **data, int *nd,
                            size_t shape[GFL_NPY_MAX_NDIM])
{
    unlink(path);
    if (mkfifo(path, 0644) != 0)
        return GFL_EINTERNAL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        fifo_feed(path, count, send, extra);
    gfl_error_clear();
    gfl_status st = gfl_npy_read(path, data, nd, shape);
    int status; /* a writer still writing gets SIGPIPE once the reader is gone */
    waitpid(pid, &status, 0);
    unlink(path);
    return st;
}

static void t_read_fifo(void)
{
    char path[512];
    double *data = NULL;
    int nd = -1;
    size_t shape[GFL_NPY_MAX_NDIM];
    path_in(path, sizeof path, "pipe.npy");
    /* 2 MiB of data: more than one read chunk, the buffer must grow */
    const size_t N = 262144;
    CU_ASSERT_EQUAL(fifo_read(path, N, N, 0, &data, &nd, shape), GFL_OK);
    if (data) {
        int bad = 0;
        for (size_t i = 0; i < N; i++)
            bad += data[i] != (double)i + 0.25;
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT(nd == 1 && shape[0] == N);
        free(data);
    }
    /* a short stream: the header promised more than arrived */
    CU_ASSERT_EQUAL(fifo_read(path, 100, 60, 0, &data, &nd, shape), GFL_EINVAL);
    CU_ASSERT(data == NULL);
    CU_ASSERT(strstr(gfl_error_message(), "expected 800 bytes of data, found 480") != NULL);
    /* bytes after the array */
    CU_ASSERT_EQUAL(fifo_read(path, 10, 10, 3, &data, &nd, shape), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "trailing data") != NULL);
    /* an empty array through a pipe */
    CU_ASSERT_EQUAL(fifo_read(path, 0, 0, 0, &data, &nd, shape), GFL_OK);
    CU_ASSERT(data != NULL && nd == 1 && shape[0] == 0);
    free(data);
    gfl_error_clear();
}

/* ------------------------------------------------------------------------ */
/* reader and writer edge cases                                             */

static gfl_status read_dict(const char *dict, int version2)
{
    char path[512];
    unsigned char img[512];
    double *data = NULL;
    int nd;
    size_t shape[GFL_NPY_MAX_NDIM];
    path_in(path, sizeof path, "hdr.npy");
    size_t n = npy_header_v(img, dict, version2 ? 2 : 1);
    double v[6] = {1, 2, 3, 4, 5, 6};
    FILE *f = fopen(path, "wb");
    if (!f)
        return GFL_EINTERNAL;
    fwrite(img, 1, n, f);
    fwrite(v, 8, 6, f);
    fclose(f);
    gfl_error_clear();
    gfl_status st = gfl_npy_read(path, &data, &nd, shape);
    if (st == GFL_OK) {
        if (!(nd == 2 && shape[0] == 2 && shape[1] == 3 && data[5] == 6.0))
            st = GFL_EINTERNAL;
        free(data);
    }
    return st;
}

static void t_read_header_variants(void)
{
    CU_ASSERT_EQUAL(read_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 0), GFL_OK);
    CU_ASSERT_EQUAL(read_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 1), GFL_OK);
    CU_ASSERT_EQUAL(read_dict("{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f8\"}", 0), GFL_OK);
    static const struct {
        const char *dict, *msg;
    } bad[] = {
        {"{'descr': '<f8', 'fortran_order': False, 'fortran_order': False, 'shape': (2, 3)}",
         "duplicate key 'fortran_order'"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", "duplicate key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'shape': (2, 3)}", "duplicate key 'shape'"},
        {"{'descr': '<f8', 'shape': (2, 3)}", "missing key 'fortran_order'"},
        {"{'fortran_order': False, 'shape': (2, 3)}", "missing key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': False}", "missing key 'shape'"},
        {"{'descr': '<f8', 'fortran_order': FalseX, 'shape': (2, 3)}", "fortran_order must be"},
        {"{'descr': '<f8', 'fortran_order': False1, 'shape': (2, 3)}", "fortran_order must be"},
        {"{'descr': '<f8', 'fortran_order': False_, 'shape': (2, 3)}", "fortran_order must be"},
        {"{'descr': '<f8', 'fortran_order': Fals", "fortran_order must be"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)} x", "unexpected text"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3) 'x'}", "expected ',' or '}'"},
        {"{'descr' '<f8'}", "expected ':'"},
        /* the header ends in '\n' (checked first), which stops any open string */
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'sha", "unsupported string literal"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'what': 1}", "unexpected key 'what'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 3: 1}", "expected a quoted string"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,\t3\r), }", NULL}, /* whitespace: fine */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gfl_status st = read_dict(bad[i].dict, 0);
        if (!bad[i].msg) {
            CU_ASSERT_EQUAL(st, GFL_OK);
            continue;
        }
        if (st != GFL_EINVAL || !strstr(gfl_error_message(), bad[i].msg))
            printf("\n  header %s: status %s, message '%s' (want '%s')", bad[i].dict, gfl_status_name(st),
                   gfl_error_message(), bad[i].msg);
        CU_ASSERT_EQUAL(st, GFL_EINVAL);
        CU_ASSERT(strstr(gfl_error_message(), bad[i].msg) != NULL);
    }
    gfl_error_clear();
}

static void t_read_directory(void)
{
    double *data = (double *)1;
    int nd;
    size_t shape[GFL_NPY_MAX_NDIM];
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_read(io_dir(), &data, &nd, shape), GFL_EINVAL);
    CU_ASSERT(data == NULL);
    CU_ASSERT(strstr(gfl_error_message(), io_dir()) != NULL);
    gfl_error_clear();
}

/* Writer arguments that can only come from a caller bug are refused before
 * any file is created. */
static void t_writer_guards(void)
{
    char path[512];
    double v[4] = {1, 2, 3, 4};
    size_t shape[2] = {2, 2}, huge[2] = {SIZE_MAX / 4, 4};
    gfl_npy_stream *s;
    path_in(path, sizeof path, "guard.npy");
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_write(path, v, 9, shape), GFL_EINTERNAL);
    CU_ASSERT_EQUAL(gfl_npy_write(path, v, -1, shape), GFL_EINTERNAL);
    CU_ASSERT_EQUAL(gfl_npy_write(path, v, 2, NULL), GFL_EINTERNAL);
    CU_ASSERT_EQUAL(gfl_npy_write(path, v, 2, huge), GFL_EINTERNAL);
    CU_ASSERT_EQUAL(gfl_npy_write(path, NULL, 2, shape), GFL_EINTERNAL);
    CU_ASSERT(!exists(path));
    /* a scalar needs no shape; an empty array no data */
    CU_ASSERT_EQUAL(gfl_npy_write(path, v, 0, NULL), GFL_OK);
    size_t empty[1] = {0};
    CU_ASSERT_EQUAL(gfl_npy_write(path, NULL, 1, empty), GFL_OK);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_stream_close(NULL), GFL_EINTERNAL);
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&s, path, 2, huge), GFL_EINTERNAL);
    CU_ASSERT(s == NULL);
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&s, path, 2, shape), GFL_OK);
    CU_ASSERT_EQUAL(gfl_npy_stream_write(s, NULL, 2), GFL_EINTERNAL);
    CU_ASSERT_EQUAL(gfl_npy_stream_write(s, v, 2), GFL_EINTERNAL); /* sticky */
    CU_ASSERT_EQUAL(gfl_npy_stream_close(s), GFL_EINTERNAL);
    gfl_npy_stream_abort(NULL);
    gfl_error_clear();
}

/* ------------------------------------------------------------------------ */
/* atomic files and directories                                             */

static void t_atomic_edges(void)
{
    gfl_io_atomic a;
    memset(&a, 0, sizeof a);
    gfl_io_atomic_abort(NULL);
    gfl_io_atomic_abort(&a);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_atomic_commit(&a), GFL_EINTERNAL);
    CU_ASSERT(strstr(gfl_error_message(), "no open file") != NULL);
    gfl_error_clear();
    /* a destination that is a non-empty directory: rename fails, nothing left */
    char dir[512], inner[600];
    path_in(dir, sizeof dir, "occupied");
    mkdir(dir, 0755);
    snprintf(inner, sizeof inner, "%s/keep", dir);
    FILE *f = fopen(inner, "w");
    if (f)
        fclose(f);
    CU_ASSERT_EQUAL(gfl_io_write_atomic(dir, big_writer, NULL), GFL_EIO);
    CU_ASSERT(exists(inner));
    CU_ASSERT_EQUAL(count_prefixed(io_dir(), "occupied.tmp"), 0);
    gfl_error_clear();
}

static void t_dir_edges(void)
{
    char file[512], under[600], tmp[700], dir[600], small[8];
    path_in(file, sizeof file, "plain");
    FILE *f = fopen(file, "w");
    if (f)
        fclose(f);
    /* a path under a regular file: stat fails with ENOTDIR, not ENOENT */
    snprintf(under, sizeof under, "%s/sub", file);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_begin(under, tmp, sizeof tmp), GFL_EIO);
    CU_ASSERT(tmp[0] == '\0');
    CU_ASSERT(strstr(gfl_error_message(), "cannot write") != NULL);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_begin(file, tmp, sizeof tmp), GFL_EIO);
    CU_ASSERT(strstr(gfl_error_message(), "not a directory") != NULL);
    /* the temporary name does not fit */
    gfl_error_clear();
    path_in(dir, sizeof dir, "newdir");
    CU_ASSERT_EQUAL(gfl_io_dir_begin(dir, small, sizeof small), GFL_EINVAL);
    /* trailing slashes: the temporary is a sibling "newdir.tmpXXXXXX" */
    gfl_error_clear();
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "///");
    CU_ASSERT_EQUAL_FATAL(gfl_io_dir_begin(dir, tmp, sizeof tmp), GFL_OK);
    CU_ASSERT(strstr(tmp, "/newdir.tmp") != NULL);
    /* abort removes files and an empty subdirectory, then the directory */
    char p[800];
    snprintf(p, sizeof p, "%s/a.npy", tmp);
    f = fopen(p, "w");
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "%s/sub", tmp);
    mkdir(p, 0755);
    gfl_io_dir_abort(tmp);
    CU_ASSERT(!exists(tmp));
    gfl_io_dir_abort(NULL);
    gfl_io_dir_abort("");
    /* join: no room at all */
    char out[4] = "zzz";
    CU_ASSERT_EQUAL(gfl_io_join(out, 0, "a", "b"), GFL_EINVAL);
    CU_ASSERT_EQUAL(out[0], 'z');
    CU_ASSERT_EQUAL(gfl_io_join(out, sizeof out, "a/", "b"), GFL_OK);
    CU_ASSERT_STRING_EQUAL(out, "a/b");
    CU_ASSERT_EQUAL(gfl_io_join(out, sizeof out, "", "bc"), GFL_OK);
    CU_ASSERT_STRING_EQUAL(out, "/bc");
    gfl_error_clear();
}

/* ------------------------------------------------------------------------ */
/* figures under a file-size limit, figure names gnuplot could misread       */

static int is_complete_png(const char *path)
{
    unsigned char b[8], e[12];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ok = fread(b, 1, 8, f) == 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && fseek(f, -12, SEEK_END) == 0 &&
             fread(e, 1, 12, f) == 12 && memcmp(e + 4, "IEND", 4) == 0;
    fclose(f);
    return ok;
}

/* In a child: files limited to 4 KiB, which the scripts fit and a PNG does
 * not.  gnuplot inherits the limit (and the ignored SIGXFSZ), fails to write
 * the figure and still exits 0: the truncated PNG must not be renamed into
 * place.  1: refused, nothing left; 0: not. */
static int child_png(const char *dir)
{
    char png[600], tmp[700];
    struct rlimit rl;
    snprintf(png, sizeof png, "%s/limited.png", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.png", png);
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &rl);
    struct rlimit low = {4096, rl.rlim_max};
    if (setrlimit(RLIMIT_FSIZE, &low) != 0)
        return 0;
    gfl_plot_opts o = {"limited", "x", "y", 0};
    const double v[4] = {0.1, 0.2, 0.6, 0.9};
    gfl_error_clear();
    gfl_status st = gfl_plot_histogram(png, &o, v, 4, 0.0, 1.0, 4);
    int ok = st == GFL_EIO && strstr(gfl_error_message(), png) != NULL && !exists(png) && !exists(tmp);
    if (!ok)
        printf("\n  figure under a 4 KiB limit: status %d, '%s', png %s", (int)st, gfl_error_message(),
               exists(png) ? (is_complete_png(png) ? "complete" : "TRUNCATED") : "absent");
    setrlimit(RLIMIT_FSIZE, &rl);
    return ok;
}

static void t_png_disk_full(void)
{
    char dir[512];
    path_in(dir, sizeof dir, "pngfull");
    mkdir(dir, 0755);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int ok = child_png(dir);
        flush_coverage();
        _exit(ok);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

/* A relative figure name starting with '-' (gnuplot would take its script
 * for an option) and one with a quote (the script's string delimiter): each
 * is drawn under exactly its own name. */
static void t_png_odd_names(void)
{
    char cwd[PATH_MAX], dir[512];
    const char *names[] = {"-lead.png", "it's.png", "-a'b''\\\"c.png"};
    path_in(dir, sizeof dir, "odd");
    mkdir(dir, 0755);
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
    gfl_plot_opts o = {"odd 'names' \\ \"", "x", "y", 0};
    const double v[4] = {0.1, 0.2, 0.6, 0.9};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        gfl_error_clear();
        gfl_status st = gfl_plot_histogram(names[i], &o, v, 4, 0.0, 1.0, 4);
        CHECK(st == GFL_OK && is_complete_png(names[i]), "figure '%s': status %d, '%s'", names[i], (int)st,
              gfl_error_message());
    }
    /* only the figures and their scripts: no temporary, no misnamed output */
    CHECK(count_prefixed(".", "") == 2 + 6, "%d entries in the figure directory", count_prefixed(".", ""));
    /* a control character cannot be written into a script: refused */
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_plot_histogram("line\nbreak.png", &o, v, 4, 0.0, 1.0, 4), GFL_EINVAL);
    CU_ASSERT(strstr(gfl_error_message(), "control character") != NULL);
    gfl_error_clear();
    CU_ASSERT_EQUAL(chdir(cwd), 0);
}

/* A stand-in gnuplot (first on PATH) that exits 0 after writing `bytes` (a
 * printf format; NULL: nothing) to the figure its script names: what gfl
 * sees when gnuplot "succeeds" without a complete PNG. */
static gfl_status draw_with_fake(const char *fake, const char *bytes, const char *png)
{
    char script[700];
    snprintf(script, sizeof script, "%s/gnuplot", fake);
    FILE *f = fopen(script, "w");
    if (!f)
        return GFL_EINTERNAL;
    fprintf(f, "#!/bin/sh\nout=$(sed -n 's/^set output \"\\(.*\\)\"$/\\1/p' \"$1\")\n");
    if (bytes)
        fprintf(f, "printf '%s' > \"$out\"\n", bytes);
    fprintf(f, "exit 0\n");
    fclose(f);
    chmod(script, 0755);
    gfl_plot_opts o = {"fake", "x", "y", 0};
    const double v[2] = {0.2, 0.4};
    gfl_error_clear();
    return gfl_plot_histogram(png, &o, v, 2, 0.0, 1.0, 2);
}

static void t_png_checked(void)
{
    char fake[512], png[512], tmp[600];
    path_in(fake, sizeof fake, "fakebin");
    mkdir(fake, 0755);
    path_in(png, sizeof png, "fake.png");
    snprintf(tmp, sizeof tmp, "%s.tmp.png", png);
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL, path_env[700];
    snprintf(path_env, sizeof path_env, "%s:/usr/bin:/bin", fake); /* sed for the script */
    setenv("PATH", path_env, 1);
    /* nothing written; too short for a signature; a signature only; a PNG cut before IEND */
    const char *bad[] = {NULL, "abcd", "\\211PNG\\r\\n\\032\\n", "\\211PNG\\r\\n\\032\\n0123456789abcdef",
                         "\\211PNXXXXXXXXXXXXXXXXXXXX"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gfl_status st = draw_with_fake(fake, bad[i], png);
        CHECK(st == GFL_EIO && strstr(gfl_error_message(), "incomplete PNG") && !exists(png) && !exists(tmp),
              "fake output %zu: status %d '%s'", i, (int)st, gfl_error_message());
    }
    /* signature ... IEND: accepted as complete */
    gfl_status st = draw_with_fake(fake, "\\211PNG\\r\\n\\032\\n\\0\\0\\0\\0IEND\\256B`\\202", png);
    CHECK(st == GFL_OK && exists(png), "a complete fake PNG: status %d '%s'", (int)st, gfl_error_message());
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    } else {
        unsetenv("PATH");
    }
    gfl_error_clear();
}

/* ------------------------------------------------------------------------ */
/* file modes, the cleanup table                                            */

/* Replacing a file keeps its mode (a 0600 file stays private); a new file
 * is 0644. */
static void t_keep_mode(void)
{
    char p[512], q[512];
    struct stat sb;
    path_in(p, sizeof p, "private.json");
    path_in(q, sizeof q, "fresh.json");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "{}\n", 3), 3);
    close(fd);
    chmod(p, 0600); /* whatever the umask */
    json_t *doc = json_pack("{s:i}", "x", 1);
    CU_ASSERT_EQUAL(gfl_report_write_json(p, doc), GFL_OK);
    CU_ASSERT(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0600);
    chmod(p, 0640);
    CU_ASSERT_EQUAL(gfl_report_write_json(p, doc), GFL_OK);
    CU_ASSERT(stat(p, &sb) == 0 && (sb.st_mode & 07777) == 0640);
    CU_ASSERT_EQUAL(gfl_report_write_json(q, doc), GFL_OK);
    CU_ASSERT(stat(q, &sb) == 0 && (sb.st_mode & 07777) == 0644);
    json_decref(doc);
    gfl_error_clear();
}

static gfl_status bare_eio_writer(FILE *f, void *ctx)
{
    (void)f, (void)ctx;
    return GFL_EIO;
}

/* gfl_io_cleanup removes what is registered (a temporary file, a directory
 * with files and an empty subdirectory, a finished output) and stops a
 * registered child; what was untracked stays. */
static void t_cleanup_table(void)
{
    char f1[512], d1[512], in[600], sub[600], out[512], keep[512];
    path_in(f1, sizeof f1, "t.tmp1");
    path_in(d1, sizeof d1, "d.tmp1");
    path_in(out, sizeof out, "made.json");
    path_in(keep, sizeof keep, "kept.json");
    FILE *f = fopen(f1, "w");
    if (f)
        fclose(f);
    mkdir(d1, 0700);
    for (int i = 0; i < 40; i++) { /* more than one getdents64 buffer of names */
        snprintf(in, sizeof in, "%s/entry_with_a_long_name_%03d.npy", d1, i);
        f = fopen(in, "w");
        if (f)
            fclose(f);
    }
    snprintf(sub, sizeof sub, "%s/sub", d1);
    mkdir(sub, 0755);
    f = fopen(out, "w");
    if (f)
        fclose(f);
    f = fopen(keep, "w");
    if (f)
        fclose(f);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        for (;;)
            pause(); /* until a signal ends it */
    }
    gfl_io_track(f1, GFL_IO_TEMP_FILE);
    gfl_io_track(d1, GFL_IO_TEMP_DIR);
    gfl_io_track(out, GFL_IO_NEW_FILE);
    gfl_io_track(keep, GFL_IO_NEW_FILE);
    gfl_io_untrack(keep); /* e.g. committed: no longer this run's to remove */
    gfl_io_track("", GFL_IO_TEMP_FILE); /* ignored */
    gfl_io_track_child(pid);
    gfl_io_cleanup();
    int status = 0, done = 0;
    for (int i = 0; i < 2000 && !done; i++) { /* never wait forever: 2 s, then SIGKILL */
        done = waitpid(pid, &status, WNOHANG) == pid;
        if (!done)
            usleep(1000);
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    CU_ASSERT(done && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    CU_ASSERT(!exists(f1));
    CU_ASSERT(!exists(d1));
    CU_ASSERT(!exists(out));
    CU_ASSERT(exists(keep));
    /* the table is empty again: a second cleanup touches nothing */
    f = fopen(out, "w");
    if (f)
        fclose(f);
    gfl_io_cleanup();
    CU_ASSERT(exists(out));
    /* an untracked child is left alone; untracking an unknown pid is harmless */
    gfl_io_untrack_child(12345678);
    /* a writer's bare GFL_EIO gets a message naming the file */
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_write_atomic(out, bare_eio_writer, NULL), GFL_EIO);
    CU_ASSERT(strstr(gfl_error_message(), out) != NULL);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_install_signal_cleanup(), GFL_OK);
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGHUP, SIG_DFL);
}

void t_cov_io_register(void)
{
    CU_pSuite s = CU_add_suite("cov_io", NULL, NULL);
    CU_add_test(s, "write errors (file-size limit): nothing half-written", t_write_errors);
    CU_add_test(s, ".npy through a FIFO: growth, truncation, trailing bytes", t_read_fifo);
    CU_add_test(s, ".npy header variants", t_read_header_variants);
    CU_add_test(s, ".npy reader given a directory", t_read_directory);
    CU_add_test(s, ".npy writer guards", t_writer_guards);
    CU_add_test(s, "atomic file edges", t_atomic_edges);
    CU_add_test(s, "atomic directory edges", t_dir_edges);
    CU_add_test(s, "figure on a full disk: no truncated PNG", t_png_disk_full);
    CU_add_test(s, "figure names with '-' and quotes", t_png_odd_names);
    CU_add_test(s, "gnuplot exits 0 without a complete PNG", t_png_checked);
    CU_add_test(s, "replacing a file keeps its mode", t_keep_mode);
    CU_add_test(s, "cleanup table: temporaries, new outputs, children", t_cleanup_table);
}
