#include "gfl_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfl_io.h"

/* Written as gnuplot double-quoted strings, whose backslash escapes can say
 * any character: '\' and '"' are escaped (single-quoted strings know only a
 * doubled quote, which gnuplot's lexer misreads when quotes follow one
 * another); a line break would end the command, so titles get a space
 * instead (file names never have one: see render). */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static void header(FILE *f, const char *png, const gfl_plot_opts *o)
{
    fprintf(f, "set terminal pngcairo size 900,560 noenhanced font 'sans,10'\nset output ");
    put_str(f, png);
    fprintf(f, "\nset grid\nset key top right\nset title ");
    put_str(f, o->title);
    fprintf(f, "\nset xlabel ");
    put_str(f, o->xlabel);
    fprintf(f, "\nset ylabel ");
    put_str(f, o->ylabel);
    fprintf(f, "\n%s", o->logy ? "set logscale y\nset format y '%.0e'\n" : "");
}

/* Writes NAME.gp atomically, runs gnuplot on it into a temporary PNG, renames. */
typedef struct {
    void (*body)(FILE *f, const char *png, void *ctx);
    void *ctx;
    const char *png_tmp;
} script_ctx;

static gfl_status script_writer(FILE *f, void *p)
{
    script_ctx *sc = p;
    sc->body(f, sc->png_tmp, sc->ctx);
    return ferror(f) ? GFL_EIO : GFL_OK;
}

/* 1 if `path` holds a complete PNG: the signature at the start and the IEND
 * chunk at the end.  gnuplot exits 0 even when its output could not be
 * written (a full disk truncates the file), so its status alone proves
 * nothing. */
static int png_complete(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    unsigned char head[8], tail[12];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ok = fread(head, 1, 8, f) == 8 && memcmp(head, sig, 8) == 0 && fseek(f, -12, SEEK_END) == 0 &&
             fread(tail, 1, 12, f) == 12 && memcmp(tail, iend, 12) == 0;
    fclose(f);
    return ok;
}

static gfl_status render(const char *png, void (*body)(FILE *, const char *, void *), void *ctx)
{
    /* "./" keeps a relative name that starts with '-' from reading as a gnuplot option */
    char gp[4096], tmp[4096], rgp[4200];
    const char *dot = png[0] == '-' ? "./" : "";
    size_t len = strlen(png);
    if (len < 5 || len + 8 >= sizeof gp || strcmp(png + len - 4, ".png") != 0)
        GFL_ERROR(GFL_EINVAL, "figure path '%s' must end in .png", png);
    for (const char *q = png; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            GFL_ERROR(GFL_EINVAL, "figure path '%s' contains a control character", png);
    snprintf(gp, sizeof gp, "%.*s.gp", (int)(len - 4), png);
    snprintf(tmp, sizeof tmp, "%s.tmp.png", png);
    /* The kept script renders to the figure's own name, to be run in its
     * directory (a --report is built under a temporary name, then renamed);
     * the run renders to tmp. */
    const char *slash = strrchr(png, '/');
    script_ctx keep = {body, ctx, slash ? slash + 1 : png}, run = {body, ctx, tmp};
    GFL_TRY(gfl_io_write_atomic(gp, script_writer, &keep));
    snprintf(rgp, sizeof rgp, "%s%s.run", dot, gp);
    GFL_TRY(gfl_io_write_atomic(rgp, script_writer, &run));
    gfl_io_track(rgp, GFL_IO_TEMP_FILE);
    gfl_io_track(tmp, GFL_IO_TEMP_FILE);
    gfl_status st = GFL_OK;
    pid_t pid = fork();
    /* LCOV_EXCL_START: fork fails only when the process table or memory is exhausted */
    if (pid < 0) {
        GFL_SET_ERROR(st, GFL_EINTERNAL, "cannot start gnuplot for '%s': %s", png, strerror(errno));
        goto cleanup;
    }
    /* LCOV_EXCL_STOP */
    if (pid == 0) {
        /* LCOV_EXCL_START: runs in the child, which leaves by exec or _exit without writing
         * its counters (both outcomes are tested: see tests/t_cov_errors.c) */
        execlp("gnuplot", "gnuplot", rgp, (char *)NULL);
        _exit(127);
        /* LCOV_EXCL_STOP */
    }
    gfl_io_track_child(pid); /* an interrupted run stops it (gfl_io_cleanup) */
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) /* LCOV_EXCL_BR_LINE: only if a signal interrupts */
        ;
    gfl_io_untrack_child(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            GFL_SET_ERROR(st, GFL_EIO, "cannot draw '%s': gnuplot is not installed (apt-get install gnuplot-nox)",
                          png);
        else
            GFL_SET_ERROR(st, GFL_EIO, "cannot draw '%s': gnuplot failed", png);
        goto cleanup;
    }
    if (!png_complete(tmp)) {
        GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': gnuplot left an incomplete PNG (disk full?)", png);
        goto cleanup;
    }
    if (rename(tmp, png) != 0)
        GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': %s", png, strerror(errno));

cleanup:
    unlink(rgp);
    gfl_io_untrack(rgp);
    if (st != GFL_OK)
        unlink(tmp);
    gfl_io_untrack(tmp);
    return st;
}

typedef struct {
    const gfl_plot_opts *o;
    const gfl_plot_series *s;
    int ns;
} xy_ctx;

