/* Population oracles in double (SPEC 4, 7): closed forms with the C library's
 * erfc/exp, enumeration and Monte Carlo with CBLAS products. */
#ifndef GFL_FAST_ORACLE_H
#define GFL_FAST_ORACLE_H

#include "gfl_oracle.h"

extern const gfl_oracle_vt gfl_fast_oracle;

#endif
