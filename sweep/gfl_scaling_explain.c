/* gfl scaling: what each check run says (read from its JSON), what the check
 * optimized, and why a form plateaus (gfl_scaling_int.h, docs/sweeps.md). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_scaling_int.h"

const char *const gfl_scaling_qname[SC_NQ] = {
    "min L_D", "tight chain", "theorem-form chain", "theorem-form chain, uniform comparator", "approx", "drift",
    "regret", "a-priori form", "a-priori form, configured (gamma, B_G)", "a-priori concentration",
    "lstar", "reg", "OPT_hat", "cone width", "concentration part", "eps", "chosen comparator, predicted"};
const char *const gfl_scaling_term[SC_NQ] = {
    "min L_D", "the tight chain", "the theorem-form chain", "the theorem-form chain with the uniform comparator",
    "approx (C4)", "drift (C6)", "regret (C5)", "the a-priori form", "the a-priori form at the configured triple",
    "the concentration c_n sqrt(B_x2 log n)/(B_G sqrt n)", "L(f*) on the batches (lstar)", "reg",
    "OPT_hat", "the cone width r B_a1 B_x1 sqrt(2 gamma)", "the concentration part r B_a1 B_x1 sqrt(conc)", "eps",
    "the chosen comparator's bound predicted from pass 1"};
const char *const gfl_scaling_axname[SC_NAX] = {"m", "n", "T"};

static double num(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Results of a gfl check without the "apriori" object: the a-priori link's
 * note (proofs_check/gfl_chain_links.c) carries the parts, "OPT_hat X + ... =
 * r * B_a1 * B_x1 * sqrt(2gamma + conc) + eps E; ...". */
static int note_parts(const json_t *c, double *opt, double *rbb, double *g2, double *conc, double *eps)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(c, "links"), i, l) {
        const char *id = json_string_value(json_object_get(l, "id")), *note = json_string_value(json_object_get(l, "note"));
        if (!id || !note || strcmp(id, "apriori") != 0)
            continue;
        const char *eq = strstr(note, ") = ");
        int r;
        double a, b;
        if (sscanf(note, "OPT_hat %lg", opt) == 1 && eq &&
            sscanf(eq, ") = %d * %lg * %lg * sqrt(%lg + %lg) + eps %lg", &r, &a, &b, g2, conc, eps) == 6) {
            *rbb = r * a * b;
            return 1;
        }
    }
    return 0;
}

