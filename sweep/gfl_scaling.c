/* gfl scaling: the theorem's rates measured on a merged check sweep over m, n
 * and T (gfl_sweep.h; predictions and their sources in docs/sweeps.md).
 *
 * Per case and quantity, log y = b0 + b_m log m + b_n log n + b_T log T is
 * fitted by least squares over every (seed, m, n, T) run with y > 0; the
 * slopes' 95% intervals come from a bootstrap over seeds (a resampled seed
 * brings all its runs), drawn from a fixed splitmix64 stream so the report is
 * reproducible.  Crossover: the smallest grid point whose median over seeds
 * is below 1 (measured), else the fit solved for y = 1 along m (at the
 * grid's largest n and T) and along n (largest m and T), with the bootstrap
 * interval (extrapolated).  What each run says, what the check optimized and
 * why a form plateaus: gfl_scaling_explain.c. */
#include <errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gfl_io.h"
#include "gfl_plot.h"
#include "gfl_scaling_int.h"
#include "gfl_sweep.h"

#define NQ SC_NQ
#define NAX SC_NAX
typedef gfl_scaling_point point;
#define qname gfl_scaling_qname
#define axname gfl_scaling_axname
/* The exponent the theorem's form predicts per axis (NAN: none stated);
 * docs/sweeps.md gives each one's source.  The parts after SC_NTAB only
 * explain a plateau: no prediction. */
static const double pred[NQ][NAX] = {
    [SC_MINLD] = {NAN, NAN, NAN},    /* below the bound; no rate of its own */
    [SC_TIGHT] = {NAN, NAN, NAN},    /* measured comparator loss */
    [SC_CHAIN] = {NAN, -0.25, -0.5}, /* its slowest terms */
    [SC_CHAIN_U] = {NAN, -0.25, -0.5},
    [SC_APPROX] = {0, -0.25, 0},     /* sqrt(gamma'), gamma' ~ gradient noise ~ n^-1/2 */
    [SC_DRIFT] = {NAN, NAN, NAN},    /* the theorem's form has no rate for a moving W */
    [SC_REGRET] = {0, 0, -0.5},      /* T^-1/2 at the tuned eta */
    [SC_AP] = {0, -0.25, 0},         /* sqrt(concentration), (log n / n)^(1/4) */
    [SC_AP_CONF] = {0, -0.25, 0},
    [SC_CONC] = {0, -0.5, 0},        /* sqrt(B_x2 log n)/(B_G sqrt n) */
    [SC_LSTAR] = {NAN, NAN, NAN}, [SC_REG] = {NAN, NAN, NAN}, [SC_OPT] = {NAN, NAN, NAN},
    [SC_CONE] = {NAN, NAN, NAN}, [SC_CONCP] = {NAN, NAN, NAN}, [SC_EPS] = {NAN, NAN, NAN},
    [SC_CHAIN_P] = {NAN, -0.25, -0.5},
};

