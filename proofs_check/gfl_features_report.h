/* gfl_features_report: what `gfl features` shows of a run -- the console
 * text, the JSON document (docs/features.md) and the cosine histogram. */
#ifndef GFL_FEATURES_REPORT_H
#define GFL_FEATURES_REPORT_H

#include <jansson.h>

#include "gfl_features.h"

void gfl_features_print(const gfl_config *cfg, const gfl_witness *wit, const gfl_features_result *r,
                        const char *path);
json_t *gfl_features_report_json(const gfl_config *cfg, const gfl_witness *wit, const gfl_features_result *r,
                                 const char *path);
/* DIR/features_<case>.png: |cos| of the learned neurons to their nearest witness direction. */
gfl_status gfl_features_plot(const char *dir, const gfl_config *cfg, const gfl_features_result *r);
/* GFL_EINVAL when the moments or |G| overflow double: the inputs exceed the
 * fast path's range and what follows would be no result. */
gfl_status gfl_features_check_finite(const gfl_features_result *r);

#endif
