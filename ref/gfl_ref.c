#include "gfl_ref.h"
#include "gfl_testcase.h"

#include <gmp.h>
#include <mpfr.h>
#include <stdlib.h>

#define RND MPFR_RNDN

typedef struct {
    int m, d, n_max;
    mpfr_prec_t prec;
    gfl_loss loss;
    mpfr_t *a, *W, *b;   /* parameters: m, m x d, m */
    mpfr_t *X;           /* n_max x d: the batch, read exactly from doubles */
    mpfr_t *H;           /* n_max x m: h_ik = <w_i, x_k> - b_i */
    mpfr_t *f, *g;       /* n_max: outputs, g_k = l'(y_k f_k) y_k */
    mpfr_t *ga, *gW;     /* gradients: m, m x d */
    mpfr_t t1, t2, acc, eta, lam, ln2, L, z;
} ref_eng;

static mpfr_t *vec_new(size_t len, mpfr_prec_t prec)
{
    mpfr_t *v = malloc((len ? len : 1) * sizeof(mpfr_t));
    if (!v)
        return NULL;
    for (size_t i = 0; i < len; i++)
        mpfr_init2(v[i], prec);
    for (size_t i = 0; i < len; i++)
        mpfr_set_zero(v[i], 1);
    return v;
}

static void vec_free(mpfr_t *v, size_t len)
{
    if (!v)
        return;
    for (size_t i = 0; i < len; i++)
        mpfr_clear(v[i]);
    free(v);
}

static void eng_free(ref_eng *e)
{
    size_t m = (size_t)e->m, d = (size_t)e->d, n = (size_t)e->n_max;
    vec_free(e->a, m);
    vec_free(e->W, m * d);
    vec_free(e->b, m);
    vec_free(e->X, n * d);
    vec_free(e->H, n * m);
    vec_free(e->f, n);
    vec_free(e->g, n);
    vec_free(e->ga, m);
    vec_free(e->gW, m * d);
    mpfr_clears(e->t1, e->t2, e->acc, e->eta, e->lam, e->ln2, e->L, e->z, (mpfr_ptr)0);
    free(e);
}

static gfl_status ref_create(void **out, const gfl_config *cfg, int n_max)
{
    ref_eng *e = calloc(1, sizeof *e);
    if (!e)
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    size_t m = (size_t)cfg->m, d = (size_t)cfg->d, n = (size_t)n_max;
    mpfr_prec_t p = (mpfr_prec_t)cfg->prec;
    e->m = cfg->m;
    e->d = cfg->d;
    e->n_max = n_max;
    e->prec = p;
    e->loss = cfg->loss;
    mpfr_inits2(p, e->t1, e->t2, e->acc, e->eta, e->lam, e->ln2, e->L, e->z, (mpfr_ptr)0);
    mpfr_const_log2(e->ln2, RND);
    e->a = vec_new(m, p);
    e->W = vec_new(m * d, p);
    e->b = vec_new(m, p);
    e->X = vec_new(n * d, p);
    e->H = vec_new(n * m, p);
    e->f = vec_new(n, p);
    e->g = vec_new(n, p);
    e->ga = vec_new(m, p);
    e->gW = vec_new(m * d, p);
    if (!e->a || !e->W || !e->b || !e->X || !e->H || !e->f || !e->g || !e->ga || !e->gW) {
        eng_free(e);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the ref path workspaces");
    }
    *out = e;
    return GFL_OK;
}

static void ref_destroy(void *p) { eng_free(p); }

static gfl_status ref_load(void *p, const double *a, const double *W, const double *b)
{
    ref_eng *e = p;
    size_t m = (size_t)e->m, d = (size_t)e->d;
    for (size_t i = 0; i < m; i++) {
        mpfr_set_d(e->a[i], a[i], RND); /* exact: prec >= 53 or rounded once */
        mpfr_set_d(e->b[i], b[i], RND);
    }
    for (size_t i = 0; i < m * d; i++)
        mpfr_set_d(e->W[i], W[i], RND);
    return GFL_OK;
}

