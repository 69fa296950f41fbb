/* gfl_ref: the MPFR reference path (SPEC 9 "ref").
 * A direct transcription of SPEC 1-3: every sum, product and update in MPFR at
 * cfg->prec bits, round to nearest, in the plain order the formulas are written
 * (with the mirror-pair order of SPEC 2 for the output layer), except the
 * pre-activations h_ik = <w_i, x_k> - b_i, which are computed exactly and
 * rounded once (ref/gfl_ref_dot.h: at least as accurate as the term-by-term
 * sum, and most of the speed).  Being obviously right comes first.
 *
 * Each step runs on cfg->threads threads (a pool created with the engine):
 * the forward pass split by samples, the gradients and updates by neurons,
 * every output computed by one thread in the single-threaded order, so no
 * result depends on the number of threads (tests/t_ref_threads.c). */
#ifndef GFL_REF_H
#define GFL_REF_H

#include "gfl_engine.h"

extern const gfl_engine_vt gfl_ref_engine;

/* Reference self-check (SPEC 9): bits of agreement between two ref engines
 * holding the same run at different precisions (e.g. prec and prec + 64),
 * -log2 of the larger of the normwise relative differences
 * max_i |lo_i - hi_i| / max_i |hi_i| of a and of W, computed in MPFR at the
 * higher of the two precisions (through doubles only 53 bits would be
 * visible).  Identical parameters give the higher precision itself.
 * GFL_EINVAL when the engines' shapes differ. */
gfl_status gfl_ref_agreement_bits(void *eng_lo, void *eng_hi, double *bits);

const char *gfl_ref_mpfr_version(void);
const char *gfl_ref_gmp_version(void);

/* The ref path's descriptor (ref/gfl_ref_path.c; core/gfl_path.h). */
struct gfl_path;
extern const struct gfl_path gfl_ref_path;

#endif