static uint64_t sm_state;
static uint64_t splitmix(void)
{
    uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Least squares of log y on the log axes that vary; beta[0] intercept,
 * beta[1 + a] the slope on axis a (NAN when the axis is fixed).  0 on success. */
static int fit(const point *p, int n, const int *use, int q, const int *vary, double beta[1 + NAX])
{
    int k = 1, cols[NAX], nc = 0, rows = 0;
    for (int a = 0; a < NAX; a++)
        if (vary[a])
            cols[nc++] = a;
    k += nc;
    for (int i = 0; i < n; i++)
        rows += use[i] * (p[i].y[q] > 0 && isfinite(p[i].y[q]));
    for (int a = 0; a <= NAX; a++)
        beta[a] = NAN;
    if (rows <= k)
        return 1;
    gsl_matrix *X = gsl_matrix_alloc((size_t)rows, (size_t)k), *cov = gsl_matrix_alloc((size_t)k, (size_t)k);
    gsl_vector *y = gsl_vector_alloc((size_t)rows), *c = gsl_vector_alloc((size_t)k);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc((size_t)rows, (size_t)k);
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (!use[i] || !(p[i].y[q] > 0 && isfinite(p[i].y[q])))
            continue;
        for (int u = 0; u < use[i]; u++, r++) { /* a seed drawn twice weighs twice */
            gsl_matrix_set(X, (size_t)r, 0, 1.0);
            for (int a = 0; a < nc; a++)
                gsl_matrix_set(X, (size_t)r, (size_t)a + 1, log(p[i].x[cols[a]]));
            gsl_vector_set(y, (size_t)r, log(p[i].y[q]));
        }
    }
    double chisq;
    int rc = gsl_multifit_linear(X, y, c, cov, &chisq, w);
    if (rc == 0) {
        beta[0] = gsl_vector_get(c, 0);
        for (int a = 0; a < nc; a++)
            beta[1 + cols[a]] = gsl_vector_get(c, (size_t)a + 1);
    }
    gsl_matrix_free(X), gsl_matrix_free(cov), gsl_vector_free(y), gsl_vector_free(c);
    gsl_multifit_linear_free(w);
    return rc;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* median over seeds of quantity q at grid point (m, n, T) */
static double median_at(const point *p, int n, int q, const double x[NAX])
{
    return gfl_scaling_median(p, n, x, GFL_SC_Y(q));
}

static int uniq(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

#define md_num gfl_scaling_num

/* The crossover of form q: measured on the grid, else extrapolated along m and n. */
static void crossover(FILE *md, const point *p, int n, int q, const gfl_scaling_fit *f, double (*bb)[NQ][1 + NAX],
                      int nb)
{
    double best[NAX] = {NAN, NAN, NAN};
    for (int i = 0; i < f->nv[0] && isnan(best[0]); i++)
        for (int j = 0; j < f->nv[1] && isnan(best[0]); j++)
            for (int k = 0; k < f->nv[2] && isnan(best[0]); k++) {
                double x[NAX] = {f->vals[0][i], f->vals[1][j], f->vals[2][k]};
                if (median_at(p, n, q, x) < 1)
                    memcpy(best, x, sizeof best);
            }
    if (!isnan(best[0])) {
        fprintf(md, "- %s: **measured** below 1 (median over seeds) at m = %g, n = %g, T = %g.\n", qname[q], best[0],
                best[1], best[2]);
        return;
    }
    fprintf(md, "- %s: not reached on the grid (median at the largest m, n, T: ", qname[q]);
    double xl[NAX] = {f->vals[0][f->nv[0] - 1], f->vals[1][f->nv[1] - 1], f->vals[2][f->nv[2] - 1]};
    md_num(md, median_at(p, n, q, xl));
    fputs(");", md);
    for (int a = 0; a < 2; a++) { /* along m, then along n */
        double b = f->beta[q][1 + a];
        if (!f->vary[a] || isnan(b))
            continue;
        double rest = f->beta[q][0];
        for (int o = 0; o < NAX; o++)
            if (o != a && f->vary[o])
                rest += f->beta[q][1 + o] * log(xl[o]);
        if (!(b < -1e-3) || !(f->hi[q][a] < -1e-3)) { /* a slope of rounding size is flat */
            fprintf(md, " along %s: **no crossover** (slope %.3g, interval up to %.3g: not decreasing for sure);",
                    axname[a], b, f->hi[q][a]);
            continue;
        }
        /* log x* = -rest / b, and the same from every resample's own fit */
        double xs = exp(-rest / b), *xb = malloc(((size_t)nb + 1) * sizeof *xb);
        int nx = 0, flat = 0;
        for (int r = 0; r < nb; r++) {
            double br = bb[r][q][1 + a], rr = bb[r][q][0];
            for (int o = 0; o < NAX; o++)
                if (o != a && f->vary[o])
                    rr += bb[r][q][1 + o] * log(xl[o]);
            if (br < -1e-3)
                xb[nx++] = -rr / br;
            else
                flat++;
        }
        qsort(xb, (size_t)nx, sizeof *xb, cmp_d);
        fprintf(md, " along %s: **extrapolated** %s* = %.3g, bootstrap 95%% interval [%.3g, ", axname[a], axname[a],
                xs, nx ? exp(xb[(int)floor(0.025 * (nx - 1))]) : NAN);
        if (flat > 0.025 * nb)
            fprintf(md, "never: %d of %d resamples do not decrease];", flat, nb);
        else
            fprintf(md, "%.3g];", nx ? exp(xb[(int)ceil(0.975 * (nx - 1))]) : NAN);
        free(xb);
    }
    if (q == SC_AP || q == SC_AP_CONF) {
        /* the a-priori form floors at OPT_hat + r B_a1 B_x1 sqrt(2 gamma) whatever n */
        double fl[n > 0 ? n : 1], rb = NAN;
        int k = 0, chosen = 0;
        for (int i = 0; i < n; i++)
            chosen |= q == SC_AP && p[i].ap == 2;
        for (int i = 0; i < n; i++) {
            double g = q == SC_AP ? p[i].gamma : p[i].cgamma, v = p[i].y[SC_OPT] + p[i].rbb * sqrt(2 * g);
            if (isfinite(v))
                fl[k++] = v, rb = p[i].rbb;
        }
        if (k) {
            qsort(fl, (size_t)k, sizeof *fl, cmp_d);
            fprintf(md, " Floor without any concentration term, OPT_hat + r B_a1 B_x1 sqrt(2 gamma): median %.3g "
                        "(range %.3g .. %.3g) at %s (gamma, B_G): %s It is below 1 only if gamma < "
                        "1/(2 (r B_a1 B_x1)^2) = %.2g (r B_a1 B_x1 = %.3g, last run).",
                    fl[k / 2], fl[0], fl[k - 1], chosen ? "the chosen" : "check's configured",
                    fl[k / 2] >= 1 ? "**no crossover in n at these parameters**, whatever the fit says." : "a "
                    "crossover in n is possible.", 0.5 / (rb * rb), rb);
        }
    }
    fputs("\n", md);
}

static gfl_status one_case(const char *dir, const char *cs, const point *p, int n, int boot, FILE *md)
{
    double vals[NAX][n > 0 ? n : 1];
    gfl_scaling_fit fr;
    memset(&fr, 0, sizeof fr);
    int *nv = fr.nv, *vary = fr.vary;
    for (int a = 0; a < NAX; a++) {
        for (int i = 0; i < n; i++)
            vals[a][i] = p[i].x[a];
        nv[a] = uniq(vals[a], n);
        vary[a] = nv[a] > 1;
        fr.vals[a] = vals[a];
    }
    long seeds[n > 0 ? n : 1];
    int ns = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int k = 0; k < ns; k++)
            seen |= seeds[k] == p[i].seed;
        if (!seen)
            seeds[ns++] = p[i].seed;
    }
    int has[NQ] = {0};
    for (int i = 0; i < n; i++)
        for (int q = 0; q < NQ; q++)
            has[q] |= isfinite(p[i].y[q]);
    fprintf(md, "\n## %s\n\n%d runs: m in {", cs, n);
    for (int a = 0; a < NAX; a++)
        for (int k = 0; k < nv[a]; k++)
            fprintf(md, "%s%g%s", k ? ", " : "", vals[a][k], k + 1 < nv[a] ? "" : a + 1 < NAX ? (a == 0 ? "}, n in {" : "}, T in {") : "}");
    fprintf(md, ", %d seeds; bootstrap: %d resamples of the seeds (splitmix64 stream 1).\n\n", ns, boot);
    fprintf(md, "| quantity | axis | slope | 95%% interval | predicted | verdict |\n|---|---|---|---|---|---|\n");
    int *use = calloc((size_t)n + 1, sizeof *use);
    double *bs = malloc(((size_t)boot + 1) * NAX * sizeof *bs);
    double (*bb)[NQ][1 + NAX] = malloc(((size_t)boot + 1) * sizeof *bb); /* every resample's fit */
    int nbq[NQ] = {0};
    /* (log n / n)^(1/4) has the local slope -(1 - 1/ln n)/4: at the grid's geometric mean n */
    double lnbar = 0;
    for (int k = 0; k < nv[1]; k++)
        lnbar += log(vals[1][k]) / nv[1];
    double pn = -0.25 * (1 - 1 / lnbar);
    for (int q = 0; q < NQ; q++) {
        for (int i = 0; i < n; i++)
            use[i] = 1;
        fit(p, n, use, q, vary, fr.beta[q]);
        sm_state = 1;
        int nb = 0;
        for (int b = 0; b < boot; b++) {
            for (int i = 0; i < n; i++)
                use[i] = 0;
            for (int k = 0; k < ns; k++) {
                long s = seeds[splitmix() % (uint64_t)ns];
                for (int i = 0; i < n; i++)
                    use[i] += p[i].seed == s;
            }
            double be[1 + NAX];
            if (fit(p, n, use, q, vary, be) == 0) {
                for (int a = 0; a < NAX; a++)
                    bs[a * boot + nb] = be[1 + a];
                memcpy(bb[nb][q], be, sizeof be);
                nb++;
            }
        }
        nbq[q] = nb;
        for (int a = 0; a < NAX; a++) {
            double pr = a == 1 && pred[q][a] == -0.25 ? pn : a == 1 && q == SC_CONC ? 2 * pn : pred[q][a];
            fr.lo[q][a] = fr.hi[q][a] = NAN;
            fr.pred[q][a] = pr;
            if (nb >= 20 && vary[a]) {
                qsort(bs + a * boot, (size_t)nb, sizeof *bs, cmp_d);
                fr.lo[q][a] = bs[a * boot + (int)floor(0.025 * (nb - 1))];
                fr.hi[q][a] = bs[a * boot + (int)ceil(0.975 * (nb - 1))];
            }
            if (!vary[a] || q >= SC_NTAB || !has[q])
                continue;
            fprintf(md, "| %s | %s | ", qname[q], axname[a]);
            md_num(md, fr.beta[q][1 + a]);
            fputs(" | [", md);
            md_num(md, fr.lo[q][a]);
            fputs(", ", md);
            md_num(md, fr.hi[q][a]);
            fputs("] | ", md);
            md_num(md, pr);
            /* 0.01 of slack: a deterministic quantity has an interval of rounding width */
            const char *v = isnan(pr) ? "measured only" : isnan(fr.lo[q][a]) ? "no interval"
                          : fr.hi[q][a] < pr - 0.01 ? "steeper" : fr.lo[q][a] > pr + 0.01 ? "shallower" : "agrees";
            fprintf(md, " | %s |\n", v);
        }
    }
    int nmiss = 0;
    for (int q = 0; q < SC_NTAB; q++)
        if (!has[q])
            fprintf(md, "%s%s", nmiss++ ? "; " : "\nNot in these results (no run reports it): ", qname[q]);
    if (nmiss)
        fputs(".\n", md);
    gfl_scaling_optimized(md, p, n, &fr);
    gfl_scaling_plateaus(md, p, n, &fr);
    /* crossover of the theorem-form chain and the a-priori form, after and before the optimization */
    fprintf(md, "\nCrossover (the smallest size where the form falls below 1):\n\n");
    static const int forms[] = {SC_CHAIN, SC_CHAIN_U, SC_AP, SC_AP_CONF};
    for (int k = 0; k < 4; k++)
        if (has[forms[k]] || forms[k] == SC_CHAIN || forms[k] == SC_AP)
            crossover(md, p, n, forms[k], &fr, bb, nbq[forms[k]]);
    /* figures: medians over seeds against each axis at the other axes' largest values */
    for (int a = 0; a < NAX; a++) {
        if (!vary[a])
            continue;
        double lx[64], ys[SC_NTAB][64];
        int m = nv[a] < 64 ? nv[a] : 64;
        gfl_plot_series s[SC_NTAB];
        int k = 0;
        for (int q = 0; q < SC_NTAB; q++) {
            for (int i = 0; i < m; i++) {
                double x[NAX] = {vals[0][nv[0] - 1], vals[1][nv[1] - 1], vals[2][nv[2] - 1]};
                x[a] = vals[a][i];
                lx[i] = log10(vals[a][i]);
                ys[q][i] = median_at(p, n, q, x);
            }
            int ok = 1;
            for (int i = 0; i < m; i++)
                ok &= ys[q][i] > 0 && isfinite(ys[q][i]);
            if (ok)
                s[k++] = (gfl_plot_series){qname[q], lx, ys[q], m, "linespoints"};
        }
        char png[PATH_MAX], title[256], xl[64];
        if (snprintf(png, sizeof png, "%s/%s_vs_%s.png", dir, cs, axname[a]) >= (int)sizeof png) {
            free(use), free(bs), free(bb);
            GFL_ERROR(GFL_EINVAL, "path too long: '%s'", dir);
        }
        snprintf(title, sizeof title, "%s: medians over seeds against %s (log-log)", cs, axname[a]);
        snprintf(xl, sizeof xl, "log10 %s", axname[a]);
        gfl_plot_opts po = {title, xl, "value (log scale)", 1};
        gfl_status st = k ? gfl_plot_xy(png, &po, s, k) : GFL_OK;
        if (st != GFL_OK) {
            free(use), free(bs), free(bb);
            return st;
        }
        fprintf(md, "\n![%s vs %s](%s_vs_%s.png)", cs, axname[a], cs, axname[a]);
    }
    fputs("\n", md);
    free(use), free(bs), free(bb);
    return GFL_OK;
}