/* sigma(h) = max(h, 0) into r. */
static void relu(mpfr_t r, const mpfr_t h)
{
    GFL_TESTCASE(mpfr_zero_p(h)); /* the exact ReLU tie */
    if (mpfr_sgn(h) > 0)
        mpfr_set(r, h, RND);
    else
        mpfr_set_zero(r, 1);
}

/* H = <w_i, x_k> - b_i and f_k = sum_i a_i sigma(h_ik), mirror pairs first (SPEC 1, 2). */
static void forward(ref_eng *e, const double *X, int n)
{
    int m = e->m, d = e->d, h = m / 2;
    for (size_t q = 0; q < (size_t)n * d; q++)
        mpfr_set_d(e->X[q], X[q], RND);
    for (int k = 0; k < n; k++) {
        const mpfr_t *x = e->X + (size_t)k * d;
        for (int i = 0; i < m; i++) {
            const mpfr_t *w = e->W + (size_t)i * d;
            mpfr_set_zero(e->acc, 1);
            for (int j = 0; j < d; j++) {
                mpfr_mul(e->t1, w[j], x[j], RND);
                mpfr_add(e->acc, e->acc, e->t1, RND);
            }
            mpfr_sub(e->H[(size_t)k * m + i], e->acc, e->b[i], RND);
        }
        mpfr_set_zero(e->f[k], 1);
        for (int i = 0; i < h; i++) {
            relu(e->t1, e->H[(size_t)k * m + i]);
            mpfr_mul(e->t1, e->t1, e->a[i], RND);
            relu(e->t2, e->H[(size_t)k * m + i + h]);
            mpfr_mul(e->t2, e->t2, e->a[i + h], RND);
            mpfr_add(e->t1, e->t1, e->t2, RND);
            mpfr_add(e->f[k], e->f[k], e->t1, RND);
        }
    }
}

/* l(z) into r (SPEC 1). */
static void loss_value(ref_eng *e, mpfr_t r, const mpfr_t z)
{
    if (e->loss == GFL_LOSS_HINGE) {
        GFL_TESTCASE(mpfr_cmp_ui(z, 1) == 0); /* margin exactly 1: l(1) = 0 */
        if (mpfr_cmp_ui(z, 1) < 0 || mpfr_nan_p(z)) /* a NaN margin gives NaN */
            mpfr_ui_sub(r, 1, z, RND);
        else
            mpfr_set_zero(r, 1);
    } else {
        mpfr_neg(r, z, RND);
        mpfr_exp(r, r, RND);
        mpfr_log1p(r, r, RND);
        mpfr_div(r, r, e->ln2, RND);
    }
}

/* l'(z) into r (SPEC 1): hinge -1[z < 1]; logistic -1 / ((1 + e^z) log 2). */
static void loss_deriv(ref_eng *e, mpfr_t r, const mpfr_t z)
{
    if (e->loss == GFL_LOSS_HINGE) {
        GFL_TESTCASE(mpfr_cmp_ui(z, 1) == 0); /* margin exactly 1: l'(1) = 0 */
        if (mpfr_cmp_ui(z, 1) < 0)
            mpfr_set_si(r, -1, RND);
        else
            mpfr_set_zero(r, 1);
    } else {
        mpfr_exp(r, z, RND);
        mpfr_add_ui(r, r, 1, RND);
        mpfr_mul(r, r, e->ln2, RND);
        mpfr_si_div(r, -1, r, RND);
    }
}

static gfl_status ref_forward(void *p, const double *X, int n, double *f)
{
    ref_eng *e = p;
    for (int k0 = 0; k0 < n; k0 += e->n_max) {
        int nc = n - k0 < e->n_max ? n - k0 : e->n_max;
        forward(e, X + (size_t)k0 * e->d, nc);
        for (int k = 0; k < nc; k++)
            f[k0 + k] = mpfr_get_d(e->f[k], RND);
    }
    return GFL_OK;
}

