#include "gfl_ref_dot.h"

#include <stdlib.h>

/* Terms whose units lie more than SPAN_LIMBS limbs apart go to mpfr_sum. */
#define SPAN_LIMBS 4
#define LIMB_BITS GMP_NUMB_BITS
_Static_assert(GMP_NUMB_BITS == 64 && GMP_NAIL_BITS == 0, "64-bit limbs without nails (a limb product fits 128 bits)");

void gfl_ref_dot_clear(gfl_ref_dot *dot)
{
    if (dot->prod)
        for (int j = 0; j <= dot->d; j++)
            mpfr_clear(dot->prod[j]);
    free(dot->prod);
    free(dot->tab);
    free(dot->acc);
    free(dot->lane);
    free(dot->sx);
    free(dot->ex);
    free(dot->xneg);
    free(dot->u);
    dot->prod = NULL;
    dot->tab = NULL;
    dot->acc = dot->sx = NULL;
    dot->lane = NULL;
    dot->ex = dot->u = NULL;
    dot->xneg = NULL;
}

gfl_status gfl_ref_dot_init(gfl_ref_dot *dot, mpfr_prec_t prec, int d)
{
    size_t terms = (size_t)d + 1;
    dot->prec = prec;
    dot->d = d;
    dot->nl = (mp_size_t)((prec + LIMB_BITS - 1) / LIMB_BITS);
    /* a product (nl + 1 limbs) shifted by < 64 bits (nl + 2) at a limb offset
     * <= SPAN_LIMBS, plus one limb for the carries of d + 1 < 2^64 terms */
    dot->L = dot->nl + 2 + SPAN_LIMBS + 1;
    dot->n_fixed = dot->n_sum = 0;
    dot->acc = malloc(2 * (size_t)dot->L * sizeof(mp_limb_t));
    dot->lane = malloc(2 * (size_t)dot->L * sizeof(gfl_u128));
    dot->sx = malloc(terms * sizeof(mp_limb_t));
    dot->ex = malloc(terms * sizeof(mpfr_exp_t));
    dot->xneg = malloc(terms * sizeof(int));
    dot->u = malloc(terms * sizeof(mpfr_exp_t));
    dot->tab = malloc(terms * sizeof(mpfr_ptr));
    dot->prod = malloc(terms * sizeof(mpfr_t));
    if (!dot->acc || !dot->lane || !dot->sx || !dot->ex || !dot->xneg || !dot->u || !dot->tab || !dot->prod) {
        free(dot->prod);
        dot->prod = NULL; /* no product initialized */
        gfl_ref_dot_clear(dot);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the ref path's dot products");
    }
    for (size_t j = 0; j < terms; j++) {
        mpfr_init2(dot->prod[j], 2 * prec); /* w x exactly: both have <= prec bits */
        dot->tab[j] = dot->prod[j];
    }
    dot->sx[d] = (mp_limb_t)1 << (LIMB_BITS - 1); /* the input of b: -1 = -0.1b x 2^1 */
    dot->ex[d] = 1;
    dot->xneg[d] = 1;
    dot->x = NULL;
    dot->x_fixed = 0;
    return GFL_OK;
}

/* The significand of x when it fits in its top limb (x regular). */
static int top_limb(mpfr_srcptr x, mp_limb_t *top)
{
    mp_size_t n = (mp_size_t)((mpfr_get_prec(x) + LIMB_BITS - 1) / LIMB_BITS);
    const mp_limb_t *p = mpfr_custom_get_significand(x);
    for (mp_size_t i = 0; i + 1 < n; i++)
        if (p[i] != 0)
            return 0;
    *top = p[n - 1];
    return 1;
}

/* Every term exactly at 2 prec bits, then one correctly rounded sum. */
static void affine_sum(gfl_ref_dot *dot, mpfr_ptr r, const mpfr_t *w, mpfr_srcptr b)
{
    for (int j = 0; j < dot->d; j++)
        mpfr_mul(dot->prod[j], w[j], dot->x[j], MPFR_RNDN);
    mpfr_neg(dot->prod[dot->d], b, MPFR_RNDN);
    mpfr_sum(r, dot->tab, (unsigned long)dot->d + 1, MPFR_RNDN);
    if (mpfr_zero_p(r))
        mpfr_set_zero(r, 1);
    dot->n_sum++;
}

