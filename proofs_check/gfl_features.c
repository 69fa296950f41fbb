#include "gfl_features.h"
#include "gfl_data_check.h"
#include "gfl_testcase.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_rng.h"
#include "gfl_stats.h"
#include "gfl_tags.h"
#include "gfl_train.h"

void gfl_features_defaults(gfl_features_params *fp, const gfl_config *cfg, const gfl_path *path)
{
    /* a path at cfg->prec bits (MPFR) is the slow one: fewer draws */
    int ref = path && path->at_prec;
    /* Mixtures: a random w sees one or two components, so the cones of the
     * witness directions are hit less often; gamma = 0.2 keeps most neurons in
     * one (measured in docs/features.md). */
    fp->gamma = (cfg->case_id == GFL_CASE_MOG || cfg->case_id == GFL_CASE_XOR) ? 0.2 : 0.1;
    fp->B_G = 0.01;
    fp->p = 0.01;
    fp->level = 0.95;
    fp->n_init = ref ? 200 : 2000;
    fp->n_mc = ref ? 4096 : 65536;
    if (cfg->case_id == GFL_CASE_PARITY_UNIFORM)
        fp->B_G = 1e-3;
    if (cfg->case_id == GFL_CASE_DATA)
        gfl_data_features_defaults(fp);
}

gfl_status gfl_features_param_set(gfl_features_params *fp, const char *name, const char *value)
{
    long v;
    double *dbl = strcmp(name, "gamma") == 0 ? &fp->gamma : strcmp(name, "bg") == 0 ? &fp->B_G
                : strcmp(name, "p") == 0 ? &fp->p : strcmp(name, "level") == 0 ? &fp->level : NULL;
    int *in = strcmp(name, "n-init") == 0 ? &fp->n_init : strcmp(name, "n-mc") == 0 ? &fp->n_mc : NULL;
    if (dbl) {
        if (gfl_parse_double(value, dbl) != GFL_OK) {
            gfl_error_clear();
            GFL_ERROR(GFL_EINVAL, "--%s: '%s' is not a finite number", name, value);
        }
        return GFL_OK;
    }
    if (!in)
        GFL_ERROR(GFL_EINVAL, "features: unknown parameter '%s'", name);
    if (gfl_parse_long(value, &v) != GFL_OK || v < 1 || v > 100000000) {
        gfl_error_clear();
        GFL_ERROR(GFL_EINVAL, "--%s: '%s' is not an integer in [1, 1e8]", name, value);
    }
    *in = (int)v;
    return GFL_OK;
}

static double norm(const double *v, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++)
        s += v[i] * v[i];
    return sqrt(s);
}

int gfl_in_cone(const double *v, const double *D, int d, double gamma, double *cos_out)
{
    double nv = norm(v, d), dot = 0;
    for (int i = 0; i < d; i++)
        dot += v[i] * D[i];
    double c = nv > 0 ? dot / nv : 0.0; /* |D| = 1 */
    if (cos_out)
        *cos_out = c;
    return nv > 0 && fabs(c) >= 1.0 - gamma;
}

