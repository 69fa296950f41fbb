/* gfl_tags: the random streams the checker draws from, each named once.
 *
 * A Monte Carlo sample is the stream (seed, GFL_STREAM_MC, case, tag) of
 * core/gfl_rng.h (gfl_sample_draw, core/gfl_oracle.h): the tag is the
 * sample's identity, so every sample is reproducible on its own and no two
 * samples of one run share draws.  The values are part of the outputs:
 * changing one changes every figure computed from that sample. */
#ifndef GFL_TAGS_H
#define GFL_TAGS_H

#include <stdint.h>

/* The oracles' sample of gfl features (Monte Carlo G and moments, SPEC 4). */
#define GFL_TAG_FEATURES_MC 0
/* The population loss L_D of the best trained network: the lhs of the
 * population step and of the a-priori form (SPEC 6). */
#define GFL_TAG_POPULATION 11
/* OPT_hat (SPEC 5): the refit's fitting sample, and the independent sample
 * its upper confidence bound is evaluated on. */
#define GFL_TAG_OPT_FIT 21
#define GFL_TAG_OPT_EVAL 22
/* C2's fresh batch for mirror pair i (SPEC 6) is tag GFL_TAG_C2_FRESH + i:
 * above every fixed tag for any number of pairs below 2^32. */
#define GFL_TAG_C2_FRESH (UINT64_C(1) << 32)

/* Not a Monte Carlo sample: the purpose key of the stream that picks C5g's
 * sampled steps (0xC56, "C5g"), outside the GFL_STREAM_* purposes 1..6. */
#define GFL_STREAM_C5G 0xC56

#endif
