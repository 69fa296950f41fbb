/* gfl_check_report: the report model of `gfl check` -- what a person reads on
 * the console, report.json (the schema of docs/formats.md), report.md and
 * the figures -- written once for the CLI and for any other caller of the
 * library, so that both produce the same report from the same results. */
#ifndef GFL_CHECK_REPORT_H
#define GFL_CHECK_REPORT_H

#include <jansson.h>

#include "gfl_check.h"

/* One case's verdicts, bounds and terms on stdout. */
void gfl_check_print_case(const gfl_check_case *c);
/* The summary table of every case done. */
void gfl_check_print_summary(const gfl_check_report *rep);
/* The JSON document: versions (every path of rq's registry), cases, ok. */
json_t *gfl_check_report_json(const gfl_check_request *rq, const gfl_check_report *rep);
/* report.json, report.md and the figures, in a temporary directory renamed
 * onto dir when complete (gfl_io_dir_*): an error leaves no half report. */
gfl_status gfl_check_report_write(const char *dir, const json_t *doc, const gfl_check_report *rep);

#endif
