#include "gfl_npy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_io.h"

/* SPEC 10: the .npy layout (numpy/lib/format.py, NEP 1):
 *   "\x93NUMPY", major, minor, header length (uint16 LE for 1.0, uint32 LE
 *   for 2.0/3.0), then an ASCII Python dict literal padded with spaces and
 *   ended by '\n' so that the data starts at a multiple of 64 bytes. */
#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
/* numpy >= 1.23 leaves room to grow the first axis in place: it appends
 * 21 - len(repr(shape[0])) spaces after the dict (GROWTH_AXIS_MAX_DIGITS). */
#define NPY_GROWTH_DIGITS 21
#define NPY_HEADER_CAP 512            /* our own headers: at most ~330 bytes */
#define NPY_READ_HEADER_MAX (1u << 20) /* numpy itself refuses > 10000 by default */
#define NPY_READ_CHUNK ((size_t)1 << 20)

_Static_assert(sizeof(double) == 8 && sizeof(uint64_t) == 8, "float64 must be 8 bytes");

/* ---- byte order ---------------------------------------------------------- */

/* The data are stored little-endian whatever the host; on a little-endian
 * host (x86_64) the bytes go straight through, otherwise they are swapped. */
static int npy_host_le(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* LCOV_EXCL_START: the byte swap of big-endian hosts never runs on a little-endian one */
static void npy_encode(unsigned char *out, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)(u >> (8 * k));
}

static double npy_decode(const unsigned char *in)
{
    uint64_t u = 0;
    for (int k = 0; k < 8; k++)
        u |= (uint64_t)in[k] << (8 * k);
    double v;
    memcpy(&v, &u, 8);
    return v;
}
/* LCOV_EXCL_STOP */

/* ---- writing ------------------------------------------------------------- */

/* Number of values of an array of this shape; GFL_EINTERNAL (a caller bug)
 * for an unsupported ndim or a byte size that does not fit in size_t. */
static gfl_status npy_count(const char *path, int ndim, const size_t *shape, size_t *count)
{
    if (ndim < 0 || ndim > GFL_NPY_MAX_NDIM)
        GFL_ERROR(GFL_EINTERNAL, "'%s': cannot write a .npy array of %d dimensions (0..%d)",
                  path, ndim, GFL_NPY_MAX_NDIM);
    if (ndim > 0 && !shape)
        GFL_ERROR(GFL_EINTERNAL, "'%s': no shape given for a %d-d array", path, ndim);
    size_t n = 1;
    int zero = 0;
    for (int i = 0; i < ndim; i++)
        zero |= shape[i] == 0;
    for (int i = 0; i < ndim && !zero; i++) {
        if (n > SIZE_MAX / 8 / shape[i])
            GFL_ERROR(GFL_EINTERNAL, "'%s': array size overflows", path);
        n *= shape[i];
    }
    *count = zero ? 0 : n;
    return GFL_OK;
}

/* Builds the full header (magic to '\n') exactly as numpy.save writes it, e.g.
 * {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } ; returns its
 * length, a multiple of 64. */
static size_t npy_header(unsigned char *buf, int ndim, const size_t *shape)
{
    char dict[NPY_HEADER_CAP];
    size_t n = 0;
    n += (size_t)snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < ndim; i++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, i ? ", %zu" : "%zu", shape[i]);
    /* Python's repr of a 1-tuple keeps the comma: (5,) */
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", ndim == 1 ? "," : "");
    if (ndim > 0) {
        char d0[32];
        size_t digits = (size_t)snprintf(d0, sizeof d0, "%zu", shape[0]);
        memset(dict + n, ' ', NPY_GROWTH_DIGITS - digits);
        n += NPY_GROWTH_DIGITS - digits;
    }
    /* numpy's _wrap_header: padlen = 64 - (10 + hlen) % 64, which is 64 (not
     * 0) when already aligned; hlen counts the final '\n'. */
    size_t hlen = n + 1;
    size_t pad = NPY_ALIGN - (NPY_MAGIC_LEN + 2 + 2 + hlen) % NPY_ALIGN;
    size_t total = hlen + pad;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (unsigned char)(total & 0xff);
    buf[9] = (unsigned char)(total >> 8);
    memcpy(buf + 10, dict, n);
    memset(buf + 10 + n, ' ', pad);
    buf[10 + n + pad] = '\n';
    return 10 + total;
}

