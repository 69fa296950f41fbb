/* t_npy: CUnit tests of gfl_io (atomic output) and gfl_npy (SPEC 10).
 *
 * Every test works in its own scratch directory, mkdtemp("/tmp/gfl_t_npy.XXXXXX"),
 * removed at the end of the test; non-fatal asserts only, so the removal
 * always runs.
 */
#include <CUnit/CUnit.h>

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gfl_io.h"
#include "gfl_npy.h"
#include "gfl_status.h"
#include "gfl_test.h" /* t_npy_register */

/* ---- scratch helpers ------------------------------------------------------ */

typedef struct {
    char root[64];
    char path[4096];
    int ok;
} scratch;

static void scratch_open(scratch *s)
{
    strcpy(s->root, "/tmp/gfl_t_npy.XXXXXX");
    s->ok = mkdtemp(s->root) != NULL;
    CU_ASSERT(s->ok);
}

static void rm_rf(const char *p)
{
    struct stat sb;
    if (lstat(p, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(p);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char q[4096];
                snprintf(q, sizeof q, "%s/%s", p, e->d_name);
                rm_rf(q);
            }
            closedir(d);
        }
        rmdir(p);
    } else {
        unlink(p);
    }
}

static void scratch_close(scratch *s)
{
    if (s->ok)
        rm_rf(s->root);
}

/* s->path = root/name (returned for convenience). */
static const char *sp(scratch *s, const char *name)
{
    snprintf(s->path, sizeof s->path, "%s/%s", s->root, name);
    return s->path;
}

/* Entries of a directory other than . and .., -1 if it cannot be opened. */
static int dir_count(const char *p)
{
    DIR *d = opendir(p);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

static unsigned char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    *len = 0;
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    *len = n;
    return b;
}

static int spit(const char *p, const void *b, size_t n)
{
    FILE *f = fopen(p, "wb");
    if (!f)
        return 0;
    int ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int mode_is(const char *p, unsigned mode)
{
    struct stat sb;
    return stat(p, &sb) == 0 && (unsigned)(sb.st_mode & 0777) == mode;
}

static double bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* ---- round trips ---------------------------------------------------------- */

static void fill_specials(double *v, size_t n)
{
    const double sp_vals[] = {-0.0, 0.0, DBL_TRUE_MIN, -DBL_TRUE_MIN, bits(UINT64_C(0x000fffffffffffff)),
                              DBL_MIN, DBL_MAX, -DBL_MAX, INFINITY, -INFINITY, NAN,
                              bits(UINT64_C(0x7ff8000000000123)), bits(UINT64_C(0xfff0000000000001)),
                              1.0, -1.5, 0.1};
    size_t ns = sizeof sp_vals / sizeof sp_vals[0];
    for (size_t i = 0; i < n; i++)
        v[i] = i < ns ? sp_vals[i] : (double)i * 0.1 - 1.0;
}

static void roundtrip(int ndim, const size_t *shape, size_t count)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    double *v = malloc((count ? count : 1) * sizeof *v);
    fill_specials(v, count);
    const char *p = sp(&s, "a.npy");
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_write(p, v, ndim, shape), GFL_OK);
    CU_ASSERT_STRING_EQUAL(gfl_error_message(), "");
    CU_ASSERT(mode_is(p, 0644));

    size_t len;
    unsigned char *raw = slurp(p, &len);
    CU_ASSERT_PTR_NOT_NULL(raw);
    if (raw) {
        size_t hlen = 10 + (size_t)raw[8] + 256 * (size_t)raw[9];
        CU_ASSERT_EQUAL(hlen % 64, 0);
        CU_ASSERT_EQUAL(len, hlen + 8 * count);
        /* little-endian on disk: the first value's low byte comes first */
        if (count > 0 && len == hlen + 8 * count) {
            uint64_t u;
            memcpy(&u, &v[0], 8);
            CU_ASSERT_EQUAL(raw[hlen], (unsigned char)(u & 0xff));
            CU_ASSERT_EQUAL(raw[hlen + 7], (unsigned char)(u >> 56));
        }
        free(raw);
    }

    double *r = NULL;
    int nd = -1;
    size_t shp[GFL_NPY_MAX_NDIM];
    memset(shp, 0xff, sizeof shp);
    CU_ASSERT_EQUAL(gfl_npy_read(p, &r, &nd, shp), GFL_OK);
    CU_ASSERT_PTR_NOT_NULL(r);
    CU_ASSERT_EQUAL(nd, ndim);
    if (r && nd == ndim) {
        for (int i = 0; i < ndim; i++)
            CU_ASSERT_EQUAL(shp[i], shape[i]);
        for (int i = ndim; i < GFL_NPY_MAX_NDIM; i++)
            CU_ASSERT_EQUAL(shp[i], 0);
        /* bitwise: -0.0, NaN payloads and subnormals must survive */
        CU_ASSERT(count == 0 || memcmp(r, v, count * sizeof *v) == 0);
    }
    free(r);
    free(v);
    CU_ASSERT_EQUAL(dir_count(s.root), 1); /* no temporary left behind */
    scratch_close(&s);
}

