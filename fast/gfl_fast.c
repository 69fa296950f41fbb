#include "gfl_fast.h"
#include "gfl_fast_fault.h"
#include "gfl_loss.h"
#include "gfl_testcase.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Test-only defects (gfl_fast_fault.h): read at three places below, never set
 * outside the tests. */
int gfl_fast_fault = GFL_FAULT_NONE;

const char *gfl_fast_fault_name(int fault)
{
    static const char *const names[GFL_NFAULTS] = {"none", "tie_active", "drop_inv_n", "ulp_h",
                                                   "drop_inv_n_late"};
    return fault >= 0 && fault < GFL_NFAULTS ? names[fault] : "unknown";
}

typedef struct {
    int m, d, n_max;
    gfl_loss loss;
    double *a, *W, *b;  /* parameters */
    double *S;          /* n_max x m: sigma(<w_i, x_k> - b_i) */
    double *M;          /* n_max x m: g_k 1[h_ik > 0] */
    double *f, *g;      /* n_max */
    double *ga, *gW;    /* gradients: m, m x d */
    int nstep;          /* steps taken (only GFL_FAULT_DROP_INV_N_LATE reads it) */
} fast_eng;

static void eng_free(fast_eng *e)
{
    free(e->a);
    free(e->W);
    free(e->b);
    free(e->S);
    free(e->M);
    free(e->f);
    free(e->g);
    free(e->ga);
    free(e->gW);
    free(e);
}

static gfl_status fast_create(void **out, const gfl_config *cfg, int n_max)
{
    fast_eng *e = calloc(1, sizeof *e);
    if (!e)
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    size_t m = (size_t)cfg->m, d = (size_t)cfg->d, nm = (size_t)n_max;
    e->m = cfg->m;
    e->d = cfg->d;
    e->n_max = n_max;
    e->loss = cfg->loss;
    e->a = calloc(m, sizeof(double));
    e->W = calloc(m * d, sizeof(double));
    e->b = calloc(m, sizeof(double));
    e->S = calloc(nm * m, sizeof(double));
    e->M = calloc(nm * m, sizeof(double));
    e->f = calloc(nm, sizeof(double));
    e->g = calloc(nm, sizeof(double));
    e->ga = calloc(m, sizeof(double));
    e->gW = calloc(m * d, sizeof(double));
    if (!e->a || !e->W || !e->b || !e->S || !e->M || !e->f || !e->g || !e->ga || !e->gW) {
        eng_free(e);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the fast path workspaces");
    }
    *out = e;
    return GFL_OK;
}

static void fast_destroy(void *p) { eng_free(p); }

static gfl_status fast_load(void *p, const double *a, const double *W, const double *b)
{
    fast_eng *e = p;
    memcpy(e->a, a, (size_t)e->m * sizeof(double));
    memcpy(e->W, W, (size_t)e->m * (size_t)e->d * sizeof(double));
    memcpy(e->b, b, (size_t)e->m * sizeof(double));
    return GFL_OK;
}

/* S = sigma(X W^T - b) and f = S a with mirror pairs (i, i + m/2) added to
 * each other first (SPEC 2), so f == 0 exactly at the symmetric init. */
static void forward(fast_eng *e, const double *X, int n)
{
    int m = e->m, h = m / 2;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, e->d, 1.0, X, e->d, e->W, e->d,
                0.0, e->S, m);
    for (int k = 0; k < n; k++) {
        double *s = e->S + (size_t)k * m, acc = 0.0;
        double h0 = s[0] - e->b[0];
        for (int i = 0; i < m; i++) {
            double z = s[i] - e->b[i];
            GFL_TESTCASE(z == 0.0); /* the exact ReLU tie */
            s[i] = z > 0.0 ? z : 0.0; /* sigma'(0) = 0: a tie is inactive */
        }
        if (gfl_fast_fault == GFL_FAULT_ULP_H) { /* test-only defect */
            h0 = nextafter(h0, INFINITY);
            s[0] = h0 > 0.0 ? h0 : 0.0;
        }
        for (int i = 0; i < h; i++)
            acc += e->a[i] * s[i] + e->a[i + h] * s[i + h];
        e->f[k] = acc;
    }
}