static gfl_status ref_evaluate(void *p, const double *X, const double *Y, int n, double *loss,
                               double *err)
{
    ref_eng *e = p;
    mpfr_ptr L = e->L, z = e->z;
    long errors = 0;
    mpfr_set_zero(L, 1);
    for (int k0 = 0; k0 < n; k0 += e->n_max) {
        int nc = n - k0 < e->n_max ? n - k0 : e->n_max;
        forward(e, X + (size_t)k0 * e->d, nc);
        for (int k = 0; k < nc; k++) {
            mpfr_mul_d(z, e->f[k], Y[k0 + k], RND);
            loss_value(e, e->t1, z);
            mpfr_add(L, L, e->t1, RND);
            GFL_TESTCASE(mpfr_zero_p(z)); /* f = 0 */
            if (mpfr_sgn(z) <= 0) /* f = 0 counts as an error */
                errors++;
        }
    }
    mpfr_div_ui(L, L, (unsigned long)n, RND);
    *loss = mpfr_get_d(L, RND);
    *err = (double)errors / n;
    return GFL_OK;
}

static double norm2(ref_eng *e, mpfr_t *v, size_t len)
{
    mpfr_set_zero(e->acc, 1);
    for (size_t i = 0; i < len; i++) {
        mpfr_sqr(e->t1, v[i], RND);
        mpfr_add(e->acc, e->acc, e->t1, RND);
    }
    mpfr_sqrt(e->acc, e->acc, RND);
    return mpfr_get_d(e->acc, RND);
}

/* Batch loss into e->L, e->ga = dL/da and (when want_w) e->gW = dL/dW at the
 * current parameters (SPEC 1, written out term by term). */
static void grad(ref_eng *e, const double *X, const double *Y, int n, int want_w)
{
    int m = e->m, d = e->d;
    forward(e, X, n);
    /* L_Z = (1/n) sum_k l(y_k f_k);  g_k = l'(y_k f_k) y_k */
    mpfr_set_zero(e->L, 1);
    for (int k = 0; k < n; k++) {
        mpfr_mul_d(e->z, e->f[k], Y[k], RND);
        loss_value(e, e->t1, e->z);
        mpfr_add(e->L, e->L, e->t1, RND);
        loss_deriv(e, e->g[k], e->z);
        mpfr_mul_d(e->g[k], e->g[k], Y[k], RND);
    }
    mpfr_div_ui(e->L, e->L, (unsigned long)n, RND);
    /* dL/da_i = (1/n) sum_k g_k sigma(h_ik) */
    for (int i = 0; i < m; i++) {
        mpfr_set_zero(e->acc, 1);
        for (int k = 0; k < n; k++) {
            relu(e->t1, e->H[(size_t)k * m + i]);
            mpfr_mul(e->t1, e->t1, e->g[k], RND);
            mpfr_add(e->acc, e->acc, e->t1, RND);
        }
        mpfr_div_ui(e->ga[i], e->acc, (unsigned long)n, RND);
    }
    if (!want_w)
        return;
    /* dL/dw_ij = (1/n) sum_k g_k a_i 1[h_ik > 0] x_kj */
    for (int i = 0; i < m; i++)
        for (int j = 0; j < d; j++) {
            mpfr_set_zero(e->acc, 1);
            for (int k = 0; k < n; k++) {
                GFL_TESTCASE(mpfr_zero_p(e->H[(size_t)k * m + i])); /* the exact ReLU tie */
                if (mpfr_sgn(e->H[(size_t)k * m + i]) > 0) { /* sigma'(0) = 0 */
                    mpfr_mul(e->t1, e->g[k], e->X[(size_t)k * d + j], RND);
                    mpfr_add(e->acc, e->acc, e->t1, RND);
                }
            }
            mpfr_mul(e->acc, e->acc, e->a[i], RND);
            mpfr_div_ui(e->gW[(size_t)i * d + j], e->acc, (unsigned long)n, RND);
        }
}

