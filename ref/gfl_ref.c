#include "gfl_ref.h"
#include "gfl_testcase.h"

#include <gmp.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_ref_agop.h"
#include "gfl_ref_dot.h"
#include "gfl_pool.h"

#define RND MPFR_RNDN

/* Per-thread temporaries: a job writes only these and the outputs its
 * thread owns, so the threads never share a variable they write. */
typedef struct {
    mpfr_t t1, t2, acc, z;
    int *act; /* n_max: the samples a neuron's W-gradient sums over */
    gfl_ref_dot dot;
} ref_tmp;

/* What the forward job computes beyond H and f (SPEC 1). */
typedef enum { FW_PLAIN = 0, FW_LOSS, FW_GRAD } fw_mode;

typedef struct {
    int m, d, n_max, nth;
    int ntmp;            /* per-thread temporaries initialized so far */
    mpfr_prec_t prec;
    gfl_loss loss;
    mpfr_t *a, *W, *b;   /* parameters: m, m x d, m */
    mpfr_t *X;           /* n_max x d: the batch, read exactly from doubles */
    mpfr_t *H;           /* n_max x m: h_ik = <w_i, x_k> - b_i */
    mpfr_t *f, *g;       /* n_max: outputs, g_k = l'(y_k f_k) y_k */
    mpfr_t *lk;          /* n_max: l(y_k f_k), summed in the order of k by one thread */
    signed char *gk;     /* n_max: g_k is 0 (0), +1 (1), -1 (-1), anything else or g_k x_k not finite (2) */
    unsigned char *wrong;/* n_max: 1[y_k f_k <= 0] */
    mpfr_t *ga, *gW;     /* gradients: m, m x d */
    mpfr_t *sqg, *sqa;   /* m: (grad_a + lam a)_i^2 and a_i^2 after a step */
    mpfr_t *sqW;         /* m x d: W_ij^2 after a step */
    mpfr_t eta, lam, ln2, L;
    gfl_ref_rows rows;   /* (W, b) prepared for the pre-activations */
    int rows_valid;      /* rows holds the current W, b */
    /* Column i of H (h_ik for every sample k of the batch held) stays valid
     * while w_i, b_i and the batch are bitwise the same (a reload of a, as a
     * checker does for each candidate output layer on one batch, or of other
     * rows): a pass computes only the columns it lacks.  H is a function of
     * the bits of (W, b, X) alone.  A loss or output pass needs no column
     * whose term a_i sigma(h_ik) is an exact zero whatever h_ik: a_i = 0 with
     * w_i, b_i and the batch finite (h_ik is then finite). */
    int hx_set, hn;      /* X holds the hn samples of hX (hx_set: some batch is held) */
    int hx_finite;       /* every double of hX is finite */
    double *hX;          /* n_max x d: the doubles of that batch */
    unsigned char *hcol; /* m: column i of H is valid for the batch held */
    unsigned char *skip; /* m: the pass leaves term i out (an exact zero, column not needed) */
    int *cols, ncols;    /* the columns the pass computes */
    int *pairs, npairs;  /* the mirror pairs (i, i + m/2) of which a term is not left out */
    ref_tmp *tmp;        /* nth */
    gfl_pool *pool;
    /* the arguments of the job being run */
    const double *jX, *jY;
    int jn, jwant_w, jstep, jupdate_w;
    int jnewx;           /* the forward job reads a new batch into X */
    fw_mode jmode;
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

/* MPFR's per-thread caches (constants) of the thread it runs on. */
static void job_free_cache(void *ctx, int tid, int nth)
{
    (void)ctx, (void)tid, (void)nth;
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
}

static void eng_free(ref_eng *e)
{
    size_t m = (size_t)e->m, d = (size_t)e->d, n = (size_t)e->n_max;
    /* every thread that ran a step frees its MPFR caches: the pool's workers,
     * and the caller's, which may be a thread of someone else's pool that
     * ends after this (gfl compare's self-check) */
    if (e->pool)
        gfl_pool_run(e->pool, job_free_cache, NULL);
    else
        job_free_cache(NULL, 0, 1);
    gfl_pool_destroy(e->pool); /* first: no job runs while the rest goes */
    vec_free(e->a, m);
    vec_free(e->W, m * d);
    vec_free(e->b, m);
    vec_free(e->X, n * d);
    vec_free(e->H, n * m);
    vec_free(e->f, n);
    vec_free(e->g, n);
    vec_free(e->lk, n);
    vec_free(e->ga, m);
    vec_free(e->gW, m * d);
    vec_free(e->sqg, m);
    vec_free(e->sqa, m);
    vec_free(e->sqW, m * d);
    free(e->gk);
    free(e->wrong);
    free(e->hX);
    free(e->hcol);
    free(e->skip);
    free(e->cols);
    free(e->pairs);
    for (int t = 0; t < e->ntmp; t++) {
        mpfr_clears(e->tmp[t].t1, e->tmp[t].t2, e->tmp[t].acc, e->tmp[t].z, (mpfr_ptr)0);
        free(e->tmp[t].act);
        gfl_ref_dot_clear(&e->tmp[t].dot);
    }
    free(e->tmp);
    gfl_ref_rows_clear(&e->rows);
    mpfr_clears(e->eta, e->lam, e->ln2, e->L, (mpfr_ptr)0);
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
    e->nth = cfg->threads < 1 ? 1 : cfg->threads; /* a configuration that was never validated */
    mpfr_inits2(p, e->eta, e->lam, e->ln2, e->L, (mpfr_ptr)0);
    mpfr_const_log2(e->ln2, RND);
    e->a = vec_new(m, p);
    e->W = vec_new(m * d, p);
    e->b = vec_new(m, p);
    e->X = vec_new(n * d, p);
    e->H = vec_new(n * m, p);
    e->f = vec_new(n, p);
    e->g = vec_new(n, p);
    e->lk = vec_new(n, p);
    e->ga = vec_new(m, p);
    e->gW = vec_new(m * d, p);
    e->sqg = vec_new(m, p);
    e->sqa = vec_new(m, p);
    e->sqW = vec_new(m * d, p);
    e->gk = calloc(n ? n : 1, 1);
    e->wrong = calloc(n ? n : 1, 1);
    e->hX = malloc((n * d > 0 ? n * d : 1) * sizeof(double));
    e->hcol = calloc(m ? m : 1, 1);
    e->skip = calloc(m ? m : 1, 1);
    e->cols = malloc((m ? m : 1) * sizeof(int));
    e->pairs = malloc((m ? m : 1) * sizeof(int));
    e->tmp = calloc((size_t)e->nth, sizeof *e->tmp);
    if (!e->a || !e->W || !e->b || !e->X || !e->H || !e->f || !e->g || !e->lk || !e->ga || !e->gW ||
        !e->sqg || !e->sqa || !e->sqW || !e->gk || !e->wrong || !e->hX || !e->hcol || !e->skip || !e->cols || !e->pairs || !e->tmp) {
        eng_free(e);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the ref path workspaces");
    }
    for (int t = 0; t < e->nth; t++) {
        ref_tmp *w = &e->tmp[t];
        mpfr_inits2(p, w->t1, w->t2, w->acc, w->z, (mpfr_ptr)0);
        e->ntmp = t + 1;
        w->act = malloc((n ? n : 1) * sizeof(int));
        gfl_status st = w->act ? gfl_ref_dot_init(&w->dot, p, e->d) : GFL_ENOMEM;
        if (st != GFL_OK) {
            eng_free(e);
            GFL_ERROR(GFL_ENOMEM, "out of memory for the ref path workspaces");
        }
    }
    gfl_status st = gfl_ref_rows_init(&e->rows, p, e->m, e->d);
    if (st == GFL_OK)
        st = gfl_pool_create(&e->pool, e->nth);
    if (st != GFL_OK) {
        eng_free(e);
        return st;
    }
    *out = e;
    return GFL_OK;
}
static void ref_destroy(void *p) { eng_free(p); }

/* 1 unless v holds exactly the double x (same sign for a zero; a NaN is never the same). */
static int differs(const mpfr_t v, double x)
{
    return isnan(x) || mpfr_nan_p(v) || (mpfr_signbit(v) != 0) != (signbit(x) != 0) || mpfr_cmp_d(v, x) != 0;
}

/* 1 unless row i of (W, b) holds exactly the doubles w, bi. */
static int row_differs(const ref_eng *e, size_t i, const double *w, double bi)
{
    size_t d = (size_t)e->d;
    if (differs(e->b[i], bi))
        return 1;
    for (size_t j = 0; j < d; j++)
        if (differs(e->W[i * d + j], w[j]))
            return 1;
    return 0;
}

static gfl_status ref_load(void *p, const double *a, const double *W, const double *b)
{
    ref_eng *e = p;
    size_t m = (size_t)e->m, d = (size_t)e->d;
    int keep_rows = e->prec >= 53 && e->rows_valid;
    for (size_t i = 0; i < m; i++) {
        mpfr_set_d(e->a[i], a[i], RND); /* exact: prec >= 53 or rounded once */
        /* a row that holds these doubles already is left as it is (with its
         * column of H); the others are read and their columns dropped */
        if (e->prec >= 53 && (e->hcol[i] || keep_rows) && !row_differs(e, i, W + i * d, b[i]))
            continue;
        e->hcol[i] = 0;
        e->rows_valid = 0;
        mpfr_set_d(e->b[i], b[i], RND);
        for (size_t j = 0; j < d; j++)
            mpfr_set_d(e->W[i * d + j], W[i * d + j], RND);
    }
    if (e->prec < 53) {
        /* W, b rounded on reading: "the same double" is not "the same value" */
        memset(e->hcol, 0, m);
        e->rows_valid = 0;
    }
    return GFL_OK;
}

/* sigma(h) = max(h, 0) into r (the forward pass's tie is marked in term()). */
static void relu(mpfr_t r, const mpfr_t h)
{
    if (mpfr_sgn(h) > 0)
        mpfr_set(r, h, RND);
    else
        mpfr_set_zero(r, 1);
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

/* r = a_i sigma(h_ik), or 0 (nothing written) when that product is an exact
 * zero (+-0): a left-out column (skip), sigma(h) = 0 times a finite a_i
 * (sigma(h) is +0 for h <= 0 and for a NaN h, as relu() gives it), or a zero
 * a_i times a finite h > 0.  Otherwise the product of relu() and a_i, one
 * rounding: for h > 0, sigma(h) = h exactly. */
static int term(const ref_eng *e, mpfr_ptr r, int k, int i)
{
    if (e->skip[i])
        return 0;
    const mpfr_t *hk = e->H + (size_t)k * e->m + i;
    GFL_TESTCASE(mpfr_zero_p(*hk)); /* the exact ReLU tie */
    if (mpfr_sgn(*hk) > 0) {
        if (mpfr_zero_p(e->a[i]) && !mpfr_inf_p(*hk))
            return 0;
        mpfr_mul(r, *hk, e->a[i], RND);
        return 1;
    }
    if (mpfr_number_p(e->a[i]))
        return 0;
    mpfr_set_zero(r, 1); /* +0 times an infinite or NaN a_i: NaN */
    mpfr_mul(r, r, e->a[i], RND);
    return 1;
}

/* h_ik = RN(<w_i, x_k> - b_i) for the columns the pass computes, then
 * f_k = sum_i a_i sigma(h_ik), mirror pairs first (SPEC 1, 2), for sample k
 * of the job's batch.  The sum is the term-by-term one, f_k += (t_i + t_i+h),
 * with the exact zeros left out, which changes no bit: f_k starts at +0 and
 * round-to-nearest never makes it -0 (x + (-x) = +0), so adding a zero
 * leaves it as it was, and t + (+-0) = t for t != 0.
 * A sample whose doubles are those of the sample before it in the thread's
 * block (an enumeration repeats each point by its weight) gets that sample's
 * h_k. and f_k copied: they are functions of the bits of x_k alone. */
static void forward_one(ref_eng *e, ref_tmp *w, int k, int lo)
{
    int m = e->m, d = e->d, h = m / 2;
    mpfr_t *x = e->X + (size_t)k * d;
    if (e->jnewx)
        for (int j = 0; j < d; j++)
            mpfr_set_d(x[j], e->jX[(size_t)k * d + j], RND);
    if (k > lo && memcmp(e->jX + (size_t)k * d, e->jX + (size_t)(k - 1) * d, (size_t)d * sizeof(double)) == 0) {
        for (int q = 0; q < e->ncols; q++)
            mpfr_set(e->H[(size_t)k * m + e->cols[q]], e->H[(size_t)(k - 1) * m + e->cols[q]], RND);
        mpfr_set(e->f[k], e->f[k - 1], RND);
        return;
    }
    if (e->ncols) {
        gfl_ref_dot_set_x(&w->dot, (const mpfr_t *)x);
        for (int q = 0; q < e->ncols; q++) /* rounded once (ref/gfl_ref_dot.h) */
            gfl_ref_dot_row(&w->dot, e->H[(size_t)k * m + e->cols[q]], &e->rows, e->cols[q]);
    }
    mpfr_set_zero(e->f[k], 1);
    for (int q = 0; q < e->npairs; q++) {
        int i = e->pairs[q], n1 = term(e, w->t1, k, i), n2 = term(e, w->t2, k, i + h);
        if (n1 && n2) {
            mpfr_add(w->t1, w->t1, w->t2, RND);
            mpfr_add(e->f[k], e->f[k], w->t1, RND);
        } else if (n1 || n2) {
            mpfr_add(e->f[k], e->f[k], n1 ? w->t1 : w->t2, RND);
        }
    }
}

/* The forward job: the samples are split into contiguous blocks, one per
 * thread; everything of sample k (H row, f_k, l_k, g_k) is computed by one
 * thread in the single-threaded order. */
static void job_forward(void *ctx, int tid, int nth)
{
    ref_eng *e = ctx;
    ref_tmp *w = &e->tmp[tid];
    int lo, hi;
    gfl_pool_part(e->jn, tid, nth, &lo, &hi);
    for (int k = lo; k < hi; k++) {
        forward_one(e, w, k, lo);
        if (e->jmode == FW_PLAIN)
            continue;
        /* z = y_k f_k; l_k = l(z); g_k = l'(z) y_k */
        mpfr_mul_d(w->z, e->f[k], e->jY[k], RND);
        loss_value(e, e->lk[k], w->z);
        if (e->jmode == FW_LOSS) {
            GFL_TESTCASE(mpfr_zero_p(w->z)); /* f = 0 */
            e->wrong[k] = mpfr_sgn(w->z) <= 0; /* f = 0 counts as an error */
            continue;
        }
        loss_deriv(e, e->g[k], w->z);
        mpfr_mul_d(e->g[k], e->g[k], e->jY[k], RND);
        /* the kind of g_k for job_grad's exact shortcuts, which need g_k and
         * x_k finite (0 times an infinity is NaN, not 0) */
        int finite = mpfr_number_p(e->g[k]);
        for (int j = 0; j < e->d; j++)
            finite &= isfinite(e->jX[(size_t)k * e->d + j]) != 0;
        e->gk[k] = !finite ? 2 : mpfr_zero_p(e->g[k]) ? 0 : mpfr_cmp_si(e->g[k], 1) == 0 ? 1
                 : mpfr_cmp_si(e->g[k], -1) == 0 ? -1 : 2;
    }
}

/* 1 when the term a_i sigma(h_ik) is an exact zero for every sample of the
 * batch held, whatever h_ik: a_i = 0, w_i and b_i finite, the batch finite. */
static int term_always_zero(const ref_eng *e, int i)
{
    if (!e->hx_finite || !mpfr_zero_p(e->a[i]) || !mpfr_number_p(e->b[i]))
        return 0;
    for (int j = 0; j < e->d; j++)
        if (!mpfr_number_p(e->W[(size_t)i * e->d + j]))
            return 0;
    return 1;
}

/* Runs the forward job on n samples of X (and Y unless FW_PLAIN): computes
 * the columns of H the pass needs and lacks, then the outputs. */
static void forward(ref_eng *e, const double *X, const double *Y, int n, fw_mode mode)
{
    e->jX = X;
    e->jY = Y;
    e->jn = n;
    e->jmode = mode;
    size_t nd = (size_t)n * (size_t)e->d;
    e->jnewx = !e->hx_set || e->hn != n || memcmp(e->hX, X, nd * sizeof(double)) != 0;
    if (e->jnewx) {
        memcpy(e->hX, X, nd * sizeof(double));
        e->hn = n;
        e->hx_set = 1;
        e->hx_finite = 1;
        for (size_t q = 0; q < nd; q++)
            e->hx_finite &= isfinite(X[q]) != 0;
        memset(e->hcol, 0, (size_t)e->m);
    }
    /* a gradient needs every column (job_grad, decisions) */
    e->ncols = 0;
    for (int i = 0; i < e->m; i++) {
        e->skip[i] = mode != FW_GRAD && term_always_zero(e, i);
        if (!e->skip[i] && !e->hcol[i])
            e->cols[e->ncols++] = i;
    }
    e->npairs = 0;
    for (int i = 0; i < e->m / 2; i++)
        if (!e->skip[i] || !e->skip[i + e->m / 2])
            e->pairs[e->npairs++] = i;
    if (e->ncols && !e->rows_valid) {
        gfl_ref_rows_set(&e->rows, (const mpfr_t *)e->W, (const mpfr_t *)e->b);
        e->rows_valid = 1;
    }
    gfl_pool_run(e->pool, job_forward, e);
    for (int q = 0; q < e->ncols; q++)
        e->hcol[e->cols[q]] = 1;
}

/* L = sum_k l_k in the order of k (the single-threaded order), unscaled. */
static void sum_losses(ref_eng *e, mpfr_t L, int n)
{
    for (int k = 0; k < n; k++)
        mpfr_add(L, L, e->lk[k], RND);
}

static gfl_status ref_forward(void *p, const double *X, int n, double *f)
{
    ref_eng *e = p;
    for (int k0 = 0; k0 < n; k0 += e->n_max) {
        int nc = n - k0 < e->n_max ? n - k0 : e->n_max;
        forward(e, X + (size_t)k0 * e->d, NULL, nc, FW_PLAIN);
        for (int k = 0; k < nc; k++)
            f[k0 + k] = mpfr_get_d(e->f[k], RND);
    }
    return GFL_OK;
}

static gfl_status ref_evaluate(void *p, const double *X, const double *Y, int n, double *loss,
                               double *err)
{
    ref_eng *e = p;
    long errors = 0;
    mpfr_set_zero(e->L, 1);
    for (int k0 = 0; k0 < n; k0 += e->n_max) {
        int nc = n - k0 < e->n_max ? n - k0 : e->n_max;
        forward(e, X + (size_t)k0 * e->d, Y + k0, nc, FW_LOSS);
        sum_losses(e, e->L, nc);
        for (int k = 0; k < nc; k++)
            errors += e->wrong[k];
    }
    mpfr_div_ui(e->L, e->L, (unsigned long)n, RND);
    *loss = mpfr_get_d(e->L, RND);
    *err = (double)errors / n;
    return GFL_OK;
}

/* sqrt(sum_i v_i) in the order of i, rounded to double. */
static double sqrt_sum(ref_eng *e, mpfr_t *v, size_t len)
{
    mpfr_set_zero(e->L, 1);
    for (size_t i = 0; i < len; i++)
        mpfr_add(e->L, e->L, v[i], RND);
    mpfr_sqrt(e->L, e->L, RND);
    return mpfr_get_d(e->L, RND);
}

/* The gradient job: the neurons are split into contiguous blocks, one per
 * thread; every sum over k is the single-threaded one, in the order of k
 * (SPEC 1, written out term by term).  A term that is exactly zero (g_k = 0,
 * or sigma(h_ik) = 0) is skipped and a factor g_k = +-1 is applied by adding
 * or subtracting: an exact zero added to a sum that is never -0 (it starts at
 * +0, and RN(x + (-x)) = +0) and an exact product leave every bit as the
 * multiply-and-add gave it.  In a step, the job then updates its neurons
 * (SPEC 3) and leaves the squares of the norms for the caller to sum. */
static void job_grad(void *ctx, int tid, int nth)
{
    ref_eng *e = ctx;
    ref_tmp *w = &e->tmp[tid];
    int m = e->m, d = e->d, n = e->jn, lo, hi;
    gfl_pool_part(m, tid, nth, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        /* dL/da_i = (1/n) sum_k g_k sigma(h_ik); act = the k with h_ik > 0 and
         * g_k x_k not exactly zero */
        int na = 0;
        mpfr_set_zero(w->acc, 1);
        for (int k = 0; k < n; k++) {
            const mpfr_t *hk = e->H + (size_t)k * m + i;
            int c = e->gk[k], pos = mpfr_sgn(*hk) > 0;
            GFL_TESTCASE(mpfr_zero_p(*hk)); /* the exact ReLU tie: sigma'(0) = 0 */
            if (c != 2 && (!pos || (c == 0 && !mpfr_inf_p(*hk))))
                continue; /* sigma(h) = 0 or g_k = 0, times a finite number: +-0 */
            if (pos && c != 0)
                w->act[na++] = k;
            if (c == 1)
                mpfr_add(w->acc, w->acc, *hk, RND);
            else if (c == -1)
                mpfr_sub(w->acc, w->acc, *hk, RND);
            else {
                relu(w->t1, *hk);
                mpfr_mul(w->t1, w->t1, e->g[k], RND);
                mpfr_add(w->acc, w->acc, w->t1, RND);
            }
        }
        mpfr_div_ui(e->ga[i], w->acc, (unsigned long)n, RND);
        /* dL/dw_ij = (1/n) sum_k g_k a_i 1[h_ik > 0] x_kj */
        if (e->jwant_w)
            for (int j = 0; j < d; j++) {
                mpfr_set_zero(w->acc, 1);
                for (int q = 0; q < na; q++) {
                    int k = w->act[q];
                    const mpfr_t *x = e->X + (size_t)k * d + j;
                    if (e->gk[k] == 1)
                        mpfr_add(w->acc, w->acc, *x, RND);
                    else if (e->gk[k] == -1)
                        mpfr_sub(w->acc, w->acc, *x, RND);
                    else {
                        mpfr_mul(w->t1, e->g[k], *x, RND);
                        mpfr_add(w->acc, w->acc, w->t1, RND);
                    }
                }
                mpfr_mul(w->acc, w->acc, e->a[i], RND);
                mpfr_div_ui(e->gW[(size_t)i * d + j], w->acc, (unsigned long)n, RND);
            }
        if (!e->jstep)
            continue;
        /* SPEC 3: W <- W - eta (grad_W + lam W), with grad_W taken at the old a. */
        mpfr_t *Wi = e->W + (size_t)i * d, *gWi = e->gW + (size_t)i * d;
        if (e->jupdate_w)
            for (int j = 0; j < d; j++) {
                mpfr_mul(w->t1, e->lam, Wi[j], RND);
                mpfr_add(w->t1, gWi[j], w->t1, RND);
                mpfr_mul(w->t1, e->eta, w->t1, RND);
                mpfr_sub(Wi[j], Wi[j], w->t1, RND);
            }
        for (int j = 0; j < d; j++)
            mpfr_sqr(e->sqW[(size_t)i * d + j], Wi[j], RND);
        /* a <- a - eta (grad_a + lam a); |g_t| = |grad_a + lam a| (SPEC 6 C5). */
        mpfr_mul(w->t1, e->lam, e->a[i], RND);
        mpfr_add(w->t1, e->ga[i], w->t1, RND);
        mpfr_sqr(e->sqg[i], w->t1, RND);
        mpfr_mul(w->t1, e->eta, w->t1, RND);
        mpfr_sub(e->a[i], e->a[i], w->t1, RND);
        mpfr_sqr(e->sqa[i], e->a[i], RND);
    }
}

/* Batch loss into e->L, e->ga = dL/da and (when want_w) e->gW = dL/dW at the
 * current parameters (SPEC 1); with step, the update of SPEC 3 too. */
static void grad(ref_eng *e, const double *X, const double *Y, int n, int want_w, int step, int update_w)
{
    forward(e, X, Y, n, FW_GRAD);
    /* L_Z = (1/n) sum_k l(y_k f_k) */
    mpfr_set_zero(e->L, 1);
    sum_losses(e, e->L, n);
    mpfr_div_ui(e->L, e->L, (unsigned long)n, RND);
    e->jwant_w = want_w;
    e->jstep = step;
    e->jupdate_w = update_w;
    gfl_pool_run(e->pool, job_grad, e);
    if (step && update_w) {
        memset(e->hcol, 0, (size_t)e->m); /* W moved */
        e->rows_valid = 0;
    }
}

static gfl_status ref_gradient(void *p, const double *X, const double *Y, int n, double *loss,
                               double *ga, double *gW)
{
    ref_eng *e = p;
    if (n > e->n_max)
        GFL_ERROR(GFL_EINTERNAL, "batch of %d exceeds the workspace (%d)", n, e->n_max);
    grad(e, X, Y, n, 1, 0, 0);
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
    if (n > e->n_max)
        GFL_ERROR(GFL_EINTERNAL, "batch of %d exceeds the workspace (%d)", n, e->n_max);
    mpfr_set_d(e->eta, eta, RND);
    if (lam_inv_eta)
        mpfr_ui_div(e->lam, 1, e->eta, RND); /* lam1 = 1/eta1 at full precision */
    else
        mpfr_set_d(e->lam, lam, RND);
    grad(e, X, Y, n, update_w, 1, update_w);
    info->batch_loss = mpfr_get_d(e->L, RND);
    /* the norms: squares from the job, summed here in the order of the index */
    info->grad_norm_a = sqrt_sum(e, e->sqg, (size_t)e->m);
    info->norm_a = sqrt_sum(e, e->sqa, (size_t)e->m);
    info->norm_W = sqrt_sum(e, e->sqW, (size_t)e->m * (size_t)e->d);
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
    mpfr_ptr r = e->tmp[0].t1; /* the caller's temporaries (no job runs) */
    mpfr_set(r, x, RND);
    for (int k = 0; k < parts; k++) {
        out[k] = mpfr_get_d(r, RND);
        mpfr_sub_d(r, r, out[k], RND);
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

void gfl_ref_params(void *p, int *m, int *d, long *prec, mpfr_t **a, mpfr_t **W, mpfr_t **b)
{
    ref_eng *e = p;
    *m = e->m, *d = e->d, *prec = (long)e->prec, *a = e->a, *W = e->W, *b = e->b;
}

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
    .agop = gfl_ref_agop,
};