void gfl_ref_dot_set_x(gfl_ref_dot *dot, const mpfr_t *x)
{
    dot->x = x;
    dot->x_fixed = 1;
    dot->any_x = 0;
    for (int j = 0; j < dot->d; j++) {
        dot->sx[j] = 0;
        dot->ex[j] = 0;
        dot->xneg[j] = mpfr_signbit(x[j]) != 0;
        if (mpfr_zero_p(x[j]))
            continue;
        if (!mpfr_regular_p(x[j]) || !top_limb(x[j], &dot->sx[j]))
            dot->x_fixed = 0; /* NaN, an infinity, or more than 64 bits */
        dot->ex[j] = mpfr_get_exp(x[j]);
        if (!dot->any_x || dot->ex[j] < dot->exmin)
            dot->exmin = dot->ex[j];
        if (!dot->any_x || dot->ex[j] > dot->exmax)
            dot->exmax = dot->ex[j];
        dot->any_x = 1;
    }
}

/* ln[0 .. nl + 1] += the limbs of (wp's nl limbs x sx) << bits, one limb
 * (< 2^64) per lane. */
static inline void add_term(gfl_u128 *ln, const mp_limb_t *wp, mp_size_t nl, mp_limb_t sx, unsigned bits)
{
    mp_limb_t carry = 0, prev = 0;
    for (mp_size_t t = 0; t < nl; t++) {
        gfl_u128 pr = (gfl_u128)wp[t] * sx + carry;
        mp_limb_t lo = (mp_limb_t)pr;
        carry = (mp_limb_t)(pr >> LIMB_BITS);
        ln[t] += bits ? (lo << bits) | (prev >> (LIMB_BITS - bits)) : lo;
        prev = lo;
    }
    ln[nl] += bits ? (carry << bits) | (prev >> (LIMB_BITS - bits)) : carry;
    if (bits)
        ln[nl + 1] += carry >> (LIMB_BITS - bits);
}

/* The L limbs of sum_t lane_t 2^(64 t), which is below 2^(64 L). */
static void normalize(const gfl_u128 *lane, mp_limb_t *out, mp_size_t L)
{
    gfl_u128 c = 0;
    for (mp_size_t t = 0; t < L; t++) {
        gfl_u128 v = lane[t] + c; /* lane_t + c < 2^64 (2^63 + 1) */
        out[t] = (mp_limb_t)v;
        c = v >> LIMB_BITS;
    }
}

/* r = RN(the exact sum of the lanes filled by add_term), in units of 2^umin. */
static void round_sum(gfl_ref_dot *dot, mpfr_ptr r, mp_size_t L, mpfr_exp_t umin)
{
    gfl_u128 *pos = dot->lane, *negs = dot->lane + dot->L;
    mp_limb_t *acc = dot->acc, *acc_neg = dot->acc + dot->L;
    normalize(pos, acc, L);
    normalize(negs, acc_neg, L);
    int neg = mpn_cmp(acc, acc_neg, L) < 0;
    if (neg)
        mpn_sub_n(acc, acc_neg, acc, L);
    else
        mpn_sub_n(acc, acc, acc_neg, L);
    mp_size_t n = L;
    while (n > 0 && acc[n - 1] == 0)
        n--;
    if (n == 0) {
        mpfr_set_zero(r, 1);
    } else {
        mpz_t z;
        mpfr_set_z_2exp(r, mpz_roinit_n(z, acc, neg ? -n : n), umin, MPFR_RNDN);
    }
    dot->n_fixed++;
}