static void test_roundtrip_0d(void)
{
    roundtrip(0, NULL, 1);
}

static void test_roundtrip_1d(void)
{
    size_t shape[1] = {20};
    roundtrip(1, shape, 20);
}

static void test_roundtrip_3d(void)
{
    size_t shape[3] = {2, 3, 4};
    roundtrip(3, shape, 24);
}

static void test_roundtrip_8d(void)
{
    size_t shape[8] = {2, 1, 3, 1, 2, 1, 1, 2};
    roundtrip(8, shape, 24);
}

static void test_roundtrip_empty(void)
{
    size_t s1[1] = {0};
    roundtrip(1, s1, 0);
    size_t s3[3] = {3, 0, 2};
    roundtrip(3, s3, 0);
}

/* ---- header bytes --------------------------------------------------------- */

/* numpy.save(np.zeros((2, 3))) header, format 1.0: 10 bytes of prefix, the
 * 59-byte dict, 58 spaces and '\n' = 128 bytes; header length 118 = 0x76. */
static const char expected_hdr_2x3[] =
    "\x93NUMPY\x01\x00\x76\x00"
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
    "                                        " /* 40 spaces */
    "                  "                       /* 18 spaces */
    "\n";

static void test_header_2x3_exact(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    CU_ASSERT_EQUAL(sizeof expected_hdr_2x3 - 1, 128);
    double v[6] = {1, 2, 3, 4, 5, 6};
    size_t shape[2] = {2, 3};
    const char *p = sp(&s, "h.npy");
    CU_ASSERT_EQUAL(gfl_npy_write(p, v, 2, shape), GFL_OK);
    size_t len;
    unsigned char *raw = slurp(p, &len);
    CU_ASSERT_EQUAL(len, 128 + 48);
    if (raw && len == 128 + 48) {
        CU_ASSERT(memcmp(raw, expected_hdr_2x3, 128) == 0);
        CU_ASSERT(memcmp(raw + 128, v, 48) == 0); /* x86_64: host order is LE */
    }
    free(raw);
    scratch_close(&s);
}

/* Header lengths numpy 1.24 writes for these shapes (computed with
 * numpy.lib.format._write_array_header).  They exercise the growth-axis
 * padding (21 - len(repr(shape[0])) spaces) and the case where the text is
 * already 64-aligned, where numpy still pads a full 64 bytes. */
static void test_header_lengths(void)
{
    static const struct {
        int ndim;
        size_t shape[8];
        size_t hdr;
        const char *shape_text;
    } cases[] = {
        {0, {0}, 128, "'shape': (), }"},
        {1, {5}, 128, "'shape': (5,), }"},
        {1, {0}, 128, "'shape': (0,), }"},
        {8, {0, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 192,
         "'shape': (0, 1000, 1000, 1000, 1000, 1000, 1000, 1000), }"},
        {4, {10000000000000000u, 0, 10000000000000000u, 10000000000000000u}, 192,
         "'shape': (10000000000000000, 0, 10000000000000000, 10000000000000000), }"},
        {6, {0, 1000000000000000000u, 1000000000000000000u, 1000000000000000000u,
             1000000000000000000u, 1000000000000000000u},
         256, NULL},
    };
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    double vals[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = sp(&s, "h.npy");
        size_t count = 1;
        for (int k = 0; k < cases[i].ndim; k++)
            count *= cases[i].shape[k]; /* each case has a 0 or is small */
        CU_ASSERT_EQUAL(gfl_npy_write(p, vals, cases[i].ndim, cases[i].shape), GFL_OK);
        size_t len;
        unsigned char *raw = slurp(p, &len);
        size_t data = 8 * count;
        CU_assertImplementation(raw && len == cases[i].hdr + data, __LINE__, "header length", __FILE__,
                                "", CU_FALSE);
        if (raw && len == cases[i].hdr + data) {
            CU_ASSERT_EQUAL(raw[cases[i].hdr - 1], '\n');
            CU_ASSERT_EQUAL(raw[8] + 256u * raw[9], cases[i].hdr - 10);
            if (cases[i].shape_text) {
                char *h = calloc(1, len + 1);
                memcpy(h, raw, len);
                CU_ASSERT_PTR_NOT_NULL(strstr(h + 10, cases[i].shape_text));
                free(h);
            }
        }
        free(raw);
        double *r = NULL;
        int nd;
        size_t shp[8];
        CU_ASSERT_EQUAL(gfl_npy_read(p, &r, &nd, shp), GFL_OK);
        CU_ASSERT(r && nd == cases[i].ndim && memcmp(shp, cases[i].shape, (size_t)nd * sizeof *shp) == 0);
        free(r);
    }
    scratch_close(&s);
}

/* ---- streaming ------------------------------------------------------------ */

static void test_stream_equals_oneshot(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    size_t shape[3] = {3, 4, 5};
    double v[60];
    fill_specials(v, 60);
    char a[4096];
    snprintf(a, sizeof a, "%s", sp(&s, "one.npy"));
    CU_ASSERT_EQUAL(gfl_npy_write(a, v, 3, shape), GFL_OK);

    const char *b = sp(&s, "stream.npy");
    gfl_npy_stream *st = NULL;
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&st, b, 3, shape), GFL_OK);
    CU_ASSERT_PTR_NOT_NULL(st);
    if (st) {
        static const size_t chunks[] = {0, 1, 7, 13, 0, 39};
        size_t off = 0;
        for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
            CU_ASSERT_EQUAL(gfl_npy_stream_write(st, v + off, chunks[i]), GFL_OK);
            off += chunks[i];
            /* not visible under its name before close */
            CU_ASSERT_FALSE(exists(b));
        }
        CU_ASSERT_EQUAL(gfl_npy_stream_close(st), GFL_OK);
    }
    size_t la, lb;
    unsigned char *ra = slurp(a, &la), *rb = slurp(b, &lb);
    CU_ASSERT(ra && rb && la == lb && la == 128 + 480 && memcmp(ra, rb, la) == 0);
    CU_ASSERT(mode_is(b, 0644));
    free(ra);
    free(rb);
    CU_ASSERT_EQUAL(dir_count(s.root), 2);
    scratch_close(&s);
}

