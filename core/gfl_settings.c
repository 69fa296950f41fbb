#include "gfl_settings.h"
#include "gfl_data.h"

#include <string.h>

void gfl_settings_init(gfl_settings *s) { memset(s, 0, sizeof *s); }

gfl_status gfl_settings_add(gfl_settings *s, const char *name, const char *value)
{
    const gfl_option *o = gfl_config_find(name);
    if (!o)
        GFL_ERROR(GFL_EINVAL, "unknown option '--%s'", name);
    if (s->n >= GFL_SETTINGS_MAX)
        GFL_ERROR(GFL_EINVAL, "more than %d training options given", GFL_SETTINGS_MAX);
    s->item[s->n].opt = o;
    s->item[s->n].value = value;
    s->n++;
    return GFL_OK;
}

void gfl_settings_set_preset(gfl_settings *s, gfl_preset p)
{
    s->preset_given = 1;
    s->preset = p;
}

int gfl_settings_has(const gfl_settings *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->item[i].opt->name, name) == 0)
            return 1;
    return 0;
}

gfl_status gfl_settings_apply(const gfl_settings *s, gfl_case_id c, gfl_preset p, gfl_config *cfg)
{
    gfl_config_defaults(cfg, c, p);
    for (int i = 0; i < s->n; i++)
        GFL_TRY(gfl_config_set(cfg, s->item[i].opt->name, s->item[i].value));
    if (c == GFL_CASE_DATA)
        GFL_TRY(gfl_data_resolve(cfg)); /* d, n and n-test come from the file (SPEC 11) */
    return GFL_OK;
}
