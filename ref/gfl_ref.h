/* gfl_ref: the MPFR reference path (SPEC 9 "ref").
 * A direct transcription of SPEC 1-3: every sum, product and update in MPFR at
 * cfg->prec bits, round to nearest, in the plain order the formulas are written
 * (with the mirror-pair order of SPEC 2 for the output layer).  Speed is not a
 * goal; being obviously right is. */
#ifndef GFL_REF_H
#define GFL_REF_H

#include "gfl_engine.h"

extern const gfl_engine_vt gfl_ref_engine;

const char *gfl_ref_mpfr_version(void);
const char *gfl_ref_gmp_version(void);

#endif