static void test_stream_too_few(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    size_t shape[2] = {2, 3};
    double v[6] = {0};
    const char *p = sp(&s, "few.npy");
    gfl_npy_stream *st = NULL;
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&st, p, 2, shape), GFL_OK);
    if (st) {
        CU_ASSERT_EQUAL(gfl_npy_stream_write(st, v, 5), GFL_OK);
        gfl_error_clear();
        gfl_status rc = gfl_npy_stream_close(st);
        CU_ASSERT_NOT_EQUAL(rc, GFL_OK);
        CU_ASSERT_EQUAL(rc, GFL_EINTERNAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), "5 of 6"));
    }
    CU_ASSERT_FALSE(exists(p));
    CU_ASSERT_EQUAL(dir_count(s.root), 0);
    scratch_close(&s);
}

static void test_stream_too_many(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    size_t shape[1] = {4};
    double v[8] = {0};
    const char *p = sp(&s, "many.npy");
    gfl_npy_stream *st = NULL;
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&st, p, 1, shape), GFL_OK);
    if (st) {
        CU_ASSERT_EQUAL(gfl_npy_stream_write(st, v, 3), GFL_OK);
        gfl_error_clear();
        CU_ASSERT_EQUAL(gfl_npy_stream_write(st, v, 2), GFL_EINTERNAL);
        CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
        /* the stream stays failed: neither a fitting write nor close succeeds */
        CU_ASSERT_NOT_EQUAL(gfl_npy_stream_write(st, v, 1), GFL_OK);
        CU_ASSERT_NOT_EQUAL(gfl_npy_stream_close(st), GFL_OK);
    }
    CU_ASSERT_FALSE(exists(p));
    CU_ASSERT_EQUAL(dir_count(s.root), 0);
    scratch_close(&s);
}

static void test_stream_abort_and_bad_dir(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    size_t shape[1] = {2};
    double v[2] = {1, 2};
    const char *p = sp(&s, "ab.npy");
    gfl_npy_stream *st = NULL;
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&st, p, 1, shape), GFL_OK);
    if (st) {
        CU_ASSERT_EQUAL(gfl_npy_stream_write(st, v, 2), GFL_OK);
        CU_ASSERT_EQUAL(dir_count(s.root), 1); /* the temporary */
        gfl_npy_stream_abort(st);
    }
    CU_ASSERT_EQUAL(dir_count(s.root), 0);

    st = (gfl_npy_stream *)&st; /* must be reset to NULL on failure */
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_stream_open(&st, sp(&s, "missing/x.npy"), 1, shape), GFL_EIO);
    CU_ASSERT_PTR_NULL(st);
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
    CU_ASSERT_EQUAL(dir_count(s.root), 0);
    scratch_close(&s);
}

/* ---- malformed files ------------------------------------------------------ */