static gfl_status npy_put_header(FILE *f, const char *path, int ndim, const size_t *shape)
{
    unsigned char hdr[NPY_HEADER_CAP];
    size_t n = npy_header(hdr, ndim, shape);
    /* LCOV_EXCL_START: the header (< 512 bytes) goes into the empty stdio buffer of a file just
     * opened; a write error shows at the data or at commit (both tested) */
    if (fwrite(hdr, 1, n, f) != n)
        GFL_ERROR(GFL_EIO, "cannot write '%s': %s", path, strerror(errno));
    /* LCOV_EXCL_STOP */
    return GFL_OK;
}

static gfl_status npy_put_data(FILE *f, const char *path, const double *data, size_t count)
{
    if (npy_host_le()) { /* LCOV_EXCL_BR_LINE: little-endian host */
        if (count > 0 && fwrite(data, 8, count, f) != count)
            GFL_ERROR(GFL_EIO, "cannot write '%s': %s", path, strerror(errno));
        return GFL_OK;
    }
    /* LCOV_EXCL_START: big-endian hosts only */
    unsigned char buf[8 * 512];
    while (count > 0) {
        size_t k = count < 512 ? count : 512;
        for (size_t i = 0; i < k; i++)
            npy_encode(buf + 8 * i, data[i]);
        if (fwrite(buf, 8, k, f) != k)
            GFL_ERROR(GFL_EIO, "cannot write '%s': %s", path, strerror(errno));
        data += k;
        count -= k;
    }
    return GFL_OK;
    /* LCOV_EXCL_STOP */
}

typedef struct {
    const char *path;
    const double *data;
    size_t count;
    int ndim;
    const size_t *shape;
} npy_write_ctx;

static gfl_status npy_writer(FILE *f, void *ctx)
{
    const npy_write_ctx *c = ctx;
    GFL_TRY(npy_put_header(f, c->path, c->ndim, c->shape)); /* LCOV_EXCL_BR_LINE: see npy_put_header */
    return npy_put_data(f, c->path, c->data, c->count);
}

gfl_status gfl_npy_write(const char *path, const double *data, int ndim, const size_t *shape)
{
    npy_write_ctx c = {path, data, 0, ndim, shape};
    GFL_TRY(npy_count(path, ndim, shape, &c.count));
    if (c.count > 0 && !data)
        GFL_ERROR(GFL_EINTERNAL, "'%s': no data given", path);
    return gfl_io_write_atomic(path, npy_writer, &c);
}

struct gfl_npy_stream {
    gfl_io_atomic out;
    size_t expected;
    size_t written;
    gfl_status failed; /* first failure of a write, reported again by close */
};

gfl_status gfl_npy_stream_open(gfl_npy_stream **s, const char *path, int ndim, const size_t *shape)
{
    gfl_status st = GFL_OK;
    gfl_npy_stream *t = NULL;
    size_t count;

    *s = NULL;
    GFL_TRY(npy_count(path, ndim, shape, &count));
    t = calloc(1, sizeof *t);
    if (!t)
        GFL_ERROR(GFL_ENOMEM, "out of memory opening '%s'", path);
    t->expected = count;
    st = gfl_io_atomic_open(&t->out, path);
    if (st != GFL_OK)
        goto cleanup;
    st = npy_put_header(t->out.f, path, ndim, shape);
    if (st != GFL_OK)  /* LCOV_EXCL_BR_LINE: see npy_put_header */
        goto cleanup;  /* LCOV_EXCL_LINE: as above */
    *s = t;
    t = NULL;

cleanup:
    gfl_npy_stream_abort(t);
    return st;
}

gfl_status gfl_npy_stream_write(gfl_npy_stream *s, const double *data, size_t count)
{
    if (s->failed)
        return s->failed;
    if (count > s->expected - s->written) {
        GFL_SET_ERROR(s->failed, GFL_EINTERNAL, "'%s': %zu values written to an array of %zu",
                      s->out.path, s->written + count, s->expected);
        return s->failed;
    }
    if (count > 0 && !data) {
        GFL_SET_ERROR(s->failed, GFL_EINTERNAL, "'%s': no data given", s->out.path);
        return s->failed;
    }
    s->failed = npy_put_data(s->out.f, s->out.path, data, count);
    if (s->failed == GFL_OK)
        s->written += count;
    return s->failed;
}