gfl_status gfl_scaling_report(const char *dir, int boot, FILE *out)
{
    char path[PATH_MAX], sdir[PATH_MAX];
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "results.json"));
    json_error_t je;
    json_t *res = json_load_file(path, 0, &je);
    if (!res)
        GFL_ERROR(GFL_EINVAL, "'%s': %s (run 'gfl sweep merge %s' first)", path, je.text, dir);
    json_t *runs = json_object_get(res, "runs");
    size_t nr = json_array_size(runs);
    point *pts = calloc(nr + 1, sizeof *pts);
    char **cname = calloc(nr + 1, sizeof *cname);
    int np = 0;
    for (size_t i = 0; i < nr; i++) {
        json_t *r = json_array_get(runs, i), *c = json_array_get(json_object_get(json_object_get(r, "figures"), "cases"), 0);
        const char *name = json_string_value(json_object_get(c, "case"));
        if (c && name && gfl_scaling_read(c, &pts[np]))
            cname[np++] = (char *)name;
    }
    gfl_status st = GFL_OK;
    if (np == 0)
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': no check run with m, n and T to fit (a check sweep is needed)", path);
    if (st == GFL_OK && gfl_io_join(sdir, sizeof sdir, dir, "scaling") == GFL_OK && mkdir(sdir, 0755) != 0 &&
        errno != EEXIST)
        GFL_SET_ERROR(st, GFL_EIO, "cannot create '%s': %s", sdir, strerror(errno));
    char *md = NULL;
    size_t len = 0;
    FILE *f = st == GFL_OK ? open_memstream(&md, &len) : NULL;
    if (f) {
        fprintf(f, "# gfl scaling report\n\nFrom %s/results.json (%d check runs). Per case and quantity: the slopes of "
                   "log y on log m, log n and log T (one least-squares fit over every run), their 95%% bootstrap "
                   "intervals over seeds, the exponent the theorem's form predicts (docs/sweeps.md gives each "
                   "source) and the verdict: agrees (the interval contains it), steeper or shallower. Then what the "
                   "check optimized (the theorem-form chain's comparator, the a-priori form's (gamma, B_G)) beside "
                   "the values before, why a form does not fall along an axis (its largest term at the largest "
                   "size and that term's own slope), and the crossovers.\n",
                dir, np);
        const char *done[64];
        int nd = 0;
        for (int i = 0; i < np && st == GFL_OK; i++) {
            int seen = 0;
            for (int k = 0; k < nd; k++)
                seen |= strcmp(done[k], cname[i]) == 0;
            if (seen || nd == 64)
                continue;
            done[nd++] = cname[i];
        }
        for (int a = 1; a < nd; a++) /* cases in name order: a deterministic report */
            for (int b = a; b > 0 && strcmp(done[b - 1], done[b]) > 0; b--) {
                const char *t = done[b];
                done[b] = done[b - 1], done[b - 1] = t;
            }
        for (int k = 0; k < nd && st == GFL_OK; k++) {
            point *sub = calloc((size_t)np, sizeof *sub);
            int ns = 0;
            for (int i = 0; i < np; i++)
                if (strcmp(cname[i], done[k]) == 0)
                    sub[ns++] = pts[i];
            st = one_case(sdir, done[k], sub, ns, boot, f);
            free(sub);
        }
        fclose(f);
        if (st == GFL_OK && (st = gfl_io_join(path, sizeof path, sdir, "report.md")) == GFL_OK)
            st = gfl_sweep_write_text(path, md);
        if (st == GFL_OK)
            fprintf(out, "%s\nwritten: %s\n", md, path);
    }
    free(md);
    free(pts);
    free(cname);
    json_decref(res);
    return st;
}