/* A .npy image with the given version and dict text, padded as numpy does, and
 * ndata zero bytes of data.  Returns its length. */
static size_t build(unsigned char *out, int major, int minor, const char *dict, size_t ndata)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t dl = strlen(dict);
    size_t hlen = dl + 1;
    hlen += (64 - (pre + hlen) % 64) % 64;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major;
    out[7] = (unsigned char)minor;
    for (size_t k = 0; k < pre - 8; k++)
        out[8 + k] = (unsigned char)(hlen >> (8 * k));
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', hlen - dl - 1);
    out[pre + hlen - 1] = '\n';
    memset(out + pre + hlen, 0, ndata);
    return pre + hlen + ndata;
}

#define D23 "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"

static void expect_invalid(scratch *s, const char *name, const void *img, size_t len,
                           const char *must_contain)
{
    const char *p = sp(s, "bad.npy");
    int ok = spit(p, img, len);
    double *r = (double *)&ok; /* must be reset to NULL */
    int nd;
    size_t shp[8];
    gfl_error_clear();
    gfl_status st = gfl_npy_read(p, &r, &nd, shp);
    const char *msg = gfl_error_message();
    int good = ok && st == GFL_EINVAL && r == NULL && msg[0] != '\0' && strstr(msg, p) != NULL &&
               strchr(msg, '\n') == NULL && (!must_contain || strstr(msg, must_contain) != NULL);
    if (!good)
        fprintf(stderr, "\n  case %s: status %d, message \"%s\"\n", name, (int)st, msg);
    CU_assertImplementation(good ? CU_TRUE : CU_FALSE, __LINE__, name, __FILE__, "", CU_FALSE);
    if (st == GFL_OK)
        free(r);
}

static void expect_dict_invalid(scratch *s, const char *name, const char *dict, size_t ndata,
                                const char *must_contain)
{
    unsigned char img[1024];
    size_t n = build(img, 1, 0, dict, ndata);
    expect_invalid(s, name, img, n, must_contain);
}

