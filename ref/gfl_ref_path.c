/* The ref path as the rest of gfl sees it (core/gfl_path.h): the MPFR engine
 * and oracles, unit roundoff 2^-prec, and the self-check of SPEC 9. */
#include "gfl_path.h"
#include "gfl_ref.h"
#include "gfl_ref_oracle.h"

#include <math.h>

/* Round to nearest at prec bits: u = 2^-prec. */
static double ref_unit(long prec) { return ldexp(1.0, (int)-prec); }

const gfl_path gfl_ref_path = {
    .name = "ref",
    .summary = "MPFR at --prec bits, the reference",
    .engine = &gfl_ref_engine,
    .oracle = &gfl_ref_oracle,
    .unit = ref_unit,
    .at_prec = 1,
    .bounds = NULL,
    .agreement_bits = gfl_ref_agreement_bits,
    .buffers = NULL,
    .both_preset = GFL_PRESET_SMALL,
    .libs = {{"mpfr", gfl_ref_mpfr_version}, {"gmp", gfl_ref_gmp_version}},
};
