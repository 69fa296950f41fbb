/* gfl_data_read: the table readers of gfl_data (CSV through libcsv and zlib,
 * .npy pairs through gfl_npy), the label mapping and the checks on the table.
 * Every failure is one line (GFL_EINVAL) naming the file and, for a row, its
 * line; nothing is kept from a failed read. */
#include "gfl_data.h"

#include <csv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "gfl_limits.h"
#include "gfl_npy.h"

#define MAXVALS 4096 /* distinct label values remembered (more: an error) */

typedef struct {
    char (*v)[GFL_LABEL_MAX];
    int n, cap;
} strset;

static int strset_find(const strset *s, const char *x)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return i;
    return -1;
}

static gfl_status strset_add(strset *s, const char *x)
{
    if (strset_find(s, x) >= 0)
        return GFL_OK;
    if (s->n == MAXVALS)
        GFL_ERROR(GFL_EINVAL, "more than %d distinct label values: is the label column right?", MAXVALS);
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        void *p = realloc(s->v, (size_t)cap * sizeof *s->v);
        if (!p)
            GFL_ERROR(GFL_ENOMEM, "out of memory for the label values");
        s->v = p;
        s->cap = cap;
    }
    snprintf(s->v[s->n++], GFL_LABEL_MAX, "%s", x);
    return GFL_OK;
}

/* Canonical text of a label: a number is written as its shortest round-trip
 * decimal (so "3", "3.0" and 3.0 in a .npy file are one label), other text
 * is kept as it is.  Labels longer than GFL_LABEL_MAX - 1 bytes are refused. */
static gfl_status canon_label(const char *s, size_t len, char out[GFL_LABEL_MAX])
{
    char buf[GFL_LABEL_MAX];
    if (len == 0)
        GFL_ERROR(GFL_EINVAL, "missing label");
    if (len >= GFL_LABEL_MAX)
        GFL_ERROR(GFL_EINVAL, "label '%.20s...' longer than %d bytes", s, GFL_LABEL_MAX - 1);
    memcpy(buf, s, len);
    buf[len] = 0;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)buf[k] < 0x20 || buf[k] == 0x7f) /* labels are echoed in messages and reports */
            GFL_ERROR(GFL_EINVAL, "label contains a control character");
    double v;
    if (gfl_parse_double(buf, &v) == GFL_OK) {
        gfl_format_double(out, GFL_LABEL_MAX, v == 0 ? 0.0 : v); /* -0 and 0 are one label */
        return GFL_OK;
    }
    gfl_error_clear();
    memcpy(out, buf, len + 1);
    return GFL_OK;
}

/* A comma list of labels into a set (canonical). */
static gfl_status parse_list(const char *list, const char *opt, strset *s)
{
    const char *p = list;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        char c[GFL_LABEL_MAX];
        if (canon_label(p, len, c) != GFL_OK) {
            gfl_error_clear();
            GFL_ERROR(GFL_EINVAL, "--%s: bad value list '%s'", opt, list);
        }
        GFL_TRY(strset_add(s, c));
        if (!q)
            break;
        p = q + 1;
        if (!*p)
            GFL_ERROR(GFL_EINVAL, "--%s: bad value list '%s'", opt, list);
    }
    return GFL_OK;
}

/* ---- growing storage, with the memory check of gfl_limits ---- */

typedef struct {
    double *X;
    char (*lab)[GFL_LABEL_MAX];
    size_t rows, cap;
    int d;
    gfl_limits_env env;
    const char *path;
} store;

static gfl_status store_row(store *s, const double *x, const char *label)
{
    if (s->rows == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        /* the table, its labels and the split's standardized copy */
        double need = (double)cap * (16.0 * s->d + GFL_LABEL_MAX + 16.0);
        char what[600];
        snprintf(what, sizeof what, "the data of '%s'", s->path);
        if (gfl_limits_fit(need, 0, &s->env, what) != GFL_OK) {
            char msg[800];
            snprintf(msg, sizeof msg, "%s", gfl_error_message());
            gfl_error_clear();
            GFL_ERROR(GFL_EINVAL, "file too large for memory: %s", msg);
        }
        double *X = realloc(s->X, cap * (size_t)(s->d ? s->d : 1) * sizeof(double));
        if (X)
            s->X = X;
        void *L = X ? realloc(s->lab, cap * sizeof *s->lab) : NULL;
        if (!L)
            GFL_ERROR(GFL_EINVAL, "file too large for memory: '%s' (%zu rows read)", s->path, s->rows);
        s->lab = L;
        s->cap = cap;
    }
    memcpy(s->X + s->rows * (size_t)s->d, x, (size_t)s->d * sizeof(double));
    memcpy(s->lab[s->rows], label, GFL_LABEL_MAX);
    s->rows++;
    return GFL_OK;
}