gfl_status gfl_npy_stream_close(gfl_npy_stream *s)
{
    gfl_status st = GFL_OK;

    if (!s)
        GFL_ERROR(GFL_EINTERNAL, "gfl_npy_stream_close: no stream");
    if (s->failed) {
        /* The message of the failed write is normally still recorded. */
        GFL_SET_ERROR(st, s->failed, "'%s': not written after an earlier error", s->out.path);
        goto cleanup;
    }
    if (s->written != s->expected) {
        GFL_SET_ERROR(st, GFL_EINTERNAL, "'%s': stream closed after %zu of %zu values",
                      s->out.path, s->written, s->expected);
        goto cleanup;
    }
    st = gfl_io_atomic_commit(&s->out); /* releases s->out either way */

cleanup:
    gfl_npy_stream_abort(s);
    return st;
}

void gfl_npy_stream_abort(gfl_npy_stream *s)
{
    if (!s)
        return;
    gfl_io_atomic_abort(&s->out);
    free(s);
}

/* ---- reading ------------------------------------------------------------- */

/* Copies at most cap-1 bytes of s[0..n) for a one-line message, with
 * non-printable bytes shown as '?'. */
static const char *npy_show(char *out, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap; k++)
        out[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
    out[k] = '\0';
    return out;
}

/* A cursor over the header dict (not NUL-terminated: embedded NULs are just
 * unexpected characters). */
typedef struct {
    const char *p;
    const char *end;
    const char *path;
} npy_lex;

static int lx_is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void lx_ws(npy_lex *l)
{
    while (l->p < l->end && lx_is_ws(*l->p))
        l->p++;
}

static int lx_eat(npy_lex *l, char c)
{
    if (l->p < l->end && *l->p == c) {
        l->p++;
        return 1;
    }
    return 0;
}

static gfl_status lx_bad(const npy_lex *l, const char *what)
{
    GFL_ERROR(GFL_EINVAL, "'%s': malformed .npy header (%s)", l->path, what);
}

/* A Python string literal without escapes: '...' or "...". */
static gfl_status lx_string(npy_lex *l, const char **s, size_t *n)
{
    if (l->p >= l->end || (*l->p != '\'' && *l->p != '"'))
        return lx_bad(l, "expected a quoted string");
    char q = *l->p++;
    const char *b = l->p;
    while (l->p < l->end && *l->p != q) {
        if (*l->p == '\\' || *l->p == '\n')
            return lx_bad(l, "unsupported string literal");
        l->p++;
    }
    /* LCOV_EXCL_START: unreachable: the header is checked to end in '\n', which stops every
     * string above first ("unsupported string literal") */
    if (l->p >= l->end)
        return lx_bad(l, "unterminated string");
    /* LCOV_EXCL_STOP */
    *s = b;
    *n = (size_t)(l->p - b);
    l->p++;
    return GFL_OK;
}

static int lx_word(npy_lex *l, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, w, n) != 0)
        return 0;
    if (l->p + n < l->end) {
        char c = l->p[n];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
            return 0;
    }
    l->p += n;
    return 1;
}

