/* gfl_paths: the registry of arithmetic paths -- the one door (docs/design.md).
 *
 * This is the only module that names an engine.  Everything else receives a
 * `const gfl_path *` (core/gfl_path.h) from gfl_path_find and reads its
 * fields: the CLI turns --path into a descriptor here and hands it to the
 * library; the checker never includes ref/ or fast/ headers. */
#ifndef GFL_PATHS_H
#define GFL_PATHS_H

#include "gfl_path.h"

/* Every path, NULL-terminated, in the order reports list them. */
extern const gfl_path *const gfl_paths[];

/* The path called name, or NULL. */
const gfl_path *gfl_path_find(const char *name);
/* The same, with one line naming the choices when name is unknown (GFL_EINVAL). */
gfl_status gfl_path_lookup(const char *name, const gfl_path **out);

/* The same, for a command that runs the path's engine: a read-only path
 * (engine == NULL) is refused with one line. */
gfl_status gfl_path_lookup_engine(const char *name, const gfl_path **out);

/* The reference every other path is held to (gfl compare, SPEC 9) and the
 * path it is compared with by default. */
const gfl_path *gfl_path_reference(void);
const gfl_path *gfl_path_tested(void);

#endif