static gfl_status ref_gradient(void *p, const double *X, const double *Y, int n, double *loss,
                               double *ga, double *gW)
{
    ref_eng *e = p;
    if (n > e->n_max)
        GFL_ERROR(GFL_EINTERNAL, "batch of %d exceeds the workspace (%d)", n, e->n_max);
    grad(e, X, Y, n, 1);
    *loss = mpfr_get_d(e->L, RND);
    for (int i = 0; i < e->m; i++)
        ga[i] = mpfr_get_d(e->ga[i], RND);
    for (size_t q = 0; q < (size_t)e->m * e->d; q++)
        gW[q] = mpfr_get_d(e->gW[q], RND);
    return GFL_OK;
}

static gfl_status ref_step(void *p, const double *X, const double *Y, int n, double eta, double lam,
                           int lam_inv_eta, int update_w, gfl_step_info *info)
{
    ref_eng *e = p;
    int m = e->m;
    size_t md = (size_t)m * (size_t)e->d;
    if (n > e->n_max)
        GFL_ERROR(GFL_EINTERNAL, "batch of %d exceeds the workspace (%d)", n, e->n_max);
    mpfr_set_d(e->eta, eta, RND);
    if (lam_inv_eta)
        mpfr_ui_div(e->lam, 1, e->eta, RND); /* lam1 = 1/eta1 at full precision */
    else
        mpfr_set_d(e->lam, lam, RND);
    grad(e, X, Y, n, update_w);
    info->batch_loss = mpfr_get_d(e->L, RND);
    /* SPEC 3: W <- W - eta (grad_W + lam W), with grad_W taken at the old a. */
    if (update_w)
        for (size_t q = 0; q < md; q++) {
            mpfr_mul(e->t1, e->lam, e->W[q], RND);
            mpfr_add(e->t1, e->gW[q], e->t1, RND);
            mpfr_mul(e->t1, e->eta, e->t1, RND);
            mpfr_sub(e->W[q], e->W[q], e->t1, RND);
        }
    /* a <- a - eta (grad_a + lam a); |g_t| = |grad_a + lam a| (SPEC 6 C5). */
    mpfr_set_zero(e->L, 1);
    for (int i = 0; i < m; i++) {
        mpfr_mul(e->t1, e->lam, e->a[i], RND);
        mpfr_add(e->t1, e->ga[i], e->t1, RND);
        mpfr_sqr(e->z, e->t1, RND);
        mpfr_add(e->L, e->L, e->z, RND);
        mpfr_mul(e->t1, e->eta, e->t1, RND);
        mpfr_sub(e->a[i], e->a[i], e->t1, RND);
    }
    mpfr_sqrt(e->L, e->L, RND);
    info->grad_norm_a = mpfr_get_d(e->L, RND);
    info->norm_a = norm2(e, e->a, (size_t)m);
    info->norm_W = norm2(e, e->W, md);
    return GFL_OK;
}

static void ref_store(void *p, double *a, double *W)
{
    ref_eng *e = p;
    for (int i = 0; i < e->m; i++)
        a[i] = mpfr_get_d(e->a[i], RND);
    for (size_t q = 0; q < (size_t)e->m * e->d; q++)
        W[q] = mpfr_get_d(e->W[q], RND);
}

static int ref_exact_parts(void *p)
{
    const ref_eng *e = p;
    return (int)((e->prec + 52) / 53) + 1;
}

/* x = p_0 + p_1 + ...: p_k = RN(x - p_0 - ... - p_{k-1}) in double; each
 * subtraction is exact at prec bits (the remainder has fewer significant bits
 * than x), so the parts are exact once the remainder is 0, which
 * ceil(prec / 53) + 1 parts reach for normal doubles. */
static void split_exact(ref_eng *e, const mpfr_t x, int parts, double *out)
{
    mpfr_set(e->t1, x, RND);
    for (int k = 0; k < parts; k++) {
        out[k] = mpfr_get_d(e->t1, RND);
        mpfr_sub_d(e->t1, e->t1, out[k], RND);
    }
}