void gfl_ref_dot_apply(gfl_ref_dot *dot, mpfr_ptr r, const mpfr_t *w, mpfr_srcptr b)
{
    int d = dot->d, any = 0;
    mp_size_t nl = dot->nl;
    mpfr_exp_t umin = 0, umax = 0, shift = (mpfr_exp_t)(LIMB_BITS * (nl + 1));
    if (!dot->x_fixed)
        goto general;
    /* Term j < d is w_j x_j, term d is b (-1): the input's significand sx_j
     * (one limb) times w_j's nl limbs, an integer of nl + 1 limbs whose unit
     * is 2^u_j (MPFR significands are fractions in [1/2, 1)). */
    for (int j = 0; j <= d; j++) {
        mpfr_srcptr wj = j < d ? w[j] : b;
        if (mpfr_zero_p(wj) || dot->sx[j] == 0) {
            dot->u[j] = 0;
            if (mpfr_nan_p(wj) || mpfr_inf_p(wj))
                goto general; /* 0 times an infinity */
            continue;
        }
        if (!mpfr_regular_p(wj) || mpfr_get_prec(wj) != dot->prec)
            goto general;
        mpfr_exp_t u = mpfr_get_exp(wj) + dot->ex[j] - shift;
        dot->u[j] = u;
        if (!any || u < umin)
            umin = u;
        if (!any || u > umax)
            umax = u;
        any = 1;
    }
    if (!any) {
        mpfr_set_zero(r, 1);
        dot->n_fixed++;
        return;
    }
    if (umax - umin > (mpfr_exp_t)(LIMB_BITS * SPAN_LIMBS))
        goto general;
    /* the exact sums of the positive and of the negative terms, in units of
     * 2^umin, over the limbs the terms can reach (L: one more for carries),
     * kept carry-save: lane t of each holds a multiple of 2^(64 t) to which a
     * term adds one limb (< 2^64), so d + 1 < 2^63 terms never overflow it */
    mp_size_t L = nl + 2 + (mp_size_t)((umax - umin + LIMB_BITS - 1) / LIMB_BITS) + 1;
    gfl_u128 *pos = dot->lane, *negs = dot->lane + dot->L;
    for (mp_size_t t = 0; t < L; t++)
        pos[t] = negs[t] = 0;
    for (int j = 0; j <= d; j++) {
        mpfr_srcptr wj = j < d ? w[j] : b;
        if (mpfr_zero_p(wj) || dot->sx[j] == 0)
            continue;
        mpfr_exp_t sh = dot->u[j] - umin;
        gfl_u128 *ln = ((mpfr_signbit(wj) != 0) != dot->xneg[j] ? negs : pos) + sh / LIMB_BITS;
        unsigned bits = (unsigned)(sh % LIMB_BITS);
        const mp_limb_t *wp = mpfr_custom_get_significand(wj);
        switch (nl) { /* constant lengths: unrolled */
        case 1: add_term(ln, wp, 1, dot->sx[j], bits); break;
        case 2: add_term(ln, wp, 2, dot->sx[j], bits); break;
        case 3: add_term(ln, wp, 3, dot->sx[j], bits); break;
        case 4: add_term(ln, wp, 4, dot->sx[j], bits); break;
        default: add_term(ln, wp, nl, dot->sx[j], bits); break;
        }
    }
    round_sum(dot, r, L, umin);
    return;
general:
    affine_sum(dot, r, w, b);
}

void gfl_ref_dot_affine(gfl_ref_dot *dot, mpfr_ptr r, const mpfr_t *w, const mpfr_t *x, mpfr_srcptr b)
{
    gfl_ref_dot_set_x(dot, x);
    gfl_ref_dot_apply(dot, r, w, b);
}

void gfl_ref_rows_clear(gfl_ref_rows *rows)
{
    free(rows->limb);
    free(rows->ew);
    free(rows->wneg);
    free(rows->emin);
    free(rows->emax);
    free(rows->ok);
    rows->limb = NULL;
    rows->ew = rows->emin = rows->emax = NULL;
    rows->wneg = rows->ok = NULL;
}

gfl_status gfl_ref_rows_init(gfl_ref_rows *rows, mpfr_prec_t prec, int m, int d)
{
    size_t terms = (size_t)m * ((size_t)d + 1);
    rows->prec = prec;
    rows->m = m;
    rows->d = d;
    rows->nl = (mp_size_t)((prec + LIMB_BITS - 1) / LIMB_BITS);
    rows->limb = malloc((terms ? terms : 1) * (size_t)rows->nl * sizeof(mp_limb_t));
    rows->ew = malloc((terms ? terms : 1) * sizeof(mpfr_exp_t));
    rows->wneg = malloc(terms ? terms : 1);
    rows->emin = malloc((m ? (size_t)m : 1) * sizeof(mpfr_exp_t));
    rows->emax = malloc((m ? (size_t)m : 1) * sizeof(mpfr_exp_t));
    rows->ok = malloc(m ? (size_t)m : 1);
    rows->W = NULL;
    rows->b = NULL;
    if (!rows->limb || !rows->ew || !rows->wneg || !rows->emin || !rows->emax || !rows->ok) {
        gfl_ref_rows_clear(rows);
        GFL_ERROR(GFL_ENOMEM, "out of memory for the ref path's prepared rows");
    }
    return GFL_OK;
}