void gfl_features_clear(gfl_features_result *res)
{
    gfl_features_search_clear(&res->search);
    free(res->feat);
    free(res->grid_p);
    free(res->neuron);
    free(res->G_pairs);
    memset(res, 0, sizeof *res);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void gfl_features_search_clear(gfl_feature_search *s)
{
    free(s->count);
    free(s->ok);
    memset(s, 0, sizeof *s);
}

double gfl_features_conc_coef(double c_n, double Bx2, int n)
{
    return c_n * sqrt(Bx2 * log((double)n)) / sqrt((double)n);
}

/* v inserted into the ascending v[0..*k) unless present; its index. */
static int insert_sorted(double *v, int *k, double x)
{
    int i = 0;
    while (i < *k && v[i] < x)
        i++;
    if (i < *k && v[i] == x)
        return i;
    memmove(v + i + 1, v + i, (size_t)(*k - i) * sizeof *v);
    v[i] = x;
    (*k)++;
    return i;
}

gfl_status gfl_features_search(const double *acos, const double *nG, long n, int nf,
                               const gfl_features_params *fp, gfl_feature_search *s)
{
    memset(s, 0, sizeof *s);
    s->conf_gi = s->conf_bi = -1;
    if (n < 1 || nf < 1 || !(fp->gamma > 0 && fp->gamma < 1) || !(fp->B_G >= 0) ||
        !(fp->level > 0 && fp->level < 1) || !(fp->p > 0 && fp->p <= 1))
        GFL_ERROR(GFL_EINVAL, "features search: needs draws, features, gamma in (0, 1), B_G >= 0, "
                              "p in (0, 1], level in (0, 1)");
    s->n = n;
    s->nf = nf;
    s->p = fp->p;
    s->level = fp->level;
    /* gamma: log-spaced in [1e-4, 0.99], exactly at the ends, and the configured one */
    for (int k = 0; k < GFL_SEARCH_G; k++)
        s->gamma[s->ng++] = k == 0 ? 1e-4 : k == GFL_SEARCH_G - 1 ? 0.99
                          : exp(log(1e-4) + k * (log(0.99) - log(1e-4)) / (GFL_SEARCH_G - 1));
    s->conf_gi = insert_sorted(s->gamma, &s->ng, fp->gamma);
    /* B_G: the |G| quantiles (positive, distinct) and the configured one */
    double *sorted = malloc((size_t)n * sizeof(double));
    s->count = calloc((size_t)nf * (GFL_SEARCH_G + 1) * (GFL_SEARCH_B + 1), sizeof(long));
    s->ok = calloc((size_t)(GFL_SEARCH_G + 1) * (GFL_SEARCH_B + 1), 1);
    double *lo = malloc((size_t)(n + 1) * sizeof(double)); /* lower end by count, computed once */
    if (!sorted || !s->count || !s->ok || !lo) {
        free(sorted), free(lo);
        gfl_features_search_clear(s);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the features search");
    }
    memcpy(sorted, nG, (size_t)n * sizeof(double));
    qsort(sorted, (size_t)n, sizeof(double), cmp_double);
    for (int k = 0; k < GFL_SEARCH_B; k++) {
        double v = sorted[(size_t)((double)k * n / GFL_SEARCH_B)];
        if (v > 0 && isfinite(v))
            insert_sorted(s->B_G, &s->nb, v);
    }
    if (fp->B_G > 0)
        s->conf_bi = insert_sorted(s->B_G, &s->nb, fp->B_G);
    free(sorted);
    int ng = s->ng, nb = s->nb;
    for (long q = 0; q < n; q++)
        for (int f = 0; f < nf; f++) {
            double c = acos[(size_t)q * nf + f];
            if (!(c >= 0))
                continue; /* sign(b) != s, or no cosine */
            for (int gi = 0; gi < ng; gi++)
                for (int bi = 0; bi < nb; bi++)
                    if (c >= 1.0 - s->gamma[gi] && nG[q] >= s->B_G[bi])
                        s->count[((size_t)f * ng + gi) * nb + bi]++;
        }
    /* Bonferroni over points and features (nb = 0: no point, level unused) */
    s->level_each = 1 - (1 - fp->level) / ((double)(ng * (nb > 0 ? nb : 1)) * nf);
    for (long k = 0; k <= n; k++)
        lo[k] = NAN;
    for (int pt = 0; pt < ng * nb; pt++) {
        int all = 1;
        for (int f = 0; f < nf && all; f++) {
            long k = s->count[(size_t)f * ng * nb + pt];
            double hi;
            if (isnan(lo[k]))
                gfl_stats_clopper_pearson(k, n, s->level_each, &lo[k], &hi);
            all = lo[k] >= fp->p;
        }
        s->ok[pt] = (unsigned char)all;
    }
    free(lo);
    return GFL_OK;
}

int gfl_features_search_best(const gfl_feature_search *s, double coef)
{
    int best = -1;
    double obj = INFINITY;
    for (int gi = 0; gi < s->ng; gi++)
        for (int bi = 0; bi < s->nb; bi++) {
            double o = 2 * s->gamma[gi] + coef / s->B_G[bi];
            if (s->ok[gi * s->nb + bi] && (best < 0 || o < obj)) {
                best = gi * s->nb + bi;
                obj = o;
            }
        }
    return best;
}

/* Membership of the witness features over N_init draws of the init law. */
static gfl_status membership(const gfl_problem *pb, const gfl_witness *wit, const gfl_oracle_vt *orc,
                             const gfl_sample *mc, gfl_features_result *res)
{
    const gfl_features_params *fp = &res->fp;
    int d = pb->cfg.d, N = fp->n_init, nf = wit->nfeat;
    gfl_status st = GFL_OK;
    double *w = malloc((size_t)N * d * sizeof(double)), *b = malloc((size_t)N * sizeof(double));
    double *G = malloc((size_t)N * d * sizeof(double)), *se = malloc((size_t)N * sizeof(double));
    double *nG = malloc((size_t)N * sizeof(double)), *cs = malloc((size_t)N * nf * sizeof(double));
    long *cnt = calloc((size_t)nf * GFL_GRID_G * GFL_GRID_B, sizeof(long));
    if (!w || !b || !G || !se || !nG || !cs || !cnt) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for %d init draws", N);
        goto cleanup;
    }
    gfl_rng r;
    /* The init law does not depend on the case: the same draws for every case,
     * so two cases compare on identical (w, b). */
    gfl_rng_init(&r, pb->cfg.seed, GFL_STREAM_FEATURES, 0, 0);
    for (int q = 0; q < N; q++)
        gfl_problem_draw_neuron(&pb->cfg, &r, w + (size_t)q * d, &b[q]);
    if ((st = orc->G(pb, mc, N, w, b, G, se)) != GFL_OK)
        goto cleanup;
    for (int q = 0; q < N; q++) {
        nG[q] = norm(G + (size_t)q * d, d);
        for (int f = 0; f < nf; f++)
            gfl_in_cone(G + (size_t)q * d, wit->D + (size_t)wit->feat_rep[f] * d, d, 0, &cs[(size_t)q * nf + f]);
    }
    /* grid: gamma from 0.02 to the chosen one and beyond; B_G around the chosen one */
    static const double gmul[GFL_GRID_G] = {0.2, 0.5, 1, 2, 4};
    static const double bmul[GFL_GRID_B] = {0.1, 0.3, 1, 3, 10};
    for (int i = 0; i < GFL_GRID_G; i++)
        res->grid_gamma[i] = fmin(fp->gamma * gmul[i], 0.99);
    for (int i = 0; i < GFL_GRID_B; i++)
        res->grid_BG[i] = fp->B_G * bmul[i];
    for (int q = 0; q < N; q++)
        for (int f = 0; f < nf; f++) {
            int rep = wit->feat_rep[f];
            if ((b[q] > 0) != (wit->bstar[rep] > 0))
                continue; /* sign(b) = s */
            double c = fabs(cs[(size_t)q * nf + f]);
            for (int gi = 0; gi < GFL_GRID_G; gi++)
                for (int bi = 0; bi < GFL_GRID_B; bi++)
                    if (c >= 1.0 - res->grid_gamma[gi] && nG[q] >= res->grid_BG[bi])
                        cnt[((size_t)f * GFL_GRID_G + gi) * GFL_GRID_B + bi]++;
            if (c >= 1.0 - fp->gamma && nG[q] >= fp->B_G)
                res->feat[f].count++;
        }
    for (int f = 0; f < nf; f++) {
        gfl_feature_stat *s = &res->feat[f];
        s->p_hat = (double)s->count / N;
        gfl_stats_clopper_pearson(s->count, N, fp->level, &s->p_lo, &s->p_hi);
        s->member = s->p_lo >= fp->p;
        for (int i = 0; i < GFL_GRID_G * GFL_GRID_B; i++)
            res->grid_p[(size_t)f * GFL_GRID_G * GFL_GRID_B + i] = (double)cnt[(size_t)f * GFL_GRID_G * GFL_GRID_B + i] / N;
    }
    /* the best triple's search: |cos| where sign(b) = s, -1 elsewhere (in no cone) */
    for (int q = 0; q < N; q++)
        for (int f = 0; f < nf; f++)
            if ((b[q] > 0) != (wit->bstar[wit->feat_rep[f]] > 0))
                cs[(size_t)q * nf + f] = -1;
            else
                cs[(size_t)q * nf + f] = fabs(cs[(size_t)q * nf + f]);
    if ((st = gfl_features_search(cs, nG, N, nf, fp, &res->search)) != GFL_OK)
        goto cleanup;
    res->best_pt = gfl_features_search_best(&res->search, gfl_features_conc_coef(1.0, res->mom.Bx2, pb->cfg.n));
    for (int f = 0; f < nf && res->best_pt >= 0; f++) {
        gfl_feature_stat *s = &res->feat[f];
        double hi;
        s->best_count = res->search.count[(size_t)f * res->search.ng * res->search.nb + res->best_pt];
        gfl_stats_clopper_pearson(s->best_count, N, res->search.level_each, &s->best_p_lo, &hi);
    }
    qsort(nG, (size_t)N, sizeof(double), cmp_double);
    res->G_norm_median = nG[N / 2];
    res->G_norm_max = nG[N - 1];
    if (pb->cfg.case_id == GFL_CASE_PARITY_UNIFORM) {
        /* SPEC 8 contrast: the structured parity at the same (d, k, draws). */
        gfl_problem pp;
        gfl_config cp = pb->cfg;
        cp.case_id = GFL_CASE_PARITY;
        if ((st = gfl_problem_init(&pp, &cp)) != GFL_OK)
            goto cleanup;
        st = orc->G(&pp, mc, N, w, b, G, se);
        gfl_problem_clear(&pp);
        if (st != GFL_OK)
            goto cleanup;
        for (int q = 0; q < N; q++)
            nG[q] = norm(G + (size_t)q * d, d);
        qsort(nG, (size_t)N, sizeof(double), cmp_double);
        res->contrast_G_median = nG[N / 2];
    }
cleanup:
    free(w), free(b), free(G), free(se), free(nG), free(cs), free(cnt);
    return st;
}

