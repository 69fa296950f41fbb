#include "gfl_problem.h"
#include "gfl_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t sz) { return calloc(n ? n : 1, sz); }

static double dot(const double *u, const double *x, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++)
        s += u[j] * x[j];
    return s;
}


void gfl_problem_draw_neuron(const gfl_config *cfg, gfl_rng *r, double *w, double *b)
{
    for (int j = 0; j < cfg->d; j++)
        w[j] = cfg->sigma_w * gfl_rng_normal(r);
    switch (cfg->bias_mode) {
    case GFL_BIAS_CONST: *b = cfg->btilde; break;
    case GFL_BIAS_SIGN: *b = gfl_rng_sign(r) * cfg->btilde; break;
    case GFL_BIAS_GAUSS: *b = cfg->sigma_b * gfl_rng_normal(r); break;
    }
}

void gfl_problem_draw_init(const gfl_config *cfg, gfl_rng *r, double *a, double *W, double *b)
{
    /* SPEC 2: draw the first half, then mirror (a -> -a, same w and b). */
    int h = cfg->m / 2, d = cfg->d;
    for (int i = 0; i < h; i++) {
        a[i] = cfg->sigma_a * gfl_rng_normal(r);
        gfl_problem_draw_neuron(cfg, r, W + (size_t)i * d, &b[i]);
        a[i + h] = -a[i];
        memcpy(W + (size_t)(i + h) * d, W + (size_t)i * d, (size_t)d * sizeof(double));
        b[i + h] = b[i];
    }
}

static gfl_status mixture_init(gfl_problem *pb)
{
    const gfl_config *c = &pb->cfg;
    gfl_mixture *mx = &pb->mix;
    int d = c->d;
    mx->ncomp = c->case_id == GFL_CASE_XOR ? 4 : c->r;
    mx->mu = xcalloc((size_t)mx->ncomp * d, sizeof(double));
    mx->s = xcalloc((size_t)mx->ncomp, sizeof(double));
    mx->y = xcalloc((size_t)mx->ncomp, sizeof(double));
    mx->pi = xcalloc((size_t)mx->ncomp, sizeof(double));
    if (!mx->mu || !mx->s || !mx->y || !mx->pi)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the mixture");
    for (int j = 0; j < mx->ncomp; j++) {
        mx->s[j] = c->noise;
        mx->pi[j] = 1.0 / mx->ncomp;
        if (c->case_id == GFL_CASE_XOR) {
            /* +-mu e1 labelled +1, +-mu e2 labelled -1 (SPEC 7 xor). */
            mx->mu[(size_t)j * d + (j < 2 ? 0 : 1)] = (j % 2 == 0) ? c->mu : -c->mu;
            mx->y[j] = j < 2 ? 1.0 : -1.0;
        } else {
            /* mu_j = mu e_j, labels +,-,+,- (SPEC 7 mog). */
            mx->mu[(size_t)j * d + j] = c->mu;
            mx->y[j] = (j % 2 == 0) ? 1.0 : -1.0;
        }
    }
    return GFL_OK;
}

/* Slabs (SPEC 8): U = R, d x d orthonormal, row j the image of e_j, so that
 * x = sum_j z_j R_j for the axis-aligned point z.  A Haar rotation: modified
 * Gram-Schmidt, applied twice, on rows of Gaussians (identity without --rotate). */
static gfl_status slabs_init(gfl_problem *pb, gfl_rng *r)
{
    int d = pb->cfg.d;
    pb->U = xcalloc((size_t)d * d, sizeof(double));
    if (!pb->U)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the slabs rotation");
    double *R = pb->U;
    if (!pb->cfg.rotate) {
        for (int j = 0; j < d; j++)
            R[(size_t)j * d + j] = 1.0;
        return GFL_OK;
    }
    for (size_t q = 0; q < (size_t)d * d; q++)
        R[q] = gfl_rng_normal(r);
    for (int j = 0; j < d; j++) {
        double *u = R + (size_t)j * d;
        for (int pass = 0; pass < 2; pass++)
            for (int l = 0; l < j; l++) {
                double c = dot(R + (size_t)l * d, u, d);
                for (int i = 0; i < d; i++)
                    u[i] -= c * R[(size_t)l * d + i];
            }
        double nu = sqrt(dot(u, u, d));
        for (int i = 0; i < d; i++)
            u[i] /= nu;
    }
    return GFL_OK;
}

/* One axis-aligned slabs point z (the law of gendata.py's LMS-5 with
 * width 1, linear and slab margin `margin`, P(center | y = -1) = 3/4);
 * returns y.  Slab width w = (2 - 8 margin)/5; y = +1: |z_j| in
 * [(1 + 6 margin)/5, + w]; y = -1: |z_j| <= w/2 (prob. 3/4) or
 * |z_j| in [(3 + 8 margin)/5, + w]. */