void gfl_ref_rows_set(gfl_ref_rows *rows, const mpfr_t *W, const mpfr_t *b)
{
    int d = rows->d;
    mp_size_t nl = rows->nl;
    rows->W = W;
    rows->b = b;
    for (int i = 0; i < rows->m; i++) {
        size_t base = (size_t)i * ((size_t)d + 1);
        int any = 0, ok = 1;
        mpfr_exp_t lo = 0, hi = 0;
        for (int j = 0; j <= d; j++) {
            mpfr_srcptr wj = j < d ? W[(size_t)i * d + j] : b[i];
            mp_limb_t *dst = rows->limb + (base + (size_t)j) * (size_t)nl;
            rows->wneg[base + j] = mpfr_signbit(wj) != 0;
            rows->ew[base + j] = 0;
            if (mpfr_zero_p(wj)) {
                mpn_zero(dst, nl); /* a zero term: skipped */
                continue;
            }
            if (!mpfr_regular_p(wj) || mpfr_get_prec(wj) != rows->prec) {
                ok = 0; /* NaN, an infinity: gfl_ref_dot_apply decides */
                break;
            }
            mpn_copyi(dst, mpfr_custom_get_significand(wj), nl);
            mpfr_exp_t e = mpfr_get_exp(wj) + (j == d ? 1 : 0); /* b's input is -1 = -0.1b x 2^1 */
            rows->ew[base + j] = mpfr_get_exp(wj);
            if (j < d) {
                if (!any || e < lo)
                    lo = e;
                if (!any || e > hi)
                    hi = e;
                any = 1;
            }
        }
        rows->ok[i] = (unsigned char)ok;
        rows->emin[i] = any ? lo : 0;
        rows->emax[i] = any ? hi : -1; /* emax < emin: no nonzero w_ij */
    }
}

void gfl_ref_dot_row(gfl_ref_dot *dot, mpfr_ptr r, const gfl_ref_rows *rows, int i)
{
    int d = dot->d;
    mp_size_t nl = dot->nl;
    size_t base = (size_t)i * ((size_t)d + 1);
    const mpfr_t *w = rows->W + (size_t)i * d;
    mpfr_srcptr b = rows->b[i];
    if (!dot->x_fixed || !rows->ok[i] || rows->prec != dot->prec)
        goto exact_span;
    /* A frame from the exponent ranges alone (no pass over the terms): the
     * units of the products lie in [umin, umax] */
    mpfr_exp_t shift = (mpfr_exp_t)(LIMB_BITS * (nl + 1)), umin = 0, umax = 0;
    int any = 0;
    if (dot->any_x && rows->emax[i] >= rows->emin[i]) {
        umin = rows->emin[i] + dot->exmin - shift;
        umax = rows->emax[i] + dot->exmax - shift;
        any = 1;
    }
    if (!mpfr_zero_p(b)) {
        mpfr_exp_t ub = rows->ew[base + d] + 1 - shift;
        umin = any && umin < ub ? umin : ub;
        umax = any && umax > ub ? umax : ub;
        any = 1;
    }
    if (!any) {
        mpfr_set_zero(r, 1);
        dot->n_fixed++;
        return;
    }
    if (umax - umin > (mpfr_exp_t)(LIMB_BITS * SPAN_LIMBS))
        goto exact_span;
    mp_size_t L = nl + 2 + (mp_size_t)((umax - umin + LIMB_BITS - 1) / LIMB_BITS) + 1;
    gfl_u128 *pos = dot->lane, *negs = dot->lane + dot->L;
    for (mp_size_t t = 0; t < L; t++)
        pos[t] = negs[t] = 0;
    const mp_limb_t *lb = rows->limb + base * (size_t)nl;
    const mpfr_exp_t *ew = rows->ew + base;
    const unsigned char *wneg = rows->wneg + base;
    for (int j = 0; j <= d; j++) {
        if (lb[(size_t)j * nl + nl - 1] == 0 || dot->sx[j] == 0)
            continue; /* w_ij = 0 (a regular number has its top bit set), or x_j = 0 */
        mpfr_exp_t sh = ew[j] + dot->ex[j] - shift - umin;
        gfl_u128 *ln = (wneg[j] != dot->xneg[j] ? negs : pos) + sh / LIMB_BITS;
        unsigned bits = (unsigned)(sh % LIMB_BITS);
        const mp_limb_t *wp = lb + (size_t)j * nl;
        switch (nl) { /* constant lengths: unrolled */
        case 1: add_term(ln, wp, 1, dot->sx[j], bits); break;
        case 2: add_term(ln, wp, 2, dot->sx[j], bits); break;
        case 3: add_term(ln, wp, 3, dot->sx[j], bits); break;
        case 4: add_term(ln, wp, 4, dot->sx[j], bits); break;
        default: add_term(ln, wp, nl, dot->sx[j], bits); break;
        }
    }
    round_sum(dot, r, L, umin);
    return;
exact_span:
    gfl_ref_dot_apply(dot, r, w, b);
}