static void store_free(store *s)
{
    free(s->X);
    free(s->lab);
    memset(s, 0, sizeof *s);
}

/* ---- CSV ---- */

#define FIELD_MAX 128 /* longer fields are not numbers nor labels we keep */

typedef struct {
    char text[FIELD_MAX];
    size_t len;   /* the true length (may exceed FIELD_MAX - 1) */
    int null;     /* empty unquoted field */
} field;

typedef struct {
    const gfl_read_opts *o;
    store st;
    long line;          /* line being parsed (1-based) */
    int ncol;           /* columns, fixed by the first record (header or data); 0 = not yet */
    int label_col;      /* 0-based */
    field *f;           /* fields of the current record */
    int nf, fcap;
    double *row;
    char (*names)[GFL_LABEL_MAX];
    int header_pending;
    gfl_status err;
    char errmsg[700];
} csvctx;

#define CSV_FAIL(c, ...)                                                   \
    do {                                                                   \
        if ((c)->err == GFL_OK) {                                          \
            (c)->err = GFL_EINVAL;                                         \
            snprintf((c)->errmsg, sizeof (c)->errmsg, __VA_ARGS__);        \
        }                                                                  \
    } while (0)

static void on_field(void *s, size_t len, void *data)
{
    csvctx *c = data;
    if (c->err)
        return;
    if (c->nf == c->fcap) {
        int cap = c->fcap ? 2 * c->fcap : 64;
        if (cap > 1 << 20) {
            CSV_FAIL(c, "'%s' line %ld: more than %d fields", c->o->path, c->line, 1 << 20);
            return;
        }
        void *p = realloc(c->f, (size_t)cap * sizeof *c->f);
        if (!p) {
            CSV_FAIL(c, "file too large for memory: '%s' line %ld", c->o->path, c->line);
            return;
        }
        c->f = p;
        c->fcap = cap;
    }
    field *f = &c->f[c->nf++];
    f->null = s == NULL;
    f->len = s ? len : 0;
    size_t l = f->len < FIELD_MAX - 1 ? f->len : FIELD_MAX - 1;
    if (l)
        memcpy(f->text, s, l);
    f->text[l] = 0;
    if (s && memchr(s, 0, len))
        f->len = FIELD_MAX; /* a NUL byte: never a number nor a label */
}

static const char *colname(const csvctx *c, int j, char *buf, size_t len)
{
    if (c->names)
        snprintf(buf, len, "column %d ('%s')", j + 1, c->names[j]);
    else
        snprintf(buf, len, "column %d", j + 1);
    return buf;
}

/* Up to 40 printable bytes of a value, for a message. */
static void shown(const field *f, char *buf)
{
    size_t k = 0;
    for (; k < f->len && k < 40 && k < FIELD_MAX - 1; k++)
        buf[k] = (f->text[k] >= 0x20 && f->text[k] < 0x7f) ? f->text[k] : '?';
    strcpy(buf + k, f->len > 40 ? "..." : "");
}

/* The label column from --label, once the columns (and names) are known. */
static void find_label(csvctx *c)
{
    const char *lab = c->o->label ? c->o->label : "";
    c->label_col = c->ncol - 1;
    if (!lab[0])
        return;
    for (int j = 0; c->names && j < c->ncol; j++)
        if (strcmp(c->names[j], lab) == 0) {
            c->label_col = j;
            return;
        }
    long idx;
    if (gfl_parse_long(lab, &idx) == GFL_OK && idx >= 1 && idx <= c->ncol) {
        c->label_col = (int)idx - 1;
        return;
    }
    gfl_error_clear();
    CSV_FAIL(c, "'%s': --label '%s' is not a column %s(the file has %d)", c->o->path, lab,
             c->names ? "name or 1-based index " : "index ", c->ncol);
}

