/* gfl_path: one arithmetic path as the rest of gfl sees it -- the one door
 * into the arithmetic (docs/design.md).
 *
 * A path is an engine table (core/gfl_engine.h), an oracle table
 * (core/gfl_oracle.h) and what a checker must know to judge its numbers: the
 * unit roundoff of its arithmetic, the a-priori bounds of its evaluations and
 * a way to measure two of its engines against each other.  ref/ and fast/
 * each export one; paths/gfl_paths.c lists them and is the only place that
 * names one.  The checker (proofs_check/) and the CLI read these fields and
 * never ask which path they hold. */
#ifndef GFL_PATH_H
#define GFL_PATH_H

#include "gfl_bounds.h"
#include "gfl_engine.h"
#include "gfl_oracle.h"

/* A library the path links, for the versions block of every report. */
typedef struct {
    const char *key;            /* "mpfr", ...; NULL ends the list */
    const char *(*version)(void);
} gfl_path_lib;

#define GFL_PATH_MAX_LIBS 3

typedef struct gfl_path {
    const char *name;             /* what --path takes and the reports print */
    const char *summary;          /* one line for help texts */
    /* The engine and the oracle arithmetic.  A read-only path, whose steps
     * come from files rather than from an engine, has engine == NULL. */
    const gfl_engine_vt *engine;
    const gfl_oracle_vt *oracle;
    /* Unit roundoff of the arithmetic at precision prec (cfg->prec). */
    double (*unit)(long prec);
    /* 1: the engine computes at cfg->prec bits and hands values back rounded
     * to double (so an extra 2^-53 relative rounding at the interface, and its
     * exact state through store_exact); 0: it computes in double itself. */
    int at_prec;
    /* A-priori bounds of the path's own evaluations of h, f and the hinge
     * margin, valid in every evaluation order; NULL: the path has none (it is
     * exact, or it is the reference, judged by its unit roundoff alone). */
    const gfl_bounds_vt *bounds;
    /* Bits of agreement between two engines of this path holding the same run
     * at different precisions (the reference's self-check, SPEC 9); NULL:
     * the path cannot check itself that way. */
    gfl_status (*agreement_bits)(void *eng_lo, void *eng_hi, double *bits);
    /* Library buffers (count, and bytes each in *bytes) that this process has
     * mapped once the path ran: gfl_limits reserves the missing ones before
     * any work (docs/limits.md).  NULL: none. */
    int (*buffers)(unsigned long *bytes);
    /* The preset this path runs on when a command runs every path at once
     * (gfl check --path both): the ref path's small one, the fast path's default. */
    gfl_preset both_preset;
    gfl_path_lib libs[GFL_PATH_MAX_LIBS];
} gfl_path;

/* The versions block of a report: gfl_report_versions() plus the libraries
 * of every path in the NULL-terminated list. */
struct json_t;
struct json_t *gfl_path_versions(const gfl_path *const *paths);

/* A path's library buffers (0 when it maps none). */
int gfl_path_buffers(const gfl_path *p, unsigned long *bytes);

#endif
