/* gfl_data_witness: the witness network of case data (SPEC 11), built from
 * the data since no witness is given.  Any network of the class
 * F(d, r, B_F, S) bounds OPT; this one is chosen to be good and to sit where
 * the learned neurons are, so that the chain's C4 term is small:
 *   1. the first-step neurons: w_i^(1) is along G_Z(w_i^(0), b_i) on the batch
 *      of step 1 (SPEC 3, first-step identity), effective bias
 *      beta_i = b_i / (eta1 |l'(0)| |a_i^(0)| |G_Z|) (SPEC 4);
 *   2. their directions clustered up to sign (spherical k-means on |cos|,
 *      k-means++ seeding from the run's seed) into K directions D_j;
 *   3. per direction and bias sign, the neurons +D_j and -D_j with the median
 *      effective bias of the cluster;
 *   4. a* minimizing the mean loss on the training pool plus (mu/2)|a|^2
 *      (convex in a) by subgradient descent, best iterate kept.
 * The result is deterministic in (data, seed, options); it is plain double
 * arithmetic, like every witness: the paths evaluate it. */
#include "gfl_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KMEANS_ITERS 20
#define FIT_ITERS 3000
#define FIT_MU 1e-3

static double dotp(const double *u, const double *v, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++)
        s += u[j] * v[j];
    return s;
}

static double loss(gfl_loss l, double z)
{
    if (l == GFL_LOSS_HINGE)
        return z < 1 ? 1 - z : 0;
    return (z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z))) / log(2.0);
}