/* A Python tuple of non-negative int literals: (), (5,), (2, 3), (2, 3,) */
static gfl_status lx_shape(npy_lex *l, int *ndim, size_t shape[GFL_NPY_MAX_NDIM])
{
    int nd = 0;
    if (!lx_eat(l, '('))
        return lx_bad(l, "shape is not a tuple");
    lx_ws(l);
    if (lx_eat(l, ')')) {
        *ndim = 0;
        return GFL_OK;
    }
    for (;;) {
        if (l->p >= l->end || *l->p < '0' || *l->p > '9')
            return lx_bad(l, "shape entries must be non-negative integers");
        if (*l->p == '0' && l->p + 1 < l->end && l->p[1] >= '0' && l->p[1] <= '9')
            return lx_bad(l, "leading zero in shape entry");
        size_t v = 0;
        while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
            size_t d = (size_t)(*l->p - '0');
            if (v > (SIZE_MAX - d) / 10)
                GFL_ERROR(GFL_EINVAL, "'%s': array size overflows (shape entry too large)", l->path);
            v = v * 10 + d;
            l->p++;
        }
        if (nd < GFL_NPY_MAX_NDIM)
            shape[nd] = v;
        if (nd < INT32_MAX)
            nd++;
        lx_ws(l);
        if (lx_eat(l, ',')) {
            lx_ws(l);
            if (lx_eat(l, ')'))
                break;
        } else if (lx_eat(l, ')')) {
            if (nd == 1) /* (5) is the int 5 in Python, not a tuple */
                return lx_bad(l, "shape is not a tuple");
            break;
        } else {
            return lx_bad(l, "expected ',' or ')' in shape");
        }
    }
    if (nd > GFL_NPY_MAX_NDIM)
        GFL_ERROR(GFL_EINVAL, "'%s': array has %d dimensions (at most %d supported)", l->path, nd,
                  GFL_NPY_MAX_NDIM);
    *ndim = nd;
    return GFL_OK;
}

/* Validates the header dict of hlen bytes (SPEC 10): exactly the keys descr
 * ('<f8'), fortran_order (False) and shape, then only whitespace, then '\n'. */
/* The dtypes gfl_npy_read_as_double accepts, by their descr. */
static const char *const npy_dtype_descr[] = {"<f8", "<f4", "<i8", "<i4"};

static gfl_status npy_parse_header(const char *path, const char *h, size_t hlen, unsigned accept,
                                   int *dtype, int *ndim, size_t shape[GFL_NPY_MAX_NDIM])
{
    npy_lex l = {h, h + hlen, path};
    int seen_descr = 0, seen_order = 0, seen_shape = 0;
    char show[48];

    if (hlen == 0 || h[hlen - 1] != '\n')
        GFL_ERROR(GFL_EINVAL, "'%s': malformed .npy header (not terminated by a newline)", path);
    lx_ws(&l);
    if (!lx_eat(&l, '{'))
        return lx_bad(&l, "not a dictionary");
    for (;;) {
        lx_ws(&l);
        if (lx_eat(&l, '}'))
            break;
        const char *k;
        size_t kn;
        GFL_TRY(lx_string(&l, &k, &kn));
        lx_ws(&l);
        if (!lx_eat(&l, ':'))
            return lx_bad(&l, "expected ':' after a key");
        lx_ws(&l);
        if (kn == 5 && memcmp(k, "descr", 5) == 0) {
            const char *v;
            size_t vn;
            if (seen_descr++)
                return lx_bad(&l, "duplicate key 'descr'");
            char want[64] = "only '<f8' is supported";
            if (accept != GFL_NPY_F8) {
                snprintf(want, sizeof want, "supported:");
                for (int q = 0; q < 4; q++)
                    if (accept & (1u << q))
                        snprintf(want + strlen(want), sizeof want - strlen(want), " '%s'", npy_dtype_descr[q]);
            }
            if (l.p < l.end && *l.p != '\'' && *l.p != '"')
                GFL_ERROR(GFL_EINVAL, "'%s': unsupported dtype (structured); %s", path, want);
            GFL_TRY(lx_string(&l, &v, &vn));
            *dtype = -1;
            for (int q = 0; q < 4; q++)
                if ((accept & (1u << q)) && vn == 3 && memcmp(v, npy_dtype_descr[q], 3) == 0)
                    *dtype = q;
            if (*dtype < 0)
                GFL_ERROR(GFL_EINVAL, "'%s': unsupported dtype '%s'; %s", path,
                          npy_show(show, sizeof show, v, vn), want);
        } else if (kn == 13 && memcmp(k, "fortran_order", 13) == 0) {
            if (seen_order++)
                return lx_bad(&l, "duplicate key 'fortran_order'");
            if (lx_word(&l, "True"))
                GFL_ERROR(GFL_EINVAL, "'%s': fortran_order is True; only C order is supported", path);
            if (!lx_word(&l, "False"))
                return lx_bad(&l, "fortran_order must be True or False");
        } else if (kn == 5 && memcmp(k, "shape", 5) == 0) {
            if (seen_shape++)
                return lx_bad(&l, "duplicate key 'shape'");
            GFL_TRY(lx_shape(&l, ndim, shape));
        } else {
            GFL_ERROR(GFL_EINVAL, "'%s': malformed .npy header (unexpected key '%s')", path,
                      npy_show(show, sizeof show, k, kn));
        }
        lx_ws(&l);
        if (lx_eat(&l, ','))
            continue;
        if (lx_eat(&l, '}'))
            break;
        return lx_bad(&l, "expected ',' or '}'");
    }
    lx_ws(&l);
    if (l.p != l.end)
        return lx_bad(&l, "unexpected text after the dictionary");
    if (!seen_descr)
        return lx_bad(&l, "missing key 'descr'");
    if (!seen_order)
        return lx_bad(&l, "missing key 'fortran_order'");
    if (!seen_shape)
        return lx_bad(&l, "missing key 'shape'");
    return GFL_OK;
}

