/* gfl_fast_fault: deliberate defects of the fast path, for tests only.
 *
 * A checker is only as good as the bugs it is shown to catch: the tests of the
 * ref/fast comparison switch one of these on, run the comparison and assert
 * that it reports the defect (docs/compare.md says how each one shows).  The
 * switch is a plain global read at the few places concerned (a well-predicted
 * branch per batch row or per neuron); nothing outside tests/ sets it, and
 * every test that sets it resets it to GFL_FAULT_NONE. */
#ifndef GFL_FAST_FAULT_H
#define GFL_FAST_FAULT_H

typedef enum {
    GFL_FAULT_NONE = 0,
    GFL_FAULT_TIE_ACTIVE, /* sigma'(0) = 1: exact ties h_ik == 0 counted active in the W-gradient */
    GFL_FAULT_DROP_INV_N, /* the 1/n of the a-gradient dropped */
    GFL_FAULT_ULP_H,      /* h_i0k of neuron 0 moved one ulp up (nextafter) on every sample */
    GFL_FAULT_DROP_INV_N_LATE, /* as DROP_INV_N, from the engine's second step on: step 1 (C1)
                                  is right, only the later a-updates (SPEC 6 C5g) are wrong */
    GFL_NFAULTS
} gfl_fast_fault_id;

extern int gfl_fast_fault; /* a gfl_fast_fault_id; GFL_FAULT_NONE in every real run */

const char *gfl_fast_fault_name(int fault);

#endif