static void ref_store_exact(void *p, int parts, double *a, double *W)
{
    ref_eng *e = p;
    for (int i = 0; i < e->m; i++)
        split_exact(e, e->a[i], parts, a + (size_t)i * parts);
    for (size_t q = 0; q < (size_t)e->m * e->d; q++)
        split_exact(e, e->W[q], parts, W + q * parts);
}

static void ref_decisions(void *p, int n, unsigned char *relu_on, unsigned char *hinge_on)
{
    ref_eng *e = p;
    for (size_t q = 0; q < (size_t)n * e->m; q++)
        relu_on[q] = mpfr_sgn(e->H[q]) > 0;
    /* After step(), g_k = -y_k exactly when the hinge is active (SPEC 1). */
    for (int k = 0; k < n; k++)
        hinge_on[k] = e->loss == GFL_LOSS_HINGE && !mpfr_zero_p(e->g[k]);
}

/* max_i |u_i - v_i| / max_i |v_i| into rel (|u - v| when v == 0), at rel's precision. */
static void rel_diff(mpfr_t rel, const mpfr_t *u, const mpfr_t *v, size_t len, mpfr_t num, mpfr_t den,
                     mpfr_t t)
{
    mpfr_set_zero(num, 1);
    mpfr_set_zero(den, 1);
    for (size_t i = 0; i < len; i++) {
        mpfr_sub(t, u[i], v[i], MPFR_RNDU);
        mpfr_abs(t, t, MPFR_RNDU);
        if (mpfr_cmp(t, num) > 0)
            mpfr_set(num, t, MPFR_RNDU);
        mpfr_abs(t, v[i], MPFR_RNDD);
        if (mpfr_cmp(t, den) > 0)
            mpfr_set(den, t, MPFR_RNDD);
    }
    if (mpfr_zero_p(den))
        mpfr_set(rel, num, MPFR_RNDU);
    else
        mpfr_div(rel, num, den, MPFR_RNDU);
}

gfl_status gfl_ref_agreement_bits(void *eng_lo, void *eng_hi, double *bits)
{
    ref_eng *lo = eng_lo, *hi = eng_hi;
    if (lo->m != hi->m || lo->d != hi->d)
        GFL_ERROR(GFL_EINVAL, "self-check: engines of different shapes (m %d/%d, d %d/%d)", lo->m,
                  hi->m, lo->d, hi->d);
    mpfr_prec_t p = lo->prec > hi->prec ? lo->prec : hi->prec;
    mpfr_t ra, rw, num, den, t;
    mpfr_inits2(p, ra, rw, num, den, t, (mpfr_ptr)0);
    rel_diff(ra, lo->a, hi->a, (size_t)lo->m, num, den, t);
    rel_diff(rw, lo->W, hi->W, (size_t)lo->m * (size_t)lo->d, num, den, t);
    if (mpfr_cmp(rw, ra) > 0)
        mpfr_set(ra, rw, MPFR_RNDU);
    if (mpfr_zero_p(ra)) {
        *bits = (double)p;
    } else {
        mpfr_log2(ra, ra, MPFR_RNDU); /* rounded up: the bits are rounded down */
        *bits = -mpfr_get_d(ra, MPFR_RNDU) + 0.0; /* + 0.0: no "-0" bits */
        if (*bits > (double)p)
            *bits = (double)p;
    }
    mpfr_clears(ra, rw, num, den, t, (mpfr_ptr)0);
    return GFL_OK;
}

const char *gfl_ref_mpfr_version(void) { return mpfr_get_version(); }
const char *gfl_ref_gmp_version(void) { return gmp_version; }

const gfl_engine_vt gfl_ref_engine = {
    .name = "ref",
    .create = ref_create,
    .destroy = ref_destroy,
    .load = ref_load,
    .step = ref_step,
    .gradient = ref_gradient,
    .evaluate = ref_evaluate,
    .forward = ref_forward,
    .store = ref_store,
    .decisions = ref_decisions,
    .exact_parts = ref_exact_parts,
    .store_exact = ref_store_exact,
};
