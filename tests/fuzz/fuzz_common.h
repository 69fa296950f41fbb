/* What the libFuzzer targets of tests/fuzz/ share: the property check that
 * aborts (so libFuzzer keeps the input) and the rule every reader's failure
 * obeys (SPEC 10: one clear line). */
#ifndef GFL_FUZZ_COMMON_H
#define GFL_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_status.h"

#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* The error just recorded is one non-empty line. */
#define REQUIRE_ONE_LINE_ERROR()                                                       \
    do {                                                                               \
        const char *msg_ = gfl_error_message();                                        \
        REQUIRE(msg_[0] != '\0' && strchr(msg_, '\n') == NULL);                        \
    } while (0)

#endif