static void test_read_malformed(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    unsigned char img[1024];
    size_t n;

    /* magic and version */
    expect_invalid(&s, "empty file", "", 0, "magic");
    expect_invalid(&s, "short magic", "\x93NUM", 4, "magic");
    n = build(img, 1, 0, D23, 48);
    img[5] = 'X';
    expect_invalid(&s, "bad magic", img, n, "magic");
    n = build(img, 1, 0, D23, 48);
    expect_invalid(&s, "magic only", img, 7, NULL);
    expect_invalid(&s, "no header length", img, 9, "truncated");
    n = build(img, 1, 0, D23, 48);
    img[7] = 1;
    expect_invalid(&s, "version 1.1", img, n, "version 1.1");
    n = build(img, 2, 0, D23, 48);
    img[6] = 4;
    expect_invalid(&s, "version 4.0", img, n, "version 4.0");
    n = build(img, 1, 0, D23, 48);
    img[6] = 0;
    expect_invalid(&s, "version 0.0", img, n, "version 0.0");

    /* header length and termination */
    n = build(img, 1, 0, D23, 48);
    img[8] = 0xff;
    img[9] = 0xff;
    expect_invalid(&s, "header longer than file", img, n, "truncated");
    n = build(img, 1, 0, D23, 48);
    img[8] = 0;
    img[9] = 0;
    expect_invalid(&s, "header length 0", img, n, NULL);
    n = build(img, 2, 0, D23, 48);
    img[11] = 0x7f;
    expect_invalid(&s, "v2 huge header length", img, n, "too large");
    n = build(img, 1, 0, D23, 48);
    img[127] = ' ';
    expect_invalid(&s, "header without newline", img, n, "newline");
    n = build(img, 1, 0, D23, 48);
    img[20] = '\0';
    expect_invalid(&s, "NUL in header", img, n, NULL);

    /* descr */
    expect_dict_invalid(&s, "descr >f8", "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", 48,
                        "'>f8'");
    expect_dict_invalid(&s, "descr <f4", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24,
                        "'<f4'");
    expect_dict_invalid(&s, "descr <i8", "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", 48,
                        "'<i8'");
    expect_dict_invalid(&s, "descr structured",
                        "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 3), }", 48,
                        "structured");
    expect_dict_invalid(&s, "descr unterminated", "{'descr': '<f8, 'fortran_order': False, 'shape': (2, 3), }",
                        48, NULL);

    /* fortran_order */
    expect_dict_invalid(&s, "fortran_order True", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                        48, "fortran_order");
    expect_dict_invalid(&s, "fortran_order 0", "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", 48,
                        NULL);
    expect_dict_invalid(&s, "fortran_order Falsey",
                        "{'descr': '<f8', 'fortran_order': Falsey, 'shape': (2, 3), }", 48, NULL);

    /* shape */
    static const struct {
        const char *name;
        const char *dict;
    } shapes[] = {
        {"shape unterminated", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, }"},
        {"shape (5)", "{'descr': '<f8', 'fortran_order': False, 'shape': (5), }"},
        {"shape negative", "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"},
        {"shape no comma", "{'descr': '<f8', 'fortran_order': False, 'shape': (2 3), }"},
        {"shape letters", "{'descr': '<f8', 'fortran_order': False, 'shape': (a,), }"},
        {"shape list", "{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3], }"},
        {"shape (,)", "{'descr': '<f8', 'fortran_order': False, 'shape': (,), }"},
        {"shape (2,,)", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,,), }"},
        {"shape float", "{'descr': '<f8', 'fortran_order': False, 'shape': (2.0, 3), }"},
        {"shape leading zero", "{'descr': '<f8', 'fortran_order': False, 'shape': (02, 3), }"},
        {"shape int", "{'descr': '<f8', 'fortran_order': False, 'shape': 6, }"},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        expect_dict_invalid(&s, shapes[i].name, shapes[i].dict, 48, "shape");
    expect_dict_invalid(&s, "ndim 9",
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", 8,
                        "9 dimensions");
    expect_dict_invalid(&s, "size overflow",
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0,
                        "overflow");
    expect_dict_invalid(&s, "size overflow x8",
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", 0,
                        "overflow");
    expect_dict_invalid(&s, "huge shape entry",
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 0,
                        "overflow");

    /* dictionary structure */
    expect_dict_invalid(&s, "missing shape", "{'descr': '<f8', 'fortran_order': False, }", 8, "'shape'");
    expect_dict_invalid(&s, "missing descr", "{'fortran_order': False, 'shape': (2, 3), }", 48, "'descr'");
    expect_dict_invalid(&s, "duplicate key",
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'shape': (2, 3), }", 48,
                        "duplicate");
    expect_dict_invalid(&s, "unknown key",
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }", 48,
                        "'extra'");
    expect_dict_invalid(&s, "not a dict", "'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)", 48, NULL);
    expect_dict_invalid(&s, "text after dict", D23 " x", 48, NULL);
    expect_dict_invalid(&s, "missing colon", "{'descr' '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48,
                        NULL);
    expect_dict_invalid(&s, "missing comma", "{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3), }", 48,
                        NULL);

    /* data size */
    expect_dict_invalid(&s, "truncated data", D23, 40, "expected 48 bytes of data, found 40");
    expect_dict_invalid(&s, "no data", D23, 0, "expected 48 bytes of data, found 0");
    expect_dict_invalid(&s, "trailing garbage", D23, 49, "trailing");
    expect_dict_invalid(&s, "0-d without data", "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 0,
                        "expected 8 bytes");

    /* unreadable */
    double *r = (double *)&n;
    int nd;
    size_t shp[8];
    const char *p = sp(&s, "does-not-exist.npy");
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_read(p, &r, &nd, shp), GFL_EINVAL);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), "cannot read"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), p));
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_read(s.root, &r, &nd, shp), GFL_EINVAL); /* a directory */
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
    CU_ASSERT_PTR_NULL(r);
    scratch_close(&s);
}

