#include "gfl_path.h"

#include "gfl_report.h"

json_t *gfl_path_versions(const gfl_path *const *paths)
{
    json_t *v = gfl_report_versions();
    for (size_t i = 0; paths[i]; i++)
        for (int k = 0; k < GFL_PATH_MAX_LIBS && paths[i]->libs[k].key; k++)
            json_object_set_new(v, paths[i]->libs[k].key, json_string(paths[i]->libs[k].version()));
    return v;
}

int gfl_path_buffers(const gfl_path *p, unsigned long *bytes)
{
    if (!p->buffers) {
        *bytes = 0;
        return 0;
    }
    return p->buffers(bytes);
}