/* The learned neurons after step 1 of Algorithm 1 (SPEC 3, 4). */
static gfl_status neurons(const gfl_problem *pb, const gfl_witness *wit, const gfl_engine_vt *vt,
                          const gfl_oracle_vt *orc, const gfl_sample *mc, gfl_features_result *res)
{
    const gfl_config *c = &pb->cfg;
    int d = c->d, m = c->m, h = m / 2, n = c->n;
    gfl_stepper sp;
    gfl_status st = GFL_OK;
    memset(&sp, 0, sizeof sp);
    double *a1 = malloc((size_t)m * sizeof(double)), *W1 = malloc((size_t)m * d * sizeof(double));
    double *GZ = malloc((size_t)h * d * sizeof(double)), *G = malloc((size_t)h * d * sizeof(double));
    double *se = malloc((size_t)h * sizeof(double));
    if (!a1 || !W1 || !GZ || !G || !se) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        goto cleanup;
    }
    gfl_step_info info;
    if ((st = gfl_stepper_init(&sp, vt, pb, NULL, n)) != GFL_OK)
        goto cleanup;
    gfl_stepper_draw(&sp);
    if ((st = gfl_stepper_step(&sp, &sp, &info)) != GFL_OK)
        goto cleanup;
    vt->store(sp.eng, a1, W1);
    const double *X = sp.X, *Y = sp.Y; /* Z^(0), the batch of step 1 */
    /* mirror pairs share (w^(0), b): one G per pair */
    if ((st = orc->G_emp(pb, X, Y, n, h, pb->W0, pb->b, GZ, NULL)) != GFL_OK ||
        (st = orc->G(pb, mc, h, pb->W0, pb->b, G, se)) != GFL_OK)
        goto cleanup;
    long aligned = 0;
    for (int i = 0; i < m; i++) {
        gfl_neuron_stat *s = &res->neuron[i];
        int p = i % h;
        const double *gz = GZ + (size_t)p * d, *g = G + (size_t)p * d, *w1 = W1 + (size_t)i * d;
        double dd = 0;
        for (int j = 0; j < d; j++)
            dd += (gz[j] - g[j]) * (gz[j] - g[j]);
        s->norm_GZ = norm(gz, d);
        s->norm_G = norm(g, d);
        s->G_se = se[p];
        s->dist_GZ_G = sqrt(dd);
        s->norm_w1 = norm(w1, d);
        GFL_TESTCASE(s->norm_w1 == 0); /* w^(1) = 0: inactive on the whole first batch, no direction */
        s->beta = s->norm_w1 > 0 ? pb->b[i] / s->norm_w1 : INFINITY;
        s->best = -1;
        s->cos = 0;
        for (int f = 0; f < wit->nfeat && s->norm_w1 > 0; f++) {
            int rep = wit->feat_rep[f];
            double cs;
            if ((pb->b[i] > 0) != (wit->bstar[rep] > 0))
                continue;
            gfl_in_cone(w1, wit->D + (size_t)rep * d, d, 0, &cs);
            if (s->best < 0 || fabs(cs) > fabs(s->cos)) {
                s->best = f;
                s->cos = cs;
            }
        }
    }
    for (int i = 0; i < h; i++) {
        /* a pair is aligned when both of its neurons are in some witness cone */
        const gfl_neuron_stat *u = &res->neuron[i], *v = &res->neuron[i + h];
        aligned += u->best >= 0 && v->best >= 0 && fabs(u->cos) >= 1 - res->fp.gamma &&
                   fabs(v->cos) >= 1 - res->fp.gamma;
    }
    res->frac_pairs_aligned = (double)aligned / h;
    res->G_pairs = G;
    G = NULL;