double gfl_slabs_point(const gfl_config *c, gfl_rng *r, double *z)
{
    double m = c->margin, w = (2.0 - 8.0 * m) / 5.0;
    double y = gfl_rng_sign(r);
    z[0] = y * (m + (1.0 - m) * gfl_rng_uniform(r));
    for (int j = 1; j < c->d; j++) {
        double s = gfl_rng_sign(r), u = gfl_rng_uniform(r);
        if (y > 0)
            z[j] = s * ((1.0 + 6.0 * m) / 5.0 + w * u);
        else if (gfl_rng_uniform(r) < 0.75)
            z[j] = 0.5 * s * w * u;
        else
            z[j] = s * ((3.0 + 8.0 * m) / 5.0 + w * u);
    }
    return y;
}

void gfl_slabs_rotate(const gfl_problem *pb, const double *z, double *x)
{
    int d = pb->cfg.d;
    for (int i = 0; i < d; i++)
        x[i] = 0.0;
    for (int j = 0; j < d; j++)
        for (int i = 0; i < d; i++)
            x[i] += z[j] * pb->U[(size_t)j * d + i];
}

void gfl_slabs_unrotate(const gfl_problem *pb, const double *x, double *z)
{
    int d = pb->cfg.d;
    for (int j = 0; j < d; j++)
        z[j] = dot(pb->U + (size_t)j * d, x, d);
}

static gfl_status structure_init(gfl_problem *pb)
{
    const gfl_config *c = &pb->cfg;
    int d = c->d;
    gfl_rng r;
    gfl_rng_init(&r, c->seed, GFL_STREAM_CASE, (uint64_t)c->case_id, 0);
    switch (c->case_id) {
    case GFL_CASE_MOG:
    case GFL_CASE_XOR:
        return mixture_init(pb);
    case GFL_CASE_PARITY:
    case GFL_CASE_PARITY_UNIFORM: {
        pb->A = xcalloc((size_t)c->k, sizeof(int));
        if (!pb->A)
            GFL_ERROR(GFL_ENOMEM, "out of memory");
        if (!c->subset) {
            for (int j = 0; j < c->k; j++)
                pb->A[j] = j;
        } else {
            /* Selection sampling (Knuth's Algorithm S): k of d, increasing. */
            int chosen = 0;
            for (int j = 0; j < d && chosen < c->k; j++)
                if ((double)(d - j) * gfl_rng_uniform(&r) < (double)(c->k - chosen))
                    pb->A[chosen++] = j;
        }
        return GFL_OK;
    }
    case GFL_CASE_LINEAR:
        pb->U = xcalloc((size_t)d, sizeof(double));
        if (!pb->U)
            GFL_ERROR(GFL_ENOMEM, "out of memory");
        pb->U[0] = 1.0; /* w* = e1 */
        return GFL_OK;
    case GFL_CASE_DATA:
        return gfl_data_problem_init(pb);
    case GFL_CASE_MULTIINDEX: {
        pb->U = xcalloc((size_t)2 * d, sizeof(double));
        if (!pb->U)
            GFL_ERROR(GFL_ENOMEM, "out of memory");
        if (!c->rotate) {
            pb->U[0] = 1.0;
            pb->U[d + 1] = 1.0;
            return GFL_OK;
        }
        /* Seeded rotation: Gram-Schmidt on two Gaussian vectors. */
        double *u1 = pb->U, *u2 = pb->U + d, n1 = 0, n2 = 0, dot = 0;
        for (int j = 0; j < d; j++) u1[j] = gfl_rng_normal(&r);
        for (int j = 0; j < d; j++) u2[j] = gfl_rng_normal(&r);
        for (int j = 0; j < d; j++) n1 += u1[j] * u1[j];
        n1 = sqrt(n1);
        for (int j = 0; j < d; j++) u1[j] /= n1;
        for (int j = 0; j < d; j++) dot += u1[j] * u2[j];
        for (int j = 0; j < d; j++) u2[j] -= dot * u1[j];
        for (int j = 0; j < d; j++) n2 += u2[j] * u2[j];
        n2 = sqrt(n2);
        for (int j = 0; j < d; j++) u2[j] /= n2;
        return GFL_OK;
    }
    case GFL_CASE_SLABS:
        return slabs_init(pb, &r);
    default:                                   /* LCOV_EXCL_LINE: gfl_config_validate rejects */
        GFL_ERROR(GFL_EINVAL, "unknown case"); /* LCOV_EXCL_LINE: unknown cases before this */
    }
}