static void xy_body(FILE *f, const char *png, void *p)
{
    xy_ctx *c = p;
    header(f, png, c->o);
    for (int k = 0; k < c->ns; k++) {
        fprintf(f, "$D%d << EOD\n", k);
        for (int i = 0; i < c->s[k].n; i++)
            if (isfinite(c->s[k].x[i]) && isfinite(c->s[k].y[i]) && (!c->o->logy || c->s[k].y[i] > 0))
                fprintf(f, "%.17g %.17g\n", c->s[k].x[i], c->s[k].y[i]);
        fprintf(f, "EOD\n");
    }
    fprintf(f, "plot ");
    for (int k = 0; k < c->ns; k++) {
        fprintf(f, "%s$D%d using 1:2 with %s lw 2 title ", k ? ", " : "", k,
                c->s[k].style ? c->s[k].style : "lines");
        put_str(f, c->s[k].title);
    }
    fprintf(f, "\n");
}

gfl_status gfl_plot_xy(const char *png, const gfl_plot_opts *o, const gfl_plot_series *s, int ns)
{
    xy_ctx c = {o, s, ns};
    return render(png, xy_body, &c);
}

typedef struct {
    const gfl_plot_opts *o;
    const char *const *labels;
    const double *v;
    int n;
} bar_ctx;

static void bar_body(FILE *f, const char *png, void *p)
{
    bar_ctx *c = p;
    header(f, png, c->o);
    fprintf(f, "set style fill solid 0.7 border -1\nset boxwidth 0.6\nset xtics rotate by -30\n"
               "set key off\nset yrange [0:*]\n$B << EOD\n");
    for (int i = 0; i < c->n; i++) {
        /* data-block strings are double-quoted; labels are plain identifiers */
        fprintf(f, "%d \"", i);
        for (const char *q = c->labels[i]; *q; q++)
            if (*q != '"' && *q != '\n')
                fputc(*q, f);
        fprintf(f, "\" %.17g\n", isfinite(c->v[i]) ? c->v[i] : 0.0);
    }
    fprintf(f, "EOD\nplot $B using 1:3:xtic(2) with boxes\n");
}

gfl_status gfl_plot_bars(const char *png, const gfl_plot_opts *o, const char *const *labels,
                         const double *v, int n)
{
    bar_ctx c = {o, labels, v, n};
    return render(png, bar_body, &c);
}

typedef struct {
    const gfl_plot_opts *o;
    const double *v;
    int n, bins;
    double lo, hi;
} hist_ctx;

static void hist_body(FILE *f, const char *png, void *p)
{
    hist_ctx *c = p;
    double w = (c->hi - c->lo) / c->bins;
    header(f, png, c->o);
    fprintf(f, "set style fill solid 0.7 border -1\nset boxwidth %.17g\nset key off\nset yrange [0:*]\n"
               "set xrange [%.17g:%.17g]\n$H << EOD\n", w * 0.9, c->lo, c->hi);
    for (int b = 0; b < c->bins; b++) {
        int cnt = 0;
        for (int i = 0; i < c->n; i++) {
            if (!isfinite(c->v[i]))
                continue;
            int k = (int)floor((c->v[i] - c->lo) / w);
            k = k < 0 ? 0 : (k >= c->bins ? c->bins - 1 : k);
            cnt += k == b;
        }
        fprintf(f, "%.17g %d\n", c->lo + (b + 0.5) * w, cnt);
    }
    fprintf(f, "EOD\nplot $H using 1:2 with boxes\n");
}

gfl_status gfl_plot_histogram(const char *png, const gfl_plot_opts *o, const double *v, int n,
                              double lo, double hi, int bins)
{
    if (!(hi > lo) || bins <= 0)
        GFL_ERROR(GFL_EINVAL, "bad histogram range");
    hist_ctx c = {o, v, n, bins, lo, hi};
    return render(png, hist_body, &c);
}

typedef struct {
    const gfl_plot_opts *o;
    const double *A, *B;
    int d;
} heat_ctx;

static void heat_body(FILE *f, const char *png, void *p)
{
    heat_ctx *c = p;
    header(f, png, c->o);
    fprintf(f, "unset grid\nset view map\nset size ratio -1\nset yrange [*:*] reverse\nset palette rgb 33,13,10\n");
    for (int k = 0; k < 2; k++) {
        const double *S = k ? c->B : c->A;
        double mx = 0;
        for (int i = 0; i < c->d * c->d; i++)
            mx = fmax(mx, fabs(S[i]));
        fprintf(f, "$H%d << EOD\n", k);
        for (int i = 0; i < c->d; i++)
            for (int j = 0; j < c->d; j++) /* each matrix scaled to its largest entry; B shifted right */
                fprintf(f, "%d %d %.17g\n", j + k * (c->d + 1), i, mx > 0 && isfinite(S[i * c->d + j]) ? S[i * c->d + j] / mx : 0.0);
        fprintf(f, "EOD\n");
    }
    fprintf(f, "plot $H0 using 1:2:3 with image notitle, $H1 using 1:2:3 with image notitle\n");
}

gfl_status gfl_plot_heatmap2(const char *png, const gfl_plot_opts *o, const double *A, const double *B, int d)
{
    heat_ctx c = {o, A, B, d};
    return render(png, heat_body, &c);
}
