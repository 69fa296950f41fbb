/* gfl_rng: counter-based random streams.
 *
 * A stream is keyed by (seed, purpose, a, b) -- e.g. (seed, GFL_STREAM_BATCH,
 * case, step) -- and its k-th 64-bit word is mix64(key + k * GAMMA), the
 * SplitMix64 output function applied to a Weyl sequence.  Any stream can
 * therefore be regenerated from its key alone, in any order, on any machine:
 * the batch of step t does not depend on how many numbers earlier steps drew.
 * Normals use Box-Muller from two uniforms (both outputs used), so their
 * bit pattern depends only on the C library's log/sqrt/cos/sin.
 */
#ifndef GFL_RNG_H
#define GFL_RNG_H

#include <stdint.h>

enum gfl_stream_purpose {
    GFL_STREAM_INIT = 1,     /* initialization of (a, W, b)            */
    GFL_STREAM_BATCH = 2,    /* training batch: a = case, b = step      */
    GFL_STREAM_TEST = 3,     /* held-out test set: a = case             */
    GFL_STREAM_CASE = 4,     /* case structure (subset, rotation)       */
    GFL_STREAM_FEATURES = 5, /* draws of the init law (SPEC 4)          */
    GFL_STREAM_MC = 6        /* Monte Carlo population oracles          */
};

typedef struct {
    uint64_t key;
    uint64_t ctr;
    int has_spare;
    double spare;
} gfl_rng;

uint64_t gfl_rng_mix64(uint64_t z);
void gfl_rng_init(gfl_rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b);
uint64_t gfl_rng_u64(gfl_rng *r);
double gfl_rng_uniform(gfl_rng *r);      /* in [0, 1), 53 random bits */
double gfl_rng_uniform_pos(gfl_rng *r);  /* in (0, 1]                 */
double gfl_rng_normal(gfl_rng *r);       /* standard normal           */
double gfl_rng_sign(gfl_rng *r);         /* +1 or -1, fair            */
uint64_t gfl_rng_below(gfl_rng *r, uint64_t n); /* uniform in [0, n), unbiased */

#endif
