/* gfl_ref_dot: h = <w, x> - b rounded once, for the ref path's forward pass
 * (SPEC 1, 9 "ref").
 *
 * The pre-activation h_ik = <w_i, x_k> - b_i is the ref path's largest cost
 * (n m d terms per pass).  Computed term by term, each product and each sum
 * rounds to prec bits: |h^ - h| <= gamma_{d+1} (sum_j |w_j x_j| + |b|) with
 * gamma_k = k 2^-prec / (1 - k 2^-prec).  Here the d + 1 products are formed
 * exactly (a prec-bit significand times an input of at most 64 significant
 * bits is an integer of prec + 64 bits) and added exactly in a fixed-point
 * accumulator; only the final sum is rounded, to nearest: |h^ - h| <=
 * 2^-prec |h|, never larger than the bound above (|h| <= sum |w_j x_j| + |b|).
 * When the terms span more than 256 binary orders of magnitude, or an operand
 * is not a finite number, the same exact products go through mpfr_sum, which
 * is correctly rounded too: the result does not depend on the path taken.
 * An exact zero is +0. */
#ifndef GFL_REF_DOT_H
#define GFL_REF_DOT_H

#include <gmp.h>
#include <mpfr.h>

#include "gfl_status.h"

/* 128-bit integers (GCC and Clang) for the carry-save accumulator. */
__extension__ typedef unsigned __int128 gfl_u128;

typedef struct {
    mpfr_prec_t prec;
    int d;
    mp_size_t nl;       /* limbs of a prec-bit significand */
    mp_size_t L;        /* limbs of an accumulator */
    mp_limb_t *acc;     /* 2 L: the sums of the positive and of the negative terms */
    gfl_u128 *lane;     /* 2 L: the same sums carry-save (lane t: a multiple of 2^(64 t)) */
    const mpfr_t *x;    /* the inputs of gfl_ref_dot_set_x */
    int x_fixed;        /* 1: every x_j is zero or fits one limb (the fixed-point path) */
    int any_x;          /* some x_j is not zero; then exmin, exmax: their exponent range */
    mpfr_exp_t exmin, exmax;
    mp_limb_t *sx;      /* d + 1: input significands (0: the input is zero) */
    mpfr_exp_t *ex;     /* d + 1: input exponents */
    int *xneg;          /* d + 1: input signs (input d is -1, for b) */
    mpfr_exp_t *u;      /* d + 1: exponent of the unit of each product */
    mpfr_t *prod;       /* d + 1 exact products at 2 prec bits (the mpfr_sum path) */
    mpfr_ptr *tab;      /* d + 1 */
    long n_fixed, n_sum;/* how many results each path gave (for the tests) */
} gfl_ref_dot;

/* Workspace for vectors of length d at precision prec; GFL_ENOMEM on failure
 * (dot is then cleared).  A zeroed structure may be cleared. */
gfl_status gfl_ref_dot_init(gfl_ref_dot *dot, mpfr_prec_t prec, int d);
void gfl_ref_dot_clear(gfl_ref_dot *dot);
/* x (d entries, at most prec bits each: the ref path's inputs, doubles read
 * exactly or rounded to prec when prec < 53) for the following calls of
 * gfl_ref_dot_apply; x must stay unchanged while they run. */
void gfl_ref_dot_set_x(gfl_ref_dot *dot, const mpfr_t *x);
/* r = RN(sum_{j < d} w_j x_j - b) at r's precision (SPEC 1); w and b have at
 * most prec bits. */
void gfl_ref_dot_apply(gfl_ref_dot *dot, mpfr_ptr r, const mpfr_t *w, mpfr_srcptr b);
/* set_x then apply. */
void gfl_ref_dot_affine(gfl_ref_dot *dot, mpfr_ptr r, const mpfr_t *w, const mpfr_t *x, mpfr_srcptr b);

/* The rows (w_i, b_i) of a layer prepared once per pass for gfl_ref_dot_row:
 * significands packed, exponents and signs, the exponent range of each row,
 * so that a sum needs no first pass over its terms to place them.  Read-only
 * while the rows are used (any number of threads). */
typedef struct {
    mpfr_prec_t prec;
    int m, d;
    mp_size_t nl;
    mp_limb_t *limb;    /* m (d + 1) nl: w_i0 .. w_i,d-1, b_i (zero: all limbs 0) */
    mpfr_exp_t *ew;     /* m (d + 1): exponents (0 for a zero) */
    unsigned char *wneg;/* m (d + 1): signs */
    mpfr_exp_t *emin, *emax; /* m: exponent range of the nonzero w_ij (emax < emin: none) */
    unsigned char *ok;  /* m: every w_ij and b_i zero or regular at prec */
    const mpfr_t *W, *b;/* the rows themselves (the other paths) */
} gfl_ref_rows;

gfl_status gfl_ref_rows_init(gfl_ref_rows *rows, mpfr_prec_t prec, int m, int d);
void gfl_ref_rows_clear(gfl_ref_rows *rows);
/* Prepares W (m x d) and b (m); they must stay unchanged while rows is used. */
void gfl_ref_rows_set(gfl_ref_rows *rows, const mpfr_t *W, const mpfr_t *b);
/* r = RN(<w_i, x> - b_i) for the x of the last gfl_ref_dot_set_x: the same
 * correctly rounded value as gfl_ref_dot_apply(dot, r, W + i d, b[i]). */
void gfl_ref_dot_row(gfl_ref_dot *dot, mpfr_ptr r, const gfl_ref_rows *rows, int i);

#endif