int gfl_scaling_read(const json_t *c, gfl_scaling_point *pt)
{
    memset(pt, 0, sizeof *pt);
    for (int q = 0; q < SC_NQ; q++)
        pt->y[q] = NAN;
    pt->K = pt->support = pt->gamma = pt->BG = pt->p = pt->cgamma = pt->cBG = pt->rbb = pt->grid_points = NAN;
    json_t *cfg = json_object_get(c, "config"), *terms = json_object_get(c, "terms");
    pt->seed = (long)num(cfg, "seed");
    pt->x[0] = num(cfg, "m"), pt->x[1] = num(cfg, "n"), pt->x[2] = num(cfg, "T");
    double *y = pt->y;
    y[SC_MINLD] = num(c, "lhs_min_test_loss"), y[SC_TIGHT] = num(c, "tight_bound"), y[SC_CHAIN] = num(c, "chain_bound");
    y[SC_APPROX] = num(terms, "approx"), y[SC_DRIFT] = num(terms, "drift"), y[SC_REGRET] = num(terms, "regret");
    y[SC_LSTAR] = num(terms, "lstar"), y[SC_REG] = num(terms, "reg");
    y[SC_AP] = num(c, "apriori_bound");
    json_t *cmp = json_object_get(c, "comparator"), *ap = json_object_get(c, "apriori");
    if (json_is_object(cmp)) {
        const char *k = json_string_value(json_object_get(cmp, "kind"));
        pt->cmp = k && strcmp(k, "optimized") == 0 ? 2 : 1;
        pt->K = num(cmp, "K"), pt->support = num(cmp, "support");
        y[SC_CHAIN_U] = num(cmp, "uniform_bound"), y[SC_CHAIN_P] = num(cmp, "chosen_bound");
    }
    if (json_is_object(ap)) {
        pt->ap = json_is_true(json_object_get(ap, "optimized")) ? 2 : 1;
        pt->gamma = num(ap, "gamma"), pt->BG = num(ap, "B_G"), pt->p = num(ap, "p"), pt->rbb = num(ap, "rbb");
        pt->cgamma = num(ap, "configured_gamma"), pt->cBG = num(ap, "configured_B_G");
        pt->grid_points = num(ap, "grid_points");
        y[SC_AP_CONF] = num(ap, "configured_bound");
        y[SC_CONC] = num(ap, "conc"), y[SC_OPT] = num(ap, "opt_hat"), y[SC_EPS] = num(ap, "eps");
    } else {
        double o, rbb, g2, conc, eps;
        json_t *w = json_object_get(c, "witness");
        if (note_parts(c, &o, &rbb, &g2, &conc, &eps)) {
            pt->rbb = rbb, pt->gamma = pt->cgamma = g2 / 2;
            y[SC_CONC] = conc, y[SC_OPT] = o, y[SC_EPS] = eps;
        }
        pt->BG = pt->cBG = num(w, "B_G"), pt->p = num(w, "p");
    }
    y[SC_CONE] = pt->rbb * sqrt(2 * pt->gamma);
    y[SC_CONCP] = pt->rbb * sqrt(y[SC_CONC]);
    return pt->x[0] > 0 && pt->x[1] > 0 && pt->x[2] > 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double gfl_scaling_median(const gfl_scaling_point *p, int n, const double x[SC_NAX], size_t off)
{
    double v[n > 0 ? n : 1];
    int k = 0;
    for (int i = 0; i < n; i++) {
        double y = *(const double *)((const char *)&p[i] + off);
        if (p[i].x[0] == x[0] && p[i].x[1] == x[1] && p[i].x[2] == x[2] && !isnan(y))
            v[k++] = y;
    }
    if (!k)
        return NAN;
    qsort(v, (size_t)k, sizeof *v, cmp_d);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

int gfl_scaling_flat(double b, double lo, double hi)
{
    if (isnan(b))
        return 0;
    if (!isnan(lo) && !isnan(hi) && lo <= 0 && hi >= 0)
        return 1;
    return b > GFL_SCALING_FLAT;
}

void gfl_scaling_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("-", f);
    else
        fprintf(f, "%.3g", v);
}

static void pair(FILE *md, double g, double b)
{
    if (isnan(g) && isnan(b)) {
        fputs("-", md);
        return;
    }
    fputs("(", md);
    gfl_scaling_num(md, g);
    fputs(", ", md);
    gfl_scaling_num(md, b);
    fputs(")", md);
}

static void ratio(FILE *md, double a, double b)
{
    if (a > 0 && b > 0 && isfinite(a) && isfinite(b))
        fprintf(md, "%.3g", a / b);
    else
        fputs("-", md);
}

static void slope_pair(FILE *md, const gfl_scaling_fit *f, int before, int after, int a, int first)
{
    fprintf(md, "%s%s ", first ? "" : ", ", gfl_scaling_axname[a]);
    gfl_scaling_num(md, f->beta[before][1 + a]);
    fputs(" -> ", md);
    gfl_scaling_num(md, f->beta[after][1 + a]);
}

void gfl_scaling_optimized(FILE *md, const gfl_scaling_point *p, int n, const gfl_scaling_fit *f)
{
    int nc[3] = {0}, na[3] = {0};
    double grid = NAN;
    for (int i = 0; i < n; i++) {
        nc[p[i].cmp]++, na[p[i].ap]++;
        if (p[i].ap == 2 && isnan(grid))
            grid = p[i].grid_points;
    }
    fprintf(md, "\nWhat was optimized:\n\n- theorem-form chain: ");
    if (nc[0] == n)
        fprintf(md, "the comparator is not in these results (a gfl check without the \"comparator\" object): the "
                    "chain is that check's comparator, the K best neurons per witness neuron with uniform weights.\n");
    else
        fprintf(md, "comparator optimized jointly over approx + drift + regret (convex weights per witness neuron) "
                    "and chosen in %d of %d runs, the best uniform-K one chosen in %d (it was at least as good)%s; "
                    "the uniform-K chain is beside it below.\n",
                nc[2], n, nc[1], nc[0] ? ", not reported in the others" : "");
    fprintf(md, "- a-priori form: ");
    if (na[0] == n)
        fprintf(md, "the triple is not in these results (a gfl check without the \"apriori\" object): the form is at "
                    "check's configured (p, gamma, B_G), its parts read from the link's note.\n");
    else {
        fprintf(md, "(gamma, B_G) chosen over a grid of ");
        gfl_scaling_num(md, grid);
        fprintf(md, " points (Bonferroni-corrected membership) in %d of %d runs, the configured triple kept in %d%s; "
                    "the configured one is beside it below.\n",
                na[2], n, na[1], na[0] ? ", not reported in the others" : "");
    }
    if (nc[0] == n && na[0] == n)
        return;
    fputs("\nPer grid point, medians over seeds (chosen beside before; the comparator's ratio is of its two bounds "
          "as predicted from pass 1, uniform_bound / chosen_bound, while 'chain chosen' is the chain):\n\n"
          "| m | n | T | comparator | K (0: weights) | support | chain chosen | chain uniform | uniform / chosen | (gamma, B_G) chosen | a-priori chosen | (gamma, B_G) configured | "
          "a-priori configured | configured / chosen |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
          md);
    for (int i = 0; i < f->nv[0]; i++)
        for (int j = 0; j < f->nv[1]; j++)
            for (int k = 0; k < f->nv[2]; k++) {
                double x[SC_NAX] = {f->vals[0][i], f->vals[1][j], f->vals[2][k]};
                int runs = 0, opt = 0;
                for (int r = 0; r < n; r++)
                    if (p[r].x[0] == x[0] && p[r].x[1] == x[1] && p[r].x[2] == x[2])
                        runs++, opt += p[r].cmp == 2;
                if (!runs)
                    continue;
                double c = gfl_scaling_median(p, n, x, GFL_SC_Y(SC_CHAIN)), u = gfl_scaling_median(p, n, x, GFL_SC_Y(SC_CHAIN_U));
                double cp = gfl_scaling_median(p, n, x, GFL_SC_Y(SC_CHAIN_P));
                double a = gfl_scaling_median(p, n, x, GFL_SC_Y(SC_AP)), ac = gfl_scaling_median(p, n, x, GFL_SC_Y(SC_AP_CONF));
                fprintf(md, "| %g | %g | %g | optimized %d/%d | ", x[0], x[1], x[2], opt, runs);
                gfl_scaling_num(md, gfl_scaling_median(p, n, x, offsetof(gfl_scaling_point, K)));
                fputs(" | ", md);
                gfl_scaling_num(md, gfl_scaling_median(p, n, x, offsetof(gfl_scaling_point, support)));
                fputs(" | ", md);
                gfl_scaling_num(md, c);
                fputs(" | ", md);
                gfl_scaling_num(md, u);
                fputs(" | ", md);
                ratio(md, u, cp);
                fputs(" | ", md);
                pair(md, gfl_scaling_median(p, n, x, offsetof(gfl_scaling_point, gamma)),
                     gfl_scaling_median(p, n, x, offsetof(gfl_scaling_point, BG)));
                fputs(" | ", md);
                gfl_scaling_num(md, a);
                fputs(" | ", md);
                pair(md, gfl_scaling_median(p, n, x, offsetof(gfl_scaling_point, cgamma)),
                     gfl_scaling_median(p, n, x, offsetof(gfl_scaling_point, cBG)));
                fputs(" | ", md);
                gfl_scaling_num(md, ac);
                fputs(" | ", md);
                ratio(md, ac, a);
                fputs(" |\n", md);
            }
    double xl[SC_NAX] = {f->vals[0][f->nv[0] - 1], f->vals[1][f->nv[1] - 1], f->vals[2][f->nv[2] - 1]};
    fprintf(md, "\nAt the largest size (m = %g, n = %g, T = %g) the optimization divides", xl[0], xl[1], xl[2]);
    for (int pr = 0; pr < 2; pr++) {
        int before = pr ? SC_AP_CONF : SC_CHAIN_U, after = pr ? SC_AP : SC_CHAIN, like = pr ? SC_AP : SC_CHAIN_P;
        fprintf(md, "%s by ", pr ? "; the a-priori form" : " the theorem-form chain");
        ratio(md, gfl_scaling_median(p, n, xl, GFL_SC_Y(before)), gfl_scaling_median(p, n, xl, GFL_SC_Y(like)));
        fprintf(md, " (slopes %s -> chosen: ", pr ? "configured" : "uniform");
        int first = 1;
        for (int a = 0; a < SC_NAX; a++)
            if (f->vary[a])
                slope_pair(md, f, before, after, a, first), first = 0;
        fputs(")", md);
    }
    fputs(".\n", md);
}

/* The terms each form is the sum of (SPEC 6; the a-priori form's square root split). */
static const int chain_parts[] = {SC_LSTAR, SC_APPROX, SC_DRIFT, SC_REG, SC_REGRET, -1};
static const int ap_parts[] = {SC_OPT, SC_CONE, SC_CONCP, SC_EPS, -1};

/* A growth worth the name: above +0.05, and for sure (interval above 0). */
static int grows(double b, double lo)
{
    return b > -GFL_SCALING_FLAT && (isnan(lo) || lo > 0);
}

static void interval(FILE *md, const gfl_scaling_fit *f, int q, int a)
{
    fprintf(md, "%.3g", f->beta[q][1 + a]);
    if (isnan(f->lo[q][a]))
        fputs(" (no interval)", md);
    else
        fprintf(md, " [%.3g, %.3g]", f->lo[q][a], f->hi[q][a]);
}

int gfl_scaling_plateaus(FILE *md, const gfl_scaling_point *p, int n, const gfl_scaling_fit *f)
{
    int count = 0;
    double xl[SC_NAX];
    for (int a = 0; a < SC_NAX; a++)
        xl[a] = f->vals[a][f->nv[a] - 1];
    for (int form = 0; form < 2; form++) {
        int q = form ? SC_AP : SC_CHAIN;
        const int *parts = form ? ap_parts : chain_parts;
        double fm = gfl_scaling_median(p, n, xl, GFL_SC_Y(q));
        for (int a = 0; a < SC_NAX; a++) {
            if (!f->vary[a] || !gfl_scaling_flat(f->beta[q][1 + a], f->lo[q][a], f->hi[q][a]))
                continue;
            if (!count++)
                fputs("\nWhy a form does not fall (a slope whose interval contains 0 or above -0.05; from the data):\n\n",
                      md);
            const char *ax = gfl_scaling_axname[a];
            fprintf(md, "- **plateau**: %s does not fall with %s (slope ", gfl_scaling_term[q], ax);
            interval(md, f, q, a);
            fprintf(md, "%s)", grows(f->beta[q][1 + a], f->lo[q][a]) ? ": it grows" : "");
            if (f->pred[q][a] == 0)
                fprintf(md, ", as predicted: %s does not enter the form", ax);
            fputs(".", md);
            /* the largest part at the largest size, then the next one */
            int best = -1, next = -1;
            double bv = -1, nvv = -1;
            for (int k = 0; parts[k] >= 0; k++) {
                double v = gfl_scaling_median(p, n, xl, GFL_SC_Y(parts[k]));
                if (!(v >= 0))
                    continue;
                if (v > bv)
                    next = best, nvv = bv, best = parts[k], bv = v;
                else if (v > nvv)
                    next = parts[k], nvv = v;
            }
            if (best < 0) {
                fprintf(md, " Its terms are not in these results at the largest size (m = %g, n = %g, T = %g).\n",
                        xl[0], xl[1], xl[2]);
                continue;
            }
            fprintf(md, " At the largest size (m = %g, n = %g, T = %g) its largest term is %s = %.3g (median over "
                        "seeds; %.0f%% of the form's %.3g), whose own slope in %s is ",
                    xl[0], xl[1], xl[2], gfl_scaling_term[best], bv, fm > 0 ? 100 * bv / fm : NAN, fm, ax);
            interval(md, f, best, a);
            double tb = f->beta[best][1 + a], tl = f->lo[best][a];
            if (isnan(tb))
                fprintf(md, ": it has no fit (not positive in every run).\n");
            else if (gfl_scaling_flat(tb, tl, f->hi[best][a]) && !grows(tb, tl))
                fprintf(md, ": it does not fall with %s either (the same test), so it sets the form's floor along %s.\n",
                        ax, ax);
            else if (grows(tb, tl))
                fprintf(md, ": it grows with %s, which holds the form up.\n", ax);
            else if (next >= 0) {
                fprintf(md, ": it shrinks with %s, so the other terms hold the form up: next, %s = %.3g, slope ", ax,
                        gfl_scaling_term[next], nvv);
                interval(md, f, next, a);
                fputs(".\n", md);
            } else
                fprintf(md, ": it shrinks with %s.\n", ax);
        }
    }
    return count;
}