static void on_record(int term, void *data)
{
    csvctx *c = data;
    (void)term;
    int nf = c->nf;
    c->nf = 0;
    if (c->err)
        return;
    if (c->header_pending) {
        c->header_pending = 0;
        if (c->o->header == GFL_HEADER_SKIP)
            return;
        c->ncol = nf;
        c->names = calloc((size_t)nf, sizeof *c->names);
        if (!c->names) {
            CSV_FAIL(c, "file too large for memory: the header of '%s'", c->o->path);
            return;
        }
        for (int j = 0; j < nf; j++) {
            /* names longer than GFL_LABEL_MAX - 1 bytes are cut (only shown and matched) */
            size_t l = strlen(c->f[j].text);
            l = l < GFL_LABEL_MAX - 1 ? l : GFL_LABEL_MAX - 1;
            memcpy(c->names[j], c->f[j].text, l);
            c->names[j][l] = 0;
            for (size_t k = 0; k < l; k++) /* names are echoed in one-line messages */
                if ((unsigned char)c->names[j][k] < 0x20 || c->names[j][k] == 0x7f)
                    c->names[j][k] = '?';
        }
        find_label(c);
        return;
    }
    if (!c->ncol) {
        c->ncol = nf;
        find_label(c);
        if (c->err)
            return;
    }
    if (!c->row) {
        c->row = malloc((size_t)c->ncol * sizeof(double));
        c->st.d = c->ncol - 1;
        if (!c->row) {
            CSV_FAIL(c, "file too large for memory: '%s' has %d columns", c->o->path, c->ncol);
            return;
        }
    }
    if (nf != c->ncol) {
        CSV_FAIL(c, "'%s' line %ld: %d fields, expected %d", c->o->path, c->line, nf, c->ncol);
        return;
    }
    char where[GFL_LABEL_MAX + 32], val[48], label[GFL_LABEL_MAX];
    int d = 0;
    for (int j = 0; j < nf; j++) {
        const field *f = &c->f[j];
        if (j == c->label_col) {
            if (f->len >= FIELD_MAX || canon_label(f->text, f->len, label) != GFL_OK) {
                gfl_error_clear();
                CSV_FAIL(c, "'%s' line %ld, %s: %s", c->o->path, c->line, colname(c, j, where, sizeof where),
                         f->len ? "label too long, or with a control character" : "missing label");
                return;
            }
            continue;
        }
        if (f->null || f->len == 0) {
            CSV_FAIL(c, "'%s' line %ld, %s: missing value", c->o->path, c->line, colname(c, j, where, sizeof where));
            return;
        }
        if (f->len >= FIELD_MAX || gfl_parse_double(f->text, &c->row[d]) != GFL_OK) {
            gfl_error_clear();
            shown(f, val);
            CSV_FAIL(c, "'%s' line %ld, %s: '%s' is not a finite number", c->o->path, c->line,
                     colname(c, j, where, sizeof where), val);
            return;
        }
        d++;
    }
    if (store_row(&c->st, c->row, label) != GFL_OK) {
        CSV_FAIL(c, "%s", gfl_error_message());
        gfl_error_clear();
    }
}

/* Feeds bytes to libcsv one line at a time so that a record's errors name
 * the line it ends on. */
static void feed(struct csv_parser *p, csvctx *c, const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len && !c->err) {
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t seg = nl ? (size_t)(nl - (buf + off)) + 1 : len - off;
        if (csv_parse(p, buf + off, seg, on_field, on_record, c) != seg) {
            CSV_FAIL(c, "'%s' line %ld: %s", c->o->path, c->line,
                     csv_error(p) == CSV_EPARSE ? "malformed quoting (a quote inside an unquoted field, or text "
                                                  "after a closing quote)" : csv_strerror(csv_error(p)));
            return;
        }
        off += seg;
        if (nl && !c->err)
            c->line++;
    }
}