gfl_status gfl_problem_init(gfl_problem *pb, const gfl_config *cfg)
{
    memset(pb, 0, sizeof *pb);
    GFL_TRY(gfl_config_validate(cfg));
    pb->cfg = *cfg;
    gfl_status st = structure_init(pb);
    if (st != GFL_OK)
        goto cleanup;
    size_t m = (size_t)cfg->m, d = (size_t)cfg->d, nt = (size_t)cfg->n_test;
    pb->a0 = xcalloc(m, sizeof(double));
    pb->W0 = xcalloc(m * d, sizeof(double));
    pb->b = xcalloc(m, sizeof(double));
    pb->Xtest = xcalloc(nt * d, sizeof(double));
    pb->Ytest = xcalloc(nt, sizeof(double));
    if (!pb->a0 || !pb->W0 || !pb->b || !pb->Xtest || !pb->Ytest) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for m = %d, d = %d, n-test = %d", cfg->m,
                      cfg->d, cfg->n_test);
        goto cleanup;
    }
    gfl_rng r;
    gfl_rng_init(&r, cfg->seed, GFL_STREAM_INIT, 0, 0);
    gfl_problem_draw_init(cfg, &r, pb->a0, pb->W0, pb->b);
    gfl_rng_init(&r, cfg->seed, GFL_STREAM_TEST, (uint64_t)cfg->case_id, 0);
    if (pb->data)
        gfl_data_problem_heldout(pb);
    else
        gfl_problem_sample(pb, &r, cfg->n_test, pb->Xtest, pb->Ytest);
    return GFL_OK;
cleanup:
    gfl_problem_clear(pb);
    return st;
}

void gfl_problem_clear(gfl_problem *pb)
{
    free(pb->mix.mu);
    free(pb->mix.s);
    free(pb->mix.y);
    free(pb->mix.pi);
    free(pb->A);
    free(pb->U);
    free(pb->a0);
    free(pb->W0);
    free(pb->b);
    free(pb->Xtest);
    free(pb->Ytest);
    gfl_data_problem_clear(pb);
    memset(pb, 0, sizeof *pb);
}

static double sample_one(const gfl_problem *pb, gfl_rng *r, double *x)
{
    const gfl_config *c = &pb->cfg;
    int d = c->d;
    switch (c->case_id) {
    case GFL_CASE_MOG:
    case GFL_CASE_XOR: {
        const gfl_mixture *mx = &pb->mix;
        int j = (int)gfl_rng_below(r, (uint64_t)mx->ncomp); /* equal weights */
        for (int i = 0; i < d; i++)
            x[i] = mx->mu[(size_t)j * d + i] + mx->s[j] * gfl_rng_normal(r);
        return mx->y[j];
    }
    case GFL_CASE_PARITY:
    case GFL_CASE_PARITY_UNIFORM: {
        /* p_struct = 1/2 keeps the fair-sign draw, so the default stream is unchanged */
        int structured = c->case_id == GFL_CASE_PARITY &&
                         (c->p_struct == 0.5 ? gfl_rng_sign(r) > 0 : gfl_rng_uniform(r) < c->p_struct);
        for (int i = 0; i < d; i++)
            x[i] = gfl_rng_sign(r);
        if (structured) {
            double s = gfl_rng_sign(r);
            for (int j = 0; j < c->k; j++)
                x[pb->A[j]] = s;
        }
        double y = 1.0;
        for (int j = 0; j < c->k; j++)
            y *= x[pb->A[j]];
        return y;
    }
    case GFL_CASE_LINEAR: {
        double z;
        do {
            for (int i = 0; i < d; i++)
                x[i] = gfl_rng_normal(r);
            z = dot(pb->U, x, d);
        } while (fabs(z) < c->margin || z == 0.0);
        return z > 0 ? 1.0 : -1.0;
    }
    case GFL_CASE_MULTIINDEX: {
        double p;
        do {
            for (int i = 0; i < d; i++)
                x[i] = gfl_rng_normal(r);
            p = dot(pb->U, x, d) * dot(pb->U + d, x, d);
        } while (p == 0.0); /* probability zero; keeps the label a sign */
        return p > 0 ? 1.0 : -1.0;
    }
    case GFL_CASE_SLABS: {
        double z[d];
        double y = gfl_slabs_point(c, r, z);
        gfl_slabs_rotate(pb, z, x);
        return y;
    }
    default:        /* LCOV_EXCL_LINE: the problem was validated: */
        return 0.0; /* LCOV_EXCL_LINE: no unknown case reaches here */
    }
}

void gfl_problem_sample(const gfl_problem *pb, gfl_rng *r, int n, double *X, double *Y)
{
    if (pb->data) {
        gfl_data_problem_sample(pb, r, n, X, Y);
        return;
    }
    for (int k = 0; k < n; k++)
        Y[k] = sample_one(pb, r, X + (size_t)k * pb->cfg.d);
}

void gfl_problem_batch(const gfl_problem *pb, int t, double *X, double *Y)
{
    if (pb->data) {
        gfl_dataset_batch(pb->data, &pb->cfg, t, X, Y);
        return;
    }
    gfl_rng r;
    int step = pb->cfg.fixed_batch ? 1 : t;
    gfl_rng_init(&r, pb->cfg.seed, GFL_STREAM_BATCH, (uint64_t)pb->cfg.case_id, (uint64_t)step);
    gfl_problem_sample(pb, &r, pb->cfg.n, X, Y);
}