/* Variants Python's literal_eval (and so numpy.load) accepts. */
static void test_read_accepts_variants(void)
{
    static const struct {
        int major;
        const char *dict;
    } ok[] = {
        {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"},
        {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"},
        {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"},
        {1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}"},
        {1, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,3,)}"},
        {1, "{ 'descr' : '<f8' ,\t'fortran_order' : False , 'shape' : ( 2 , 3 ) }"},
    };
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        unsigned char img[1024];
        size_t n = build(img, ok[i].major, 0, ok[i].dict, 48);
        size_t off = n - 48;
        for (int k = 0; k < 6; k++) {
            double v = k + 0.5;
            memcpy(img + off + 8 * (size_t)k, &v, 8);
        }
        const char *p = sp(&s, "ok.npy");
        CU_ASSERT(spit(p, img, n));
        double *r = NULL;
        int nd = 0;
        size_t shp[8] = {0};
        gfl_error_clear();
        gfl_status st = gfl_npy_read(p, &r, &nd, shp);
        if (st != GFL_OK)
            fprintf(stderr, "\n  variant %zu: %s\n", i, gfl_error_message());
        CU_ASSERT_EQUAL(st, GFL_OK);
        CU_ASSERT(r && nd == 2 && shp[0] == 2 && shp[1] == 3 && r[0] == 0.5 && r[5] == 5.5);
        free(r);
    }
    scratch_close(&s);
}

/* Arbitrary bytes never crash the reader: every truncation of a valid file is
 * rejected, and random corruptions are either rejected or read consistently. */
static void test_read_fuzz(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    unsigned char img[1024], mut[1024];
    size_t n = build(img, 1, 0, D23, 48);
    const char *p = sp(&s, "fz.npy");
    int bad = 0;
    double *r;
    int nd;
    size_t shp[8];

    for (size_t k = 0; k < n; k++) {
        spit(p, img, k);
        r = NULL;
        gfl_error_clear();
        if (gfl_npy_read(p, &r, &nd, shp) != GFL_EINVAL || r || !gfl_error_message()[0])
            bad++;
        free(r);
    }
    CU_ASSERT_EQUAL(bad, 0);

    uint64_t x = UINT64_C(0x243f6a8885a308d3);
    int accepted = 0, rejected = 0;
    bad = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(mut, img, n);
        size_t len = n;
        int nflip = 1 + (int)(x % 4);
        for (int j = 0; j < nflip; j++) {
            x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
            /* mostly the header, where the parser is; a third only data */
            size_t lo = it % 3 == 2 ? 128 : 0, hi = it % 3 == 1 ? n : 128 + (it % 3 == 2) * 48;
            size_t pos = lo + (size_t)(x >> 33) % (hi - lo);
            mut[pos] = (unsigned char)(x >> 20);
        }
        if (it % 5 == 0) {
            x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
            len = (size_t)(x >> 33) % (sizeof mut + 1);
            for (size_t j = n; j < len; j++)
                mut[j] = (unsigned char)(j * 31u);
        }
        spit(p, mut, len);
        r = NULL;
        nd = -1;
        gfl_error_clear();
        gfl_status st = gfl_npy_read(p, &r, &nd, shp);
        if (st == GFL_OK) {
            accepted++;
            if (!r || nd < 0 || nd > 8)
                bad++;
        } else {
            rejected++;
            if (st != GFL_EINVAL || r || !gfl_error_message()[0])
                bad++;
        }
        free(r);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(rejected > 1000); /* the corruptions do reach the validation */
    CU_ASSERT(accepted > 0);    /* ... and data-only corruptions still read */
    scratch_close(&s);
}

/* ---- gfl_io --------------------------------------------------------------- */

static gfl_status write_hello(FILE *f, void *ctx)
{
    fputs((const char *)ctx, f);
    return GFL_OK;
}

static gfl_status write_then_fail(FILE *f, void *ctx)
{
    (void)ctx;
    fputs("partial", f);
    GFL_ERROR(GFL_ECHECK, "writer gave up");
}

static void test_io_atomic_missing_dir(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    const char *p = sp(&s, "nodir/x.npy");
    double v[1] = {1};
    size_t shape[1] = {1};
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_npy_write(p, v, 1, shape), GFL_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), "cannot write"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), p));
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_write_atomic(p, write_hello, "hi"), GFL_EIO);
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
    CU_ASSERT_FALSE(exists(sp(&s, "nodir")));
    CU_ASSERT_EQUAL(dir_count(s.root), 0);
    scratch_close(&s);
}

static void test_io_atomic_replace(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    const char *p = sp(&s, "f.txt");
    CU_ASSERT(spit(p, "old content", 11));
    /* fchmod sets 0644 whatever the umask (mkstemp alone would give 0600) */
    mode_t old = umask(077);
    CU_ASSERT_EQUAL(gfl_io_write_atomic(p, write_hello, "new"), GFL_OK);
    umask(old);
    size_t len;
    unsigned char *b = slurp(p, &len);
    CU_ASSERT(b && len == 3 && memcmp(b, "new", 3) == 0);
    free(b);
    CU_ASSERT(mode_is(p, 0644));

    /* a failing writer: its status passes through, the old file is intact */
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_write_atomic(p, write_then_fail, NULL), GFL_ECHECK);
    CU_ASSERT_STRING_EQUAL(gfl_error_message(), "writer gave up");
    b = slurp(p, &len);
    CU_ASSERT(b && len == 3 && memcmp(b, "new", 3) == 0);
    free(b);
    CU_ASSERT_EQUAL(dir_count(s.root), 1);

    /* a directory in the way: rename fails, the temporary is removed */
    CU_ASSERT_EQUAL(mkdir(sp(&s, "d"), 0755), 0);
    CU_ASSERT_EQUAL(spit(sp(&s, "d/x"), "x", 1), 1);
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_write_atomic(sp(&s, "d"), write_hello, "x"), GFL_EIO);
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
    CU_ASSERT_EQUAL(dir_count(s.root), 2);
    CU_ASSERT_EQUAL(dir_count(sp(&s, "d")), 1);
    scratch_close(&s);
}

