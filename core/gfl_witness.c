#include "gfl_witness.h"
#include "gfl_data.h"

static gfl_status alloc(gfl_witness *w, int r, int d);

#include <math.h>
#include <stdlib.h>
#include <string.h>

gfl_status gfl_witness_alloc(gfl_witness *w, int r, int d) { return alloc(w, r, d); }

static gfl_status alloc(gfl_witness *w, int r, int d)
{
    w->r = r;
    w->d = d;
    w->D = calloc((size_t)r * d, sizeof(double));
    w->bstar = calloc((size_t)r, sizeof(double));
    w->astar = calloc((size_t)r, sizeof(double));
    w->feat_of = calloc((size_t)r, sizeof(int));
    w->feat_rep = calloc((size_t)r, sizeof(int));
    if (!w->D || !w->bstar || !w->astar || !w->feat_of || !w->feat_rep) {
        gfl_witness_clear(w);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the witness");
    }
    return GFL_OK;
}

static void set(gfl_witness *w, int j, const double *D, double b, double a)
{
    memcpy(w->D + (size_t)j * w->d, D, (size_t)w->d * sizeof(double));
    w->bstar[j] = b;
    w->astar[j] = a;
}

/* Groups neurons with the same (D, sign b*) into features. */
static void group_features(gfl_witness *w);
void gfl_witness_group(gfl_witness *w) { group_features(w); }

static void group_features(gfl_witness *w)
{
    w->nfeat = 0;
    for (int j = 0; j < w->r; j++) {
        int f;
        for (f = 0; f < w->nfeat; f++) {
            int rep = w->feat_rep[f];
            if ((w->bstar[rep] > 0) == (w->bstar[j] > 0) &&
                memcmp(w->D + (size_t)rep * w->d, w->D + (size_t)j * w->d, (size_t)w->d * sizeof(double)) == 0)
                break;
        }
        if (f == w->nfeat)
            w->feat_rep[w->nfeat++] = j;
        w->feat_of[j] = f;
    }
}

/* Parity (SPEC 7): <D, x> = s / sqrt(k) with s in {-k, -k+2, .., k}, y = (-1)^((k-s)/2).
 * Along +D, knots at 0.5/sqrt(k) and 2i/sqrt(k) (i = 1..(k-1)/2) sit between
 * consecutive positive values s = 1, 3, .., k; solving the triangular system
 * makes f*(s) = y(s) exactly (margin 1).  The -D side mirrors it for s < 0. */
static gfl_status parity_witness(gfl_witness *w, const gfl_problem *pb)
{
    int k = pb->cfg.k, d = pb->cfg.d, h = (k + 1) / 2;
    double rk = sqrt((double)k);
    GFL_TRY(alloc(w, 2 * h, d));
    double *D = calloc((size_t)d, sizeof(double)), *knot = calloc((size_t)h, sizeof(double));
    double *a = calloc((size_t)h, sizeof(double));
    if (!D || !knot || !a) {
        free(D), free(knot), free(a);
        gfl_witness_clear(w);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the witness");
    }
    knot[0] = 0.5 / rk;
    for (int i = 1; i < h; i++)
        knot[i] = 2.0 * i / rk;
    /* value at s = 2i+1 (i = 0..h-1): sum_{l <= i} a_l ((2i+1)/sqrt k - knot_l) = y(2i+1) */
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < h; i++) {
            int s = 2 * i + 1;
            double ys = (((k - (side ? -s : s)) / 2) % 2) ? -1.0 : 1.0;
            double acc = 0.0;
            for (int l = 0; l < i; l++)
                acc += a[l] * (s / rk - knot[l]);
            a[i] = (ys - acc) / (s / rk - knot[i]);
        }
        for (int j = 0; j < d; j++)
            D[j] = 0.0;
        for (int j = 0; j < k; j++)
            D[pb->A[j]] = (side ? -1.0 : 1.0) / rk;
        for (int i = 0; i < h; i++)
            set(w, side * h + i, D, knot[i], a[i]);
    }
    free(D), free(knot), free(a);
    return GFL_OK;
}

