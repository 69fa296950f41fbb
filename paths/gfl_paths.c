#include "gfl_paths.h"

#include <stdio.h>
#include <string.h>

#include "gfl_fast.h"
#include "gfl_ref.h"
#include "gfl_traj.h"

const gfl_path *const gfl_paths[] = {
    &gfl_ref_path,
    &gfl_fast_path,
    /* A read-only path (engine == NULL: an outside implementation's
     * trajectory read from files, replayed against the reference) registers
     * here, after the engines: commands that run every path with an engine
     * skip it. */
    &gfl_outside_path,
    NULL,
};

const gfl_path *gfl_path_find(const char *name)
{
    for (size_t i = 0; name && gfl_paths[i]; i++)
        if (strcmp(gfl_paths[i]->name, name) == 0)
            return gfl_paths[i];
    return NULL;
}

/* "--path: unknown value 'name' (a, b or c)" over the paths (with an engine
 * only, when engines_only: what --path of a command that computes accepts). */
static gfl_status unknown_path(const char *name, int engines_only)
{
    const gfl_path *list[16];
    size_t k = 0;
    for (size_t i = 0; gfl_paths[i] && k < 16; i++)
        if (!engines_only || gfl_paths[i]->engine)
            list[k++] = gfl_paths[i];
    char names[160] = "";
    size_t len = 0;
    for (size_t i = 0; i < k && len < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i == 0 ? "" : i + 1 < k ? ", " : " or ",
                                list[i]->name);
    GFL_ERROR(GFL_EINVAL, "--path: unknown value '%s' (%s)", name, names);
}

gfl_status gfl_path_lookup(const char *name, const gfl_path **out)
{
    *out = gfl_path_find(name);
    return *out ? GFL_OK : unknown_path(name, 0);
}

gfl_status gfl_path_lookup_engine(const char *name, const gfl_path **out)
{
    *out = gfl_path_find(name);
    if (!*out)
        return unknown_path(name, 1);
    if (!(*out)->engine)
        GFL_ERROR(GFL_EINVAL, "--path: '%s' has no engine: its steps are read from files, not computed", name);
    return GFL_OK;
}

const gfl_path *gfl_path_reference(void) { return &gfl_ref_path; }

const gfl_path *gfl_path_tested(void) { return &gfl_fast_path; }
