/* gfl_report: machine-readable output, written once for every command
 * (SPEC 10).  JSON through jansson (a well-kept Debian library: escaping,
 * number formatting and UTF-8 are not this project's business); doubles are
 * printed with 17 significant digits so they read back exactly; NaN is null. */
#ifndef GFL_REPORT_H
#define GFL_REPORT_H

#include <jansson.h>

#include "gfl_problem.h"
#include "gfl_train.h"

#define GFL_VERSION "0.1.0"

/* Number or null (JSON has no NaN/Inf). */
json_t *gfl_json_real(double v);
/* Every option of gfl_config_options under its long name with '-' -> '_',
 * plus case, path, preset and seed; lam1 resolved, with lam1_default. */
json_t *gfl_report_config(const gfl_config *cfg, const char *path);
/* versions object: gfl, compiler, plus what the caller adds. */
json_t *gfl_report_versions(void);
/* trace (records of evaluated steps), steps (per-step arrays) and final. */
gfl_status gfl_report_run(json_t *doc, const gfl_config *cfg, const gfl_run *run);
/* Atomic write of a JSON document. */
gfl_status gfl_report_write_json(const char *path, const json_t *doc);
/* Training dump directory of SPEC 10: X.npy (T,n,d), Y.npy (T,n), a0, W0, b, a, W,
 * trace.json -- written to a temporary directory and renamed into place. */
gfl_status gfl_report_dump(const char *dir, const gfl_problem *pb, const gfl_run *run,
                           const json_t *doc);

#endif