static double loss_deriv(gfl_loss l, double z)
{
    if (l == GFL_LOSS_HINGE)
        return z < 1 ? -1 : 0;
    return -1.0 / ((1.0 + exp(z)) * log(2.0));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Spherical k-means up to sign: U (h x d) unit rows; C (K x d) out; lab (h). */
static void kmeans(const double *U, int h, int d, int K, gfl_rng *r, double *C, int *lab)
{
    double *dist = malloc((size_t)h * sizeof(double));
    if (!dist)
        return;
    /* k-means++ on the distance 1 - |cos| */
    int first = (int)gfl_rng_below(r, (uint64_t)h);
    memcpy(C, U + (size_t)first * d, (size_t)d * sizeof(double));
    for (int q = 0; q < h; q++)
        dist[q] = 1 - fabs(dotp(U + (size_t)q * d, C, d));
    for (int k = 1; k < K; k++) {
        double tot = 0;
        for (int q = 0; q < h; q++)
            tot += dist[q] * dist[q];
        int pick = (int)gfl_rng_below(r, (uint64_t)h);
        if (tot > 0) {
            double u = gfl_rng_uniform(r) * tot, acc = 0;
            for (int q = 0; q < h; q++) {
                acc += dist[q] * dist[q];
                if (acc > u) {
                    pick = q;
                    break;
                }
            }
        }
        memcpy(C + (size_t)k * d, U + (size_t)pick * d, (size_t)d * sizeof(double));
        for (int q = 0; q < h; q++)
            dist[q] = fmin(dist[q], 1 - fabs(dotp(U + (size_t)q * d, C + (size_t)k * d, d)));
    }
    free(dist);
    double *S = malloc((size_t)K * d * sizeof(double));
    if (!S)
        return;
    for (int it = 0; it < KMEANS_ITERS; it++) {
        memset(S, 0, (size_t)K * d * sizeof(double));
        for (int q = 0; q < h; q++) {
            int best = 0;
            double bc = -1, sg = 1;
            for (int k = 0; k < K; k++) {
                double c = dotp(U + (size_t)q * d, C + (size_t)k * d, d);
                if (fabs(c) > bc)
                    bc = fabs(c), best = k, sg = c < 0 ? -1 : 1;
            }
            lab[q] = best;
            for (int j = 0; j < d; j++)
                S[(size_t)best * d + j] += sg * U[(size_t)q * d + j];
        }
        for (int k = 0; k < K; k++) {
            double n = sqrt(dotp(S + (size_t)k * d, S + (size_t)k * d, d));
            if (n > 0)
                for (int j = 0; j < d; j++)
                    C[(size_t)k * d + j] = S[(size_t)k * d + j] / n;
        }
    }
    free(S);
}

/* a* over fixed features Phi (N x r): subgradient descent with a 1/sqrt(t)
 * step on the regularized mean loss; the best iterate is kept. */
static void fit(gfl_loss l, const double *Phi, const double *Y, int N, int r, double *a)
{
    double *g = malloc((size_t)r * sizeof(double)), *cur = calloc((size_t)r, sizeof(double));
    double best = INFINITY, scale = 0;
    if (!g || !cur) {
        free(g), free(cur);
        return;
    }
    for (size_t q = 0; q < (size_t)N * r; q++)
        scale = fmax(scale, fabs(Phi[q]));
    double step0 = scale > 0 ? 1.0 / scale : 1.0;
    memset(a, 0, (size_t)r * sizeof(double));
    for (int it = 0; it < FIT_ITERS; it++) {
        double L = 0;
        for (int j = 0; j < r; j++)
            g[j] = FIT_MU * cur[j];
        for (int k = 0; k < N; k++) {
            double f = 0;
            for (int j = 0; j < r; j++)
                f += cur[j] * Phi[(size_t)k * r + j];
            double z = Y[k] * f, dl = loss_deriv(l, z) * Y[k] / N;
            L += loss(l, z) / N;
            for (int j = 0; j < r && dl != 0; j++)
                g[j] += dl * Phi[(size_t)k * r + j];
        }
        L += FIT_MU / 2 * dotp(cur, cur, r);
        if (L < best) {
            best = L;
            memcpy(a, cur, (size_t)r * sizeof(double));
        }
        double step = step0 / sqrt(it + 1.0);
        for (int j = 0; j < r; j++)
            cur[j] -= step * g[j];
    }
    free(g), free(cur);
}

/* a* on the training pool over the witness's neurons (D_j, b*_j). */
static gfl_status fit_weights(gfl_witness *w, const gfl_problem *pb)
{
    const gfl_dataset *ds = pb->data;
    int N = ds->n_train, R = w->r, d = w->d;
    double *Phi = malloc((size_t)N * R * sizeof(double));
    if (!Phi)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the data witness");
    for (int k = 0; k < N; k++)
        for (int j = 0; j < R; j++)
            Phi[(size_t)k * R + j] = fmax(dotp(w->D + (size_t)j * d, ds->Xtrain + (size_t)k * d, d) - w->bstar[j], 0.0);
    fit(pb->cfg.loss, Phi, ds->Ytrain, N, R, w->astar);
    free(Phi);
    return GFL_OK;
}

gfl_status gfl_data_witness(gfl_witness *w, const gfl_problem *pb)
{
    const gfl_config *c = &pb->cfg;
    if (!pb->data)
        GFL_ERROR(GFL_EINVAL, "no witness: case data without its data (gfl_problem_init reads it)");
    int d = c->d, n = c->n, h = c->m / 2, K = c->clusters;
    gfl_status st = GFL_OK;
    double *X = malloc((size_t)n * d * sizeof(double)), *Y = malloc((size_t)n * sizeof(double));
    double *U = malloc((size_t)h * d * sizeof(double)), *beta = malloc((size_t)h * sizeof(double));
    double *C = calloc((size_t)K * d, sizeof(double)), *tmp = malloc((size_t)h * sizeof(double));
    int *lab = calloc((size_t)h, sizeof(int)), *keep = calloc((size_t)h, sizeof(int));
    if (!X || !Y || !U || !beta || !C || !tmp || !lab || !keep) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the data witness");
        goto cleanup;
    }
    gfl_problem_batch(pb, 1, X, Y);
    /* |l'(0)|: 1 for the hinge, 1 / (2 ln 2) for the logistic loss */
    double lp0 = c->loss == GFL_LOSS_HINGE ? 1.0 : 0.5 / log(2.0);
    int hk = 0;
    for (int i = 0; i < h; i++) {
        const double *wi = pb->W0 + (size_t)i * d;
        double *G = U + (size_t)hk * d;
        memset(G, 0, (size_t)d * sizeof(double));
        for (int k = 0; k < n; k++)
            if (dotp(wi, X + (size_t)k * d, d) > pb->b[i])
                for (int j = 0; j < d; j++)
                    G[j] += Y[k] * X[(size_t)k * d + j] / n;
        double nG = sqrt(dotp(G, G, d));
        if (!(nG > 0))
            continue; /* inactive on the whole batch: no direction (SPEC 6 C4) */
        for (int j = 0; j < d; j++)
            G[j] /= nG;
        beta[hk] = pb->b[i] / (c->eta1 * lp0 * fabs(pb->a0[i]) * nG);
        keep[hk] = i;
        hk++;
    }
    if (hk == 0) {
        GFL_SET_ERROR(st, GFL_EINVAL, "no first-step neuron is active on the batch of step 1: no candidate direction "
                      "(try a smaller --btilde)");
        goto cleanup;
    }
    if (K > hk)
        K = hk;
    gfl_rng r;
    gfl_rng_init(&r, c->seed, GFL_STREAM_CASE, (uint64_t)GFL_CASE_DATA, 2);
    kmeans(U, hk, d, K, &r, C, lab);
    /* neurons: per cluster and bias sign present, +D and -D at the median bias */
    int rr = 0;
    double *bj = malloc((size_t)2 * K * sizeof(double));
    int *cj = malloc((size_t)2 * K * sizeof(int));
    if (!bj || !cj) {
        free(bj), free(cj);
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the data witness");
        goto cleanup;
    }
    for (int k = 0; k < K; k++)
        for (int s = 0; s < 2; s++) {
            int cnt = 0;
            for (int q = 0; q < hk; q++)
                if (lab[q] == k && ((beta[q] > 0) == (s == 0)))
                    tmp[cnt++] = beta[q];
            if (cnt == 0)
                continue;
            qsort(tmp, (size_t)cnt, sizeof(double), cmp_double);
            bj[rr] = tmp[cnt / 2];
            cj[rr++] = k;
        }
    if ((st = gfl_witness_alloc(w, 2 * rr, d)) != GFL_OK) {
        free(bj), free(cj);
        goto cleanup;
    }
    for (int q = 0; q < rr; q++)
        for (int s = 0; s < 2; s++) {
            int j = 2 * q + s;
            for (int i = 0; i < d; i++)
                w->D[(size_t)j * d + i] = (s ? -1.0 : 1.0) * C[(size_t)cj[q] * d + i];
            w->bstar[j] = bj[q];
        }
    free(bj), free(cj);
    st = fit_weights(w, pb);
cleanup:
    free(X), free(Y), free(U), free(beta), free(C), free(tmp), free(lab), free(keep);
    return st;
}

gfl_status gfl_data_witness_keep(gfl_witness *w, const gfl_problem *pb, const int *keep_feat)
{
    int r = 0, d = w->d;
    for (int j = 0; j < w->r; j++)
        r += keep_feat[w->feat_of[j]] != 0;
    if (r == 0)
        GFL_ERROR(GFL_EINVAL, "no candidate feature to keep");
    gfl_witness nw;
    memset(&nw, 0, sizeof nw);
    GFL_TRY(gfl_witness_alloc(&nw, r, d));
    int q = 0;
    for (int j = 0; j < w->r; j++)
        if (keep_feat[w->feat_of[j]]) {
            memcpy(nw.D + (size_t)q * d, w->D + (size_t)j * d, (size_t)d * sizeof(double));
            nw.bstar[q++] = w->bstar[j];
        }
    gfl_status st = fit_weights(&nw, pb);
    if (st != GFL_OK) {
        gfl_witness_clear(&nw);
        return st;
    }
    gfl_witness_group(&nw);
    gfl_witness_clear(w);
    *w = nw;
    return GFL_OK;
}