static void test_io_dir_refuses(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    char tmp[4096], dir[4096];
    snprintf(dir, sizeof dir, "%s", sp(&s, "out"));
    CU_ASSERT_EQUAL(mkdir(dir, 0755), 0);
    CU_ASSERT(spit(sp(&s, "out/keep"), "k", 1));
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_begin(dir, tmp, sizeof tmp), GFL_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), "refusing to overwrite non-empty"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), dir));
    CU_ASSERT_EQUAL(dir_count(s.root), 1); /* no temporary created */
    CU_ASSERT_EQUAL(dir_count(dir), 1);

    CU_ASSERT(spit(sp(&s, "file"), "f", 1));
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_begin(s.path, tmp, sizeof tmp), GFL_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(gfl_error_message(), "is not a directory"));

    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_begin(sp(&s, "no/such"), tmp, sizeof tmp), GFL_EIO);
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");

    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_begin(sp(&s, "fresh"), tmp, 8), GFL_EINVAL); /* buffer too small */
    CU_ASSERT_EQUAL(dir_count(s.root), 2);
    scratch_close(&s);
}

static void test_io_dir_commit(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    char tmp[4200], dir[4200], f[4200];
    snprintf(dir, sizeof dir, "%s", sp(&s, "run"));
    CU_ASSERT_EQUAL(gfl_io_dir_begin(dir, tmp, sizeof tmp), GFL_OK);
    CU_ASSERT_EQUAL(strncmp(tmp, dir, strlen(dir)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(tmp, ".tmp"));
    CU_ASSERT_FALSE(exists(dir));
    double v[3] = {1, 2, 3};
    size_t shape[1] = {3};
    CU_ASSERT_EQUAL(gfl_io_join(f, sizeof f, tmp, "w.npy"), GFL_OK);
    CU_ASSERT_EQUAL(gfl_npy_write(f, v, 1, shape), GFL_OK);
    CU_ASSERT_EQUAL(gfl_io_dir_commit(tmp, dir), GFL_OK);
    CU_ASSERT(mode_is(dir, 0755));
    CU_ASSERT_FALSE(exists(tmp));
    CU_ASSERT_EQUAL(dir_count(s.root), 1);
    CU_ASSERT_EQUAL(gfl_io_join(f, sizeof f, dir, "w.npy"), GFL_OK);
    double *r = NULL;
    int nd;
    size_t shp[8];
    CU_ASSERT_EQUAL(gfl_npy_read(f, &r, &nd, shp), GFL_OK);
    CU_ASSERT(r && nd == 1 && shp[0] == 3 && r[2] == 3.0);
    free(r);

    /* an existing empty directory is replaced; a trailing '/' still gives a
     * sibling temporary */
    snprintf(dir, sizeof dir, "%s/", sp(&s, "empty"));
    CU_ASSERT_EQUAL(mkdir(dir, 0700), 0);
    CU_ASSERT_EQUAL(gfl_io_dir_begin(dir, tmp, sizeof tmp), GFL_OK);
    CU_ASSERT_PTR_NULL(strstr(tmp, "empty/"));
    CU_ASSERT_EQUAL(gfl_io_join(f, sizeof f, tmp, "a"), GFL_OK);
    CU_ASSERT(spit(f, "a", 1));
    CU_ASSERT_EQUAL(gfl_io_dir_commit(tmp, dir), GFL_OK);
    CU_ASSERT_EQUAL(dir_count(sp(&s, "empty")), 1);
    CU_ASSERT(mode_is(s.path, 0755));
    scratch_close(&s);
}

static void test_io_dir_abort(void)
{
    scratch s;
    scratch_open(&s);
    if (!s.ok)
        return;
    char tmp[4200], dir[4200], f[4200];
    snprintf(dir, sizeof dir, "%s", sp(&s, "out"));
    CU_ASSERT_EQUAL(gfl_io_dir_begin(dir, tmp, sizeof tmp), GFL_OK);
    CU_ASSERT_EQUAL(gfl_io_join(f, sizeof f, tmp, "a"), GFL_OK);
    CU_ASSERT(spit(f, "a", 1));
    CU_ASSERT_EQUAL(dir_count(s.root), 1);
    /* dir gained an entry meanwhile: commit must not clobber it */
    CU_ASSERT_EQUAL(mkdir(dir, 0755), 0);
    CU_ASSERT(spit(sp(&s, "out/other"), "o", 1));
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_dir_commit(tmp, dir), GFL_EIO);
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
    CU_ASSERT(exists(sp(&s, "out/other")));
    gfl_io_dir_abort(tmp);
    CU_ASSERT_FALSE(exists(tmp));
    CU_ASSERT_EQUAL(dir_count(s.root), 1);
    scratch_close(&s);
}

