/* gfl_compare_report: what `gfl compare` shows of a comparison -- the console
 * text, the JSON document of docs/compare.md and the per-step figure. */
#ifndef GFL_COMPARE_REPORT_H
#define GFL_COMPARE_REPORT_H

#include <jansson.h>

#include "gfl_compare.h"

/* The verbose account of one case (gfl compare --case C). */
void gfl_compare_print(const gfl_config *cfg, const gfl_compare_result *r);
/* One table row per path (gfl compare --all). */
void gfl_compare_print_row(const gfl_config *cfg, const gfl_compare_result *r);
json_t *gfl_compare_report_json(const gfl_config *cfg, const gfl_compare_result *r);
/* DIR/compare_<case>.png (and its .gp). */
gfl_status gfl_compare_plot(const char *dir, const gfl_config *cfg, const gfl_compare_result *r);

#endif
