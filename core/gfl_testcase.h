/* gfl_testcase: boundary conditions that coverage must prove were exercised.
 *
 * SQLite's testcase(X), for this project.  GFL_TESTCASE(cond) marks a
 * boundary that matters to the mathematics -- the exact ReLU tie h == 0
 * (sigma'(0) = 0, SPEC 1), the hinge margin exactly 1 (l'(1) = 0), a neuron
 * with w^(1) = 0 (no direction, SPEC 6 C4), a NaN guard -- at the point where
 * the code decides it.  In a coverage build (make coverage defines
 * GFL_COVERAGE) it expands to a statement with a branch on cond, so the
 * branch report shows whether the suites reached both outcomes; in every
 * other build it expands to nothing and costs nothing.
 *
 * cond must have no side effects (it is not evaluated outside coverage
 * builds).  The list of markers and the tests that reach them is in
 * coverage/EXCLUSIONS.md. */
#ifndef GFL_TESTCASE_H
#define GFL_TESTCASE_H

#ifdef GFL_COVERAGE
/* The counter bumped on the true outcome keeps the branch from being folded
 * away; it is otherwise unused (one per marker, no symbol to link). */
#define GFL_TESTCASE(cond)                          \
    do {                                            \
        if (cond) {                                 \
            static volatile int gfl_testcase_hit_;  \
            gfl_testcase_hit_++;                    \
        }                                           \
    } while (0)
#else
#define GFL_TESTCASE(cond) ((void)0)
#endif

#endif