static gfl_status read_csv(const gfl_read_opts *o, store *out)
{
    gzFile gz = gzopen(o->path, "rb"); /* zlib reads a plain file as it is */
    if (!gz)
        GFL_ERROR(GFL_EINVAL, "cannot open data file '%s'", o->path);
    gzbuffer(gz, 1 << 16);
    csvctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.line = 1;
    c.header_pending = o->header != GFL_HEADER_NONE;
    c.st.path = o->path;
    gfl_limits_env_read(&c.st.env, 0);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
        gzclose(gz);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the CSV parser"); /* LCOV_EXCL_LINE */
    }
    static char buf[1 << 16];
    int n = 0;
    while (!c.err && (n = gzread(gz, buf, sizeof buf)) > 0)
        feed(&p, &c, buf, (size_t)n);
    if (!c.err) {
        int zerr;
        const char *zmsg = gzerror(gz, &zerr);
        if (n < 0 || zerr != Z_OK)
            CSV_FAIL(&c, "'%s': cannot read it: %s", o->path, zerr == Z_BUF_ERROR ? "truncated gzip data" : zmsg);
    }
    if (!c.err && csv_fini(&p, on_field, on_record, &c) != 0)
        CSV_FAIL(&c, "'%s': a quoted field is not closed before the end of the file (line %ld)", o->path, c.line);
    csv_free(&p);
    gzclose(gz);
    free(c.f);
    free(c.row);
    free(c.names);
    if (!c.err && c.st.rows == 0)
        CSV_FAIL(&c, "'%s': no data rows", o->path);
    if (c.err) {
        store_free(&c.st);
        GFL_ERROR(c.err, "%s", c.errmsg);
    }
    *out = c.st;
    return GFL_OK;
}

/* ---- .npy pair ---- */

static gfl_status read_npy(const gfl_read_opts *o, store *out)
{
    double *X = NULL, *Y = NULL;
    int nx, ny;
    size_t sx[GFL_NPY_MAX_NDIM], sy[GFL_NPY_MAX_NDIM];
    gfl_status st;
    memset(out, 0, sizeof *out);
    if (!o->labels_path || !o->labels_path[0])
        GFL_ERROR(GFL_EINVAL, "--data '%s' is a .npy file: give its labels with --labels Y.npy", o->path);
    if (o->label && o->label[0])
        GFL_ERROR(GFL_EINVAL, "--label names a CSV column: with .npy files the labels are --labels");
    /* the array, the labels' text and the split's copy: about 2.5 times the file */
    struct stat sb;
    gfl_limits_env env;
    gfl_limits_env_read(&env, 0);
    if (stat(o->path, &sb) == 0 && gfl_limits_fit(2.5 * (double)sb.st_size, 0, &env, o->path) != GFL_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", gfl_error_message());
        gfl_error_clear();
        GFL_ERROR(GFL_EINVAL, "file too large for memory: %s", msg);
    }
    GFL_TRY(gfl_npy_read(o->path, &X, &nx, sx));
    if ((st = gfl_npy_read(o->labels_path, &Y, &ny, sy)) != GFL_OK) {
        free(X);
        return st;
    }
    if (nx != 2) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': features must be a 2-d array (rows, columns), got %d dimensions",
                      o->path, nx);
    } else if (!(ny == 1 || (ny == 2 && sy[1] == 1)) || sy[0] != sx[0]) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': labels must have shape (%zu,) to match '%s'", o->labels_path, sx[0],
                      o->path);
    } else if (sx[0] > (size_t)INT32_MAX || sx[1] > (size_t)INT32_MAX) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': too many rows or columns", o->path);
    }
    if (st != GFL_OK) {
        free(X), free(Y);
        return st;
    }
    out->path = o->path;
    out->d = (int)sx[1];
    out->rows = out->cap = sx[0];
    out->X = X;
    out->lab = calloc(sx[0] ? sx[0] : 1, sizeof *out->lab);
    if (!out->lab) {
        free(X), free(Y);
        memset(out, 0, sizeof *out);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the labels of '%s'", o->labels_path);
    }
    for (size_t k = 0; k < sx[0]; k++) {
        if (!isfinite(Y[k])) {
            free(Y);
            store_free(out);
            GFL_ERROR(GFL_EINVAL, "'%s' row %zu: label is not a finite number", o->labels_path, k);
        }
        gfl_format_double(out->lab[k], GFL_LABEL_MAX, Y[k] == 0 ? 0.0 : Y[k]);
    }
    free(Y);
    for (size_t q = 0; q < sx[0] * sx[1]; q++)
        if (!isfinite(X[q])) {
            size_t k = q / sx[1], j = q % sx[1];
            store_free(out);
            GFL_ERROR(GFL_EINVAL, "'%s' row %zu, column %zu: value is not finite", o->path, k, j + 1);
        }
    if (sx[0] == 0) {
        store_free(out);
        GFL_ERROR(GFL_EINVAL, "'%s': no data rows", o->path);
    }
    return GFL_OK;
}