static void test_io_join(void)
{
    char out[8];
    CU_ASSERT_EQUAL(gfl_io_join(out, sizeof out, "ab", "cd"), GFL_OK);
    CU_ASSERT_STRING_EQUAL(out, "ab/cd");
    CU_ASSERT_EQUAL(gfl_io_join(out, sizeof out, "ab/", "cd"), GFL_OK);
    CU_ASSERT_STRING_EQUAL(out, "ab/cd");
    CU_ASSERT_EQUAL(gfl_io_join(out, sizeof out, "abc", "def"), GFL_OK); /* 7 chars + NUL */
    gfl_error_clear();
    CU_ASSERT_EQUAL(gfl_io_join(out, sizeof out, "abcd", "def"), GFL_EINVAL);
    CU_ASSERT_STRING_NOT_EQUAL(gfl_error_message(), "");
    CU_ASSERT_STRING_EQUAL(out, "");
}

/* The seed corpus of the reader's fuzz target (tests/fuzz/corpus_npy/, made
 * by tests/fuzz/make_corpus_npy.py) is named by what the reader must do:
 * valid_* files are read, near_* files (one edit away) are rejected with one
 * line.  Keeps the corpus honest: a seed on the wrong side of a branch
 * would start the fuzzer away from it.  The suites run from the top directory. */
#define CORPUS_NPY "tests/fuzz/corpus_npy"

static void test_read_fuzz_corpus(void)
{
    DIR *d = opendir(CORPUS_NPY);
    CHECK(d != NULL, "cannot open %s (run the suites from the top directory)", CORPUS_NPY);
    if (!d)
        return;
    int valid = 0, near = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int is_valid = strncmp(e->d_name, "valid_", 6) == 0, is_near = strncmp(e->d_name, "near_", 5) == 0;
        if (!is_valid && !is_near)
            continue;
        char path[512];
        double *data = NULL;
        int ndim = -1;
        size_t shape[GFL_NPY_MAX_NDIM];
        snprintf(path, sizeof path, "%s/%s", CORPUS_NPY, e->d_name);
        gfl_error_clear();
        gfl_status st = gfl_npy_read(path, &data, &ndim, shape);
        if (is_valid) {
            valid++;
            CHECK(st == GFL_OK && data != NULL, "%s: not read: %s", path, gfl_error_message());
        } else {
            near++;
            CHECK(st == GFL_EINVAL && data == NULL, "%s: not rejected (status %d)", path, (int)st);
            CHECK(strchr(gfl_error_message(), '\n') == NULL && gfl_error_message()[0] != '\0',
                  "%s: message is not one line: '%s'", path, gfl_error_message());
        }
        free(data);
    }
    closedir(d);
    CHECK(valid >= 10 && near >= 10, "%s: %d valid and %d near-valid files, expected at least 10 each",
          CORPUS_NPY, valid, near);
}

void t_npy_register(void)
{
    CU_pSuite s = CU_add_suite("npy", NULL, NULL);
    if (!s)
        return;
    CU_add_test(s, "round trip 0-d", test_roundtrip_0d);
    CU_add_test(s, "round trip 1-d with special values", test_roundtrip_1d);
    CU_add_test(s, "round trip 3-d", test_roundtrip_3d);
    CU_add_test(s, "round trip 8-d", test_roundtrip_8d);
    CU_add_test(s, "round trip empty arrays", test_roundtrip_empty);
    CU_add_test(s, "header (2, 3) byte-identical to numpy", test_header_2x3_exact);
    CU_add_test(s, "header lengths match numpy", test_header_lengths);
    CU_add_test(s, "stream equals one-shot", test_stream_equals_oneshot);
    CU_add_test(s, "stream close with too few values", test_stream_too_few);
    CU_add_test(s, "stream write with too many values", test_stream_too_many);
    CU_add_test(s, "stream abort, stream into missing dir", test_stream_abort_and_bad_dir);
    CU_add_test(s, "read rejects malformed files", test_read_malformed);
    CU_add_test(s, "read accepts literal variants", test_read_accepts_variants);
    CU_add_test(s, "read survives corrupt bytes", test_read_fuzz);
    CU_add_test(s, "read the fuzz seed corpus as named", test_read_fuzz_corpus);
    CU_add_test(s, "atomic write into missing dir", test_io_atomic_missing_dir);
    CU_add_test(s, "atomic write replaces, keeps old on failure", test_io_atomic_replace);
    CU_add_test(s, "dir begin refuses", test_io_dir_refuses);
    CU_add_test(s, "dir begin + commit", test_io_dir_commit);
    CU_add_test(s, "dir commit race + abort", test_io_dir_abort);
    CU_add_test(s, "join", test_io_join);
}
