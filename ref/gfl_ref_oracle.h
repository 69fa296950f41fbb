/* Population oracles in MPFR (SPEC 4, 7).  The parity enumeration is exact:
 * each indicator 1[<w,x> > b] is decided with mpfr_sum (correctly rounded, so
 * its sign is exact) and the dyadic weights are summed in integers. */
#ifndef GFL_REF_ORACLE_H
#define GFL_REF_ORACLE_H

#include "gfl_oracle.h"

extern const gfl_oracle_vt gfl_ref_oracle;

#endif