static int is_npy(const char *path)
{
    size_t l = strlen(path);
    return l >= 4 && strcmp(path + l - 4, ".npy") == 0;
}

/* Labels sorted numerically when both are numbers, else as text. */
static int label_less(const char *a, const char *b)
{
    double x, y;
    int na = gfl_parse_double(a, &x) == GFL_OK, nb = gfl_parse_double(b, &y) == GFL_OK;
    gfl_error_clear();
    if (na && nb)
        return x < y;
    return strcmp(a, b) < 0;
}

/* The values of s (only those in `only` when given), comma-separated. */
static void join(const strset *s, const strset *only, char *buf, size_t len)
{
    size_t u = 0;
    buf[0] = 0;
    for (int i = 0; i < s->n && u + 1 < len; i++) {
        if (only && strset_find(only, s->v[i]) < 0)
            continue;
        u += (size_t)snprintf(buf + u, len - u, "%s%s", u ? "," : "", s->v[i]);
    }
    if (u >= len && len > 4)
        strcpy(buf + len - 4, "...");
}

/* Keeps the rows of the kept classes, maps labels to +-1, checks the classes
 * and the columns. */
static gfl_status finish(const gfl_read_opts *o, store *s, gfl_table *t)
{
    strset keep = {0}, pos = {0}, seen = {0};
    gfl_status st = GFL_OK;
    double *Y = NULL;
    memset(t, 0, sizeof *t);
    if ((o->classes && o->classes[0] && (st = parse_list(o->classes, "classes", &keep)) != GFL_OK) ||
        (o->positive && o->positive[0] && (st = parse_list(o->positive, "positive", &pos)) != GFL_OK))
        goto cleanup;
    size_t kept = 0;
    int d = s->d;
    for (size_t k = 0; k < s->rows; k++) {
        if (keep.n && strset_find(&keep, s->lab[k]) < 0)
            continue;
        if ((st = strset_add(&seen, s->lab[k])) != GFL_OK)
            goto cleanup;
        if (kept != k) {
            memmove(s->X + kept * (size_t)d, s->X + k * (size_t)d, (size_t)d * sizeof(double));
            memcpy(s->lab[kept], s->lab[k], GFL_LABEL_MAX);
        }
        kept++;
    }
    for (int i = 0; i < keep.n; i++)
        if (strset_find(&seen, keep.v[i]) < 0) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': --classes value '%s' does not occur in the labels", o->path,
                          keep.v[i]);
            goto cleanup;
        }
    if (d == 0) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': no feature columns (d = 0): only the label", o->path);
        goto cleanup;
    }
    if (kept == 0 || seen.n < 2) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': a single class (label '%s' on all %zu rows kept): two are needed",
                      o->path, seen.n ? seen.v[0] : "", kept);
        goto cleanup;
    }
    /* sorted, so that the messages and the default mapping do not depend on row order */
    for (int i = 1; i < seen.n; i++)
        for (int j = i; j > 0 && label_less(seen.v[j], seen.v[j - 1]); j--) {
            char tmp[GFL_LABEL_MAX];
            memcpy(tmp, seen.v[j], GFL_LABEL_MAX);
            memcpy(seen.v[j], seen.v[j - 1], GFL_LABEL_MAX);
            memcpy(seen.v[j - 1], tmp, GFL_LABEL_MAX);
        }
    char list[200];
    if (pos.n) {
        for (int i = 0; i < pos.n; i++)
            if (strset_find(&seen, pos.v[i]) < 0) {
                GFL_SET_ERROR(st, GFL_EINVAL, "'%s': --positive value '%s' does not occur in the labels kept",
                              o->path, pos.v[i]);
                goto cleanup;
            }
        if (pos.n == seen.n) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': --positive takes every label value kept: no negative class",
                          o->path);
            goto cleanup;
        }
    } else if (seen.n > 2) {
        join(&seen, NULL, list, sizeof list);
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': %d distinct label values (%s): give --positive VALUE[,VALUE...] "
                      "or --classes A,B", o->path, seen.n, list);
        goto cleanup;
    } else if ((st = strset_add(&pos, seen.v[1])) != GFL_OK) { /* two values: the larger is +1 */
        goto cleanup;
    }
    Y = malloc(kept * sizeof(double));
    if (!Y) {
        GFL_SET_ERROR(st, GFL_EINVAL, "file too large for memory: '%s'", o->path);
        goto cleanup;
    }
    for (size_t k = 0; k < kept; k++)
        Y[k] = strset_find(&pos, s->lab[k]) >= 0 ? 1.0 : -1.0;
    /* constant columns: refused, or dropped with --drop-constant */
    int dd = 0;
    for (int j = 0; j < d; j++) {
        int constant = 1;
        for (size_t k = 1; k < kept && constant; k++)
            constant = s->X[k * (size_t)d + j] == s->X[j];
        if (constant && !o->drop_constant) {
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s': feature column %d is constant (%g on every row kept): "
                          "remove it or give --drop-constant", o->path, j + 1, s->X[j]);
            goto cleanup;
        }
        if (!constant) {
            for (size_t k = 0; k < kept; k++)
                s->X[k * (size_t)d + dd] = s->X[k * (size_t)d + j];
            dd++;
        }
    }
    /* column dd <= j of every row is free once column dd was moved; then
     * rows move down to stride dd (k dd <= k d: forward order is safe) */
    for (size_t k = 1; k < kept && dd < d; k++)
        memmove(s->X + k * (size_t)dd, s->X + k * (size_t)d, (size_t)dd * sizeof(double));
    if (dd == 0) {
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': every feature column is constant: d = 0", o->path);
        goto cleanup;
    }
    t->N = (int)kept;
    t->d = dd;
    t->X = s->X;
    s->X = NULL;
    t->Y = Y;
    Y = NULL;
    t->n_labels = seen.n;
    t->dropped = d - dd;
    join(&seen, &pos, t->pos, sizeof t->pos);
    {
        strset neg = {0};
        for (int i = 0; i < seen.n; i++)
            if (strset_find(&pos, seen.v[i]) < 0 && strset_add(&neg, seen.v[i]) != GFL_OK)
                break;
        join(&neg, NULL, t->neg, sizeof t->neg);
        free(neg.v);
    }