static gfl_status fast_forward(void *p, const double *X, int n, double *f)
{
    fast_eng *e = p;
    for (int k0 = 0; k0 < n; k0 += e->n_max) {
        int nc = n - k0 < e->n_max ? n - k0 : e->n_max;
        forward(e, X + (size_t)k0 * e->d, nc);
        memcpy(f + k0, e->f, (size_t)nc * sizeof(double));
    }
    return GFL_OK;
}

static gfl_status fast_evaluate(void *p, const double *X, const double *Y, int n, double *loss,
                                double *err)
{
    fast_eng *e = p;
    double L = 0.0, E = 0.0;
    for (int k0 = 0; k0 < n; k0 += e->n_max) {
        int nc = n - k0 < e->n_max ? n - k0 : e->n_max;
        forward(e, X + (size_t)k0 * e->d, nc);
        for (int k = 0; k < nc; k++) {
            double z = Y[k0 + k] * e->f[k];
            L += gfl_loss_value(e->loss, z);
            GFL_TESTCASE(z == 0.0); /* f = 0 */
            E += z > 0.0 ? 0.0 : 1.0; /* f = 0 (and NaN) counts as an error */
        }
    }
    *loss = L / n;
    *err = E / n;
    return GFL_OK;
}

/* Euclidean norm without overflow for large finite entries (BLAS scales). */
static double norm2(const double *v, size_t len)
{
    return cblas_dnrm2((blasint)len, v, 1);
}

/* GFL_FAULT_TIE_ACTIVE: sigma'(0) = 1, i.e. neurons with h_ik == 0 join the
 * W-gradient.  S only says "inactive", so h is recomputed (plain loop; the
 * instances that exercise this are exact in any order). */
static void fault_ties_active(const fast_eng *e, const double *x, const double *s, double *mk,
                              double g)
{
    for (int i = 0; i < e->m; i++) {
        if (s[i] != 0.0)
            continue;
        double h = 0.0;
        for (int j = 0; j < e->d; j++)
            h += e->W[(size_t)i * e->d + j] * x[j];
        if (h - e->b[i] == 0.0)
            mk[i] = g;
    }
}

/* Batch loss, e->ga = dL/da and (when want_w) e->gW = dL/dW at the current
 * parameters (SPEC 1); leaves S and g of this batch for decisions(). */
static double grad(fast_eng *e, const double *X, const double *Y, int n, int want_w)
{
    int m = e->m, d = e->d;
    forward(e, X, n);
    /* g_k = l'(y_k f(x_k)) y_k */
    double L = 0.0;
    for (int k = 0; k < n; k++) {
        double z = Y[k] * e->f[k];
        L += gfl_loss_value(e->loss, z);
        e->g[k] = gfl_loss_deriv(e->loss, z) * Y[k];
    }
    /* dL/da_i = (1/n) sum_k g_k sigma(h_ik) */
    int drop = gfl_fast_fault == GFL_FAULT_DROP_INV_N ||
               (gfl_fast_fault == GFL_FAULT_DROP_INV_N_LATE && e->nstep >= 2); /* test-only defects */
    double inv_n = drop ? 1.0 : 1.0 / n;
    cblas_dgemv(CblasRowMajor, CblasTrans, n, m, inv_n, e->S, m, e->g, 1, 0.0, e->ga, 1);
    if (want_w) {
        /* dL/dw_i = (a_i/n) sum_k g_k 1[h_ik > 0] x_k */
        for (int k = 0; k < n; k++) {
            const double *s = e->S + (size_t)k * m;
            double *mk = e->M + (size_t)k * m;
            for (int i = 0; i < m; i++)
                mk[i] = s[i] > 0.0 ? e->g[k] : 0.0;
            if (gfl_fast_fault == GFL_FAULT_TIE_ACTIVE) /* test-only defect */
                fault_ties_active(e, X + (size_t)k * d, s, mk, e->g[k]);
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, d, n, 1.0, e->M, m, X, d, 0.0,
                    e->gW, d);
        for (int i = 0; i < m; i++)
            cblas_dscal(d, e->a[i] / n, e->gW + (size_t)i * d, 1);
    }
    return L / n;
}