/* Little-endian element k of a '<f4', '<i8' or '<i4' buffer, as a double
 * (exact for f4 and i4; i8 beyond 2^53 rounds, which callers range-check). */
static double npy_element(const unsigned char *buf, int dtype, size_t k)
{
    size_t w = dtype == 1 || dtype == 3 ? 4 : 8;
    uint64_t u = 0;
    for (size_t b = 0; b < w; b++)
        u |= (uint64_t)buf[w * k + b] << (8 * b);
    if (dtype == 1) {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, 4);
        return (double)f;
    }
    if (dtype == 3)
        return (double)(int32_t)(uint32_t)u;
    return (double)(int64_t)u;
}

static gfl_status npy_read_impl(const char *path, unsigned accept, double **data, int *ndim,
                                size_t shape[GFL_NPY_MAX_NDIM], int *dtype_out)
{
    gfl_status st = GFL_OK;
    FILE *f = NULL;
    char *hdr = NULL;
    unsigned char *buf = NULL;
    unsigned char pre[12];
    size_t got, hlen, lenbytes, need, have = 0, cap;
    int nd = 0, dtype = 0;
    size_t shp[GFL_NPY_MAX_NDIM] = {0}, esz;
    struct stat sb;

    *data = NULL;
    f = fopen(path, "rb");
    if (!f)
        GFL_ERROR(GFL_EINVAL, "cannot read '%s': %s", path, strerror(errno));

    got = fread(pre, 1, 8, f);
    if (got < 8 && ferror(f)) { /* e.g. EISDIR */
        GFL_SET_ERROR(st, GFL_EINVAL, "cannot read '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (got < NPY_MAGIC_LEN || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': not a .npy file (bad magic)", path);
        goto cleanup;
    }
    if (got < 8) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': truncated .npy header", path);
        goto cleanup;
    }
    /* 1.0: uint16 header length; 2.0 (long headers) and 3.0 (utf8 header)
     * use uint32.  Only ASCII ever parses below, which is fine for 3.0. */
    if (pre[6] == 1 && pre[7] == 0) {
        lenbytes = 2;
    } else if ((pre[6] == 2 || pre[6] == 3) && pre[7] == 0) {
        lenbytes = 4;
    } else {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': unsupported .npy format version %u.%u", path,
                      (unsigned)pre[6], (unsigned)pre[7]);
        goto cleanup;
    }
    if (fread(pre + 8, 1, lenbytes, f) != lenbytes) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': truncated .npy header", path);
        goto cleanup;
    }
    hlen = 0;
    for (size_t k = 0; k < lenbytes; k++)
        hlen |= (size_t)pre[8 + k] << (8 * k);
    if (hlen > NPY_READ_HEADER_MAX) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': .npy header length %zu is too large", path, hlen);
        goto cleanup;
    }
    hdr = malloc(hlen + 1);
    if (!hdr) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory reading '%s'", path);
        goto cleanup;
    }
    got = fread(hdr, 1, hlen, f);
    if (got != hlen) {
        if (ferror(f)) /* LCOV_EXCL_BR_LINE: a read error in mid-header: device errors only */
            GFL_SET_ERROR(st, GFL_EINVAL, "cannot read '%s': %s", path, /* LCOV_EXCL_LINE: as above */
                          strerror(errno));
        else
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': truncated .npy header (expected %zu bytes, found %zu)",
                          path, hlen, got);
        goto cleanup;
    }
    hdr[hlen] = '\0';
    st = npy_parse_header(path, hdr, hlen, accept, &dtype, &nd, shp);
    if (st != GFL_OK)
        goto cleanup;
    esz = dtype == 1 || dtype == 3 ? 4 : 8;

    need = 1;
    for (int i = 0; i < nd; i++) {
        if (shp[i] == 0) {
            need = 0;
            break;
        }
    }
    for (int i = 0; i < nd && need; i++) {
        if (need > SIZE_MAX / 8 / shp[i]) { /* 8: the doubles returned, whatever esz */
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': array size overflows", path);
            goto cleanup;
        }
        need *= shp[i];
    }
    need *= esz;

    /* For a regular file the size is known: reject truncation or trailing
     * bytes before allocating what a corrupt header claims. */
    cap = need < NPY_READ_CHUNK ? need : NPY_READ_CHUNK;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) {
        size_t off = NPY_MAGIC_LEN + 2 + lenbytes + hlen;
        size_t avail = (uintmax_t)sb.st_size > off ? (size_t)((uintmax_t)sb.st_size - off) : 0;
        if (avail < need) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': expected %zu bytes of data, found %zu", path, need,
                          avail);
            goto cleanup;
        }
        if (avail > need) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': %zu bytes of trailing data after the array", path,
                          avail - need);
            goto cleanup;
        }
        cap = need;
    }
    buf = malloc(cap ? cap : 8); /* never NULL on success, even when empty */
    if (!buf) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory reading '%s'", path);
        goto cleanup;
    }
    /* Grow as data actually arrive (pipes), so a lying header cannot make us
     * allocate more than the file holds plus one chunk. */
    while (have < need) {
        if (have == cap) {
            size_t ncap = need - cap < cap ? need : 2 * cap;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory reading '%s'", path);
                goto cleanup;
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + have, 1, cap - have, f);
        if (got == 0)
            break;
        have += got;
    }
    /* LCOV_EXCL_START: a read error after the header was read: device errors only */
    if (ferror(f)) {
        GFL_SET_ERROR(st, GFL_EINVAL, "cannot read '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    /* LCOV_EXCL_STOP */
    if (have < need) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': expected %zu bytes of data, found %zu", path, need, have);
        goto cleanup;
    }
    if (fgetc(f) != EOF) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': trailing data after the array", path);
        goto cleanup;
    }
    if (dtype != 0) {
        size_t count = need / esz;
        double *v = malloc(count ? count * sizeof(double) : 8);
        if (!v) {
            GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory reading '%s'", path);
            goto cleanup;
        }
        for (size_t k = 0; k < count; k++)
            v[k] = npy_element(buf, dtype, k);
        free(buf);
        buf = (unsigned char *)(void *)v;
        need = count * 8;
    }
    /* LCOV_EXCL_START: big-endian hosts only */
    if (dtype == 0 && !npy_host_le()) {
        for (size_t i = 0; i < need / 8; i++) {
            double v = npy_decode(buf + 8 * i);
            memcpy(buf + 8 * i, &v, 8);
        }
    }
    /* LCOV_EXCL_STOP */
    *data = (double *)(void *)buf; /* malloc'ed memory is aligned for double */
    buf = NULL;
    *ndim = nd;
    for (int i = 0; i < GFL_NPY_MAX_NDIM; i++)
        shape[i] = i < nd ? shp[i] : 0;
    if (dtype_out)
        *dtype_out = 1 << dtype;

cleanup:
    free(buf);
    free(hdr);
    if (f)
        fclose(f);
    return st;
}

gfl_status gfl_npy_read(const char *path, double **data, int *ndim, size_t shape[GFL_NPY_MAX_NDIM])
{
    return npy_read_impl(path, GFL_NPY_F8, data, ndim, shape, NULL);
}

gfl_status gfl_npy_read_as_double(const char *path, unsigned accept, double **data, int *ndim,
                                  size_t shape[GFL_NPY_MAX_NDIM], unsigned *dtype)
{
    int dt = 0;
    gfl_status st = npy_read_impl(path, accept & GFL_NPY_ANY, data, ndim, shape, &dt);
    if (st == GFL_OK && dtype)
        *dtype = (unsigned)dt;
    return st;
}
