/* gfl_settings: the training options a user gave, in the order given, so
 * that the library can apply them on top of any case's and preset's defaults
 * (gfl_config_defaults, then gfl_config_set for each) -- the same way for
 * every command, whether the options came from a command line or a caller.
 * A command that runs several cases or presets (check --all, --path both)
 * re-applies them per configuration, and a default that only holds when an
 * option is absent (check's sigma_a) asks gfl_settings_has. */
#ifndef GFL_SETTINGS_H
#define GFL_SETTINGS_H

#include "gfl_config.h"

#define GFL_SETTINGS_MAX 256

typedef struct {
    int n;
    struct {
        const gfl_option *opt;
        const char *value; /* NULL for a flag; not copied: the caller keeps it alive */
    } item[GFL_SETTINGS_MAX];
    int preset_given;
    gfl_preset preset;
} gfl_settings;

void gfl_settings_init(gfl_settings *s);
/* Records option `name` (long name without dashes) = value (GFL_EINVAL for an unknown name). */
gfl_status gfl_settings_add(gfl_settings *s, const char *name, const char *value);
void gfl_settings_set_preset(gfl_settings *s, gfl_preset p);
/* 1 when option `name` was given. */
int gfl_settings_has(const gfl_settings *s, const char *name);
/* cfg = the defaults of (c, p), then every recorded option in order. */
gfl_status gfl_settings_apply(const gfl_settings *s, gfl_case_id c, gfl_preset p, gfl_config *cfg);

#endif