static gfl_status fast_gradient(void *p, const double *X, const double *Y, int n, double *loss,
                                double *ga, double *gW)
{
    fast_eng *e = p;
    if (n > e->n_max)
        GFL_ERROR(GFL_EINTERNAL, "batch of %d exceeds the workspace (%d)", n, e->n_max);
    *loss = grad(e, X, Y, n, 1);
    memcpy(ga, e->ga, (size_t)e->m * sizeof(double));
    memcpy(gW, e->gW, (size_t)e->m * (size_t)e->d * sizeof(double));
    return GFL_OK;
}

static gfl_status fast_step(void *p, const double *X, const double *Y, int n, double eta, double lam,
                            int lam_inv_eta, int update_w, gfl_step_info *info)
{
    fast_eng *e = p;
    int m = e->m;
    size_t md = (size_t)m * (size_t)e->d;
    if (n > e->n_max)
        GFL_ERROR(GFL_EINTERNAL, "batch of %d exceeds the workspace (%d)", n, e->n_max);
    if (lam_inv_eta)
        lam = 1.0 / eta;
    e->nstep++;
    info->batch_loss = grad(e, X, Y, n, update_w);
    /* SPEC 3: simultaneous update, W first (its gradient used the old a). */
    if (update_w)
        for (size_t q = 0; q < md; q++)
            e->W[q] = e->W[q] - eta * (e->gW[q] + lam * e->W[q]);
    for (int i = 0; i < m; i++) {
        e->ga[i] = e->ga[i] + lam * e->a[i]; /* subgradient g_t of h_t (SPEC 6 C5) */
        e->a[i] = e->a[i] - eta * e->ga[i];
    }
    info->grad_norm_a = norm2(e->ga, (size_t)m);
    info->norm_a = norm2(e->a, (size_t)m);
    info->norm_W = norm2(e->W, md);
    return GFL_OK;
}

static void fast_store(void *p, double *a, double *W)
{
    fast_eng *e = p;
    memcpy(a, e->a, (size_t)e->m * sizeof(double));
    memcpy(W, e->W, (size_t)e->m * (size_t)e->d * sizeof(double));
}

static void fast_decisions(void *p, int n, unsigned char *relu_on, unsigned char *hinge_on)
{
    fast_eng *e = p;
    for (size_t q = 0; q < (size_t)n * e->m; q++)
        relu_on[q] = e->S[q] > 0.0;
    /* After step(), g_k = -y_k exactly when the hinge is active (SPEC 1). */
    for (int k = 0; k < n; k++)
        hinge_on[k] = e->loss == GFL_LOSS_HINGE && e->g[k] != 0.0;
}

static int fast_exact_parts(void *p)
{
    (void)p;
    return 1;
}

static void fast_store_exact(void *p, int parts, double *a, double *W)
{
    fast_eng *e = p;
    size_t m = (size_t)e->m, md = m * (size_t)e->d, P = (size_t)parts;
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < P; k++)
            a[i * P + k] = k ? 0.0 : e->a[i];
    for (size_t q = 0; q < md; q++)
        for (size_t k = 0; k < P; k++)
            W[q * P + k] = k ? 0.0 : e->W[q];
}

const char *gfl_fast_blas_version(void)
{
    return openblas_get_config();
}

const gfl_engine_vt gfl_fast_engine = {
    .name = "fast",
    .create = fast_create,
    .destroy = fast_destroy,
    .load = fast_load,
    .step = fast_step,
    .gradient = fast_gradient,
    .evaluate = fast_evaluate,
    .forward = fast_forward,
    .store = fast_store,
    .decisions = fast_decisions,
    .exact_parts = fast_exact_parts,
    .store_exact = fast_store_exact,
};