gfl_status gfl_witness_init(gfl_witness *w, const gfl_problem *pb)
{
    const gfl_config *c = &pb->cfg;
    int d = c->d;
    memset(w, 0, sizeof *w);
    double *D = calloc((size_t)d, sizeof(double));
    if (!D)
        GFL_ERROR(GFL_ENOMEM, "out of memory for the witness");
    gfl_status st = GFL_OK;
    switch (c->case_id) {
    case GFL_CASE_MOG:
    case GFL_CASE_XOR: {
        /* f* = sum_j y_j c sigma(<mu_j/|mu_j|, x> - |mu_j|/2), c = 4/|mu|: margin 2
         * at every component mean (SPEC 7 mog, xor). */
        const gfl_mixture *mx = &pb->mix;
        if ((st = alloc(w, mx->ncomp, d)) != GFL_OK)
            break;
        for (int j = 0; j < mx->ncomp; j++) {
            double n2 = 0.0;
            for (int i = 0; i < d; i++)
                n2 += mx->mu[(size_t)j * d + i] * mx->mu[(size_t)j * d + i];
            double nm = sqrt(n2);
            for (int i = 0; i < d; i++)
                D[i] = mx->mu[(size_t)j * d + i] / nm;
            set(w, j, D, nm / 2.0, mx->y[j] * 4.0 / nm);
        }
        break;
    }
    case GFL_CASE_PARITY:
    case GFL_CASE_PARITY_UNIFORM:
        st = parity_witness(w, pb);
        break;
    case GFL_CASE_LINEAR:
    case GFL_CASE_SLABS: {
        /* slabs: the same pair along the linear coordinate R_1 = U row 0, where
         * |z_1| >= margin: OPT = 0 with the linear part alone (SPEC 8). */
        /* c sigma(<w*,x> - beta) - c sigma(<-w*,x> - beta): y f* = c(|x_1| - beta)
         * >= c(margin - beta) = 1 with beta = margin/2, c = 2/margin (OPT = 0). */
        double beta = c->margin > 0 ? c->margin / 2 : 0.05;
        double cc = c->margin > 0 ? 2.0 / c->margin : 20.0;
        if ((st = alloc(w, 2, d)) != GFL_OK)
            break;
        for (int i = 0; i < d; i++)
            D[i] = pb->U[i];
        set(w, 0, D, beta, cc);
        for (int i = 0; i < d; i++)
            D[i] = -pb->U[i];
        set(w, 1, D, beta, -cc);
        break;
    }
    case GFL_CASE_MULTIINDEX: {
        /* v_+- = (u1 +- u2)/sqrt 2; f* = c[s(v+) + s(-v+) - s(v-) - s(-v-)] (SPEC 7),
         * since 2 z1 z2 = <v+,x>^2 - <v-,x>^2.  c = 4, beta = 0.1. */
        if ((st = alloc(w, 4, d)) != GFL_OK)
            break;
        for (int q = 0; q < 4; q++) {
            double sgn_u2 = q < 2 ? 1.0 : -1.0, flip = (q % 2) ? -1.0 : 1.0;
            for (int i = 0; i < d; i++)
                D[i] = flip * (pb->U[i] + sgn_u2 * pb->U[d + i]) / M_SQRT2;
            set(w, q, D, 0.1, q < 2 ? 4.0 : -4.0);
        }
        break;
    }
    case GFL_CASE_DATA:
        st = gfl_data_witness(w, pb); /* SPEC 11: candidates from the data */
        break;
    default:
        GFL_SET_ERROR(st, GFL_EINVAL, "no witness for this case");
    }
    free(D);
    if (st == GFL_OK)
        group_features(w);
    return st;
}

void gfl_witness_clear(gfl_witness *w)
{
    free(w->D);
    free(w->bstar);
    free(w->astar);
    free(w->feat_of);
    free(w->feat_rep);
    memset(w, 0, sizeof *w);
}

void gfl_witness_bounds(const gfl_witness *w, double *Ba1, double *Ba2, double *Bb)
{
    double m1 = 0, s2 = 0, mb = 0;
    for (int j = 0; j < w->r; j++) {
        m1 = fmax(m1, fabs(w->astar[j]));
        s2 += w->astar[j] * w->astar[j];
        mb = fmax(mb, fabs(w->bstar[j]));
    }
    *Ba1 = m1;
    *Ba2 = sqrt(s2);
    *Bb = mb;
}

gfl_status gfl_witness_network(const gfl_witness *w, int *m, double **a, double **W, double **b)
{
    int mm = w->r + (w->r % 2);
    *a = calloc((size_t)mm, sizeof(double));
    *W = calloc((size_t)mm * w->d, sizeof(double));
    *b = calloc((size_t)mm, sizeof(double));
    if (!*a || !*W || !*b) {
        free(*a), free(*W), free(*b);
        *a = *W = *b = NULL; /* the caller's cleanup may free them again */
        GFL_ERROR(GFL_ENOMEM, "out of memory for the witness network");
    }
    memcpy(*a, w->astar, (size_t)w->r * sizeof(double));
    memcpy(*W, w->D, (size_t)w->r * w->d * sizeof(double));
    memcpy(*b, w->bstar, (size_t)w->r * sizeof(double));
    if (mm > w->r)
        (*b)[w->r] = 1.0; /* padding neuron: a = 0, inactive */
    *m = mm;
    return GFL_OK;
}
