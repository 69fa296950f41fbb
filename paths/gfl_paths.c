#include "gfl_paths.h"

#include <stdio.h>
#include <string.h>

#include "gfl_fast.h"
#include "gfl_ref.h"

const gfl_path *const gfl_paths[] = {
    &gfl_ref_path,
    &gfl_fast_path,
    /* A read-only path (engine == NULL: an outside implementation's
     * trajectory read from files, replayed against the reference) registers
     * here, after the engines: commands that run every path with an engine
     * skip it. */
    NULL,
};

const gfl_path *gfl_path_find(const char *name)
{
    for (size_t i = 0; name && gfl_paths[i]; i++)
        if (strcmp(gfl_paths[i]->name, name) == 0)
            return gfl_paths[i];
    return NULL;
}

gfl_status gfl_path_lookup(const char *name, const gfl_path **out)
{
    *out = gfl_path_find(name);
    if (*out)
        return GFL_OK;
    char names[160] = "";
    size_t len = 0;
    for (size_t i = 0; gfl_paths[i] && len < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i == 0 ? "" : gfl_paths[i + 1] ? ", " : " or ",
                                gfl_paths[i]->name);
    GFL_ERROR(GFL_EINVAL, "--path: unknown value '%s' (%s)", name, names);
}

gfl_status gfl_path_lookup_engine(const char *name, const gfl_path **out)
{
    GFL_TRY(gfl_path_lookup(name, out));
    if (!(*out)->engine)
        GFL_ERROR(GFL_EINVAL, "--path: '%s' has no engine: its steps are read from files, not computed", name);
    return GFL_OK;
}

const gfl_path *gfl_path_reference(void) { return &gfl_ref_path; }

const gfl_path *gfl_path_tested(void) { return &gfl_fast_path; }