cleanup:
    free(keep.v);
    free(pos.v);
    free(seen.v);
    free(Y);
    return st;
}

void gfl_read_opts_from_config(gfl_read_opts *o, const gfl_config *cfg)
{
    o->path = cfg->data;
    o->labels_path = cfg->labels;
    o->header = (gfl_header_mode)cfg->header;
    o->label = cfg->label;
    o->positive = cfg->positive;
    o->classes = cfg->classes;
    o->drop_constant = cfg->drop_constant;
}

gfl_status gfl_table_read(gfl_table *t, const gfl_read_opts *o)
{
    store s;
    memset(t, 0, sizeof *t);
    memset(&s, 0, sizeof s);
    if (!o->path || !o->path[0])
        GFL_ERROR(GFL_EINVAL, "case data needs --data FILE (a CSV file, or X.npy with --labels Y.npy)");
    if (is_npy(o->path))
        GFL_TRY(read_npy(o, &s));
    else if (o->labels_path && o->labels_path[0])
        GFL_ERROR(GFL_EINVAL, "--labels goes with --data X.npy; '%s' is read as CSV with its labels in a column",
                  o->path);
    else
        GFL_TRY(read_csv(o, &s));
    gfl_status st = finish(o, &s, t);
    long rows = (long)s.rows;
    store_free(&s);
    if (st != GFL_OK) {
        gfl_table_clear(t);
        return st;
    }
    t->lines = rows;
    return GFL_OK;
}

void gfl_table_clear(gfl_table *t)
{
    free(t->X);
    free(t->Y);
    memset(t, 0, sizeof *t);
}