cleanup:
    gfl_stepper_clear(&sp);
    free(a1), free(W1), free(GZ), free(G), free(se);
    return st;
}

gfl_status gfl_features_run(const gfl_problem *pb, const gfl_witness *wit, const gfl_engine_vt *eng,
                            const gfl_oracle_vt *orc, const gfl_features_params *fp,
                            gfl_features_result *res)
{
    double t0 = gfl_clock_seconds();
    gfl_sample mc = {0, NULL, NULL};
    gfl_status st;
    memset(res, 0, sizeof *res);
    if (!(fp->gamma > 0 && fp->gamma < 1))
        GFL_ERROR(GFL_EINVAL, "--gamma must be in (0, 1)");
    if (!(fp->B_G >= 0) || !(fp->p > 0 && fp->p <= 1) || !(fp->level > 0 && fp->level < 1))
        GFL_ERROR(GFL_EINVAL, "--bg must be >= 0, --p in (0, 1], --level in (0, 1)");
    if (fp->n_init < 1 || fp->n_mc < 2)
        GFL_ERROR(GFL_EINVAL, "--n-init must be >= 1 and --n-mc >= 2");
    res->fp = *fp;
    res->nfeat = wit->nfeat;
    res->m = pb->cfg.m;
    res->feat = calloc((size_t)wit->nfeat, sizeof *res->feat);
    res->grid_p = calloc((size_t)wit->nfeat * GFL_GRID_G * GFL_GRID_B, sizeof(double));
    res->neuron = calloc((size_t)pb->cfg.m, sizeof *res->neuron);
    if (!res->feat || !res->grid_p || !res->neuron) {
        gfl_features_clear(res);
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    }
    if ((st = gfl_sample_draw(&mc, pb, fp->n_mc, GFL_TAG_FEATURES_MC)) != GFL_OK ||
        (st = orc->moments(pb, &mc, &res->mom)) != GFL_OK ||
        (pb->data && (st = gfl_data_moments(&mc, pb->cfg.d, &res->mom)) != GFL_OK) ||
        (st = membership(pb, wit, orc, &mc, res)) != GFL_OK ||
        (st = neurons(pb, wit, eng, orc, &mc, res)) != GFL_OK) {
        gfl_sample_clear(&mc);
        gfl_features_clear(res);
        return st;
    }
    gfl_sample_clear(&mc);
    res->seconds = gfl_clock_seconds() - t0;
    return GFL_OK;
}
