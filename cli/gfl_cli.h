/* gfl_cli: option parsing shared by every gfl command.
 * The training options come from the one table in core (gfl_config_options);
 * each command adds its own options (output files, path, ...). */
#ifndef GFL_CLI_H
#define GFL_CLI_H

#include "gfl_config.h"
#include "gfl_output.h"
#include "gfl_paths.h"
#include "gfl_settings.h"

typedef struct {
    const char *name;
    int has_arg; /* 0 or 1 */
    const char *arg; /* name of the argument in the help */
    const char *help;
} gfl_cli_extra;

/* Receives the command's own options; returns GFL_EINVAL with a message on bad values. */
typedef gfl_status (*gfl_cli_extra_fn)(void *ctx, const char *name, const char *value);

typedef struct {
    gfl_config cfg;
    int case_given;
    int seed_given;
    int help;
    int all;  /* --all: every case study, each with its own defaults */
    gfl_settings set; /* --preset and the training options, in order (for the library) */
} gfl_cli_common;

/* Parses argv (argv[0] is the command name).  --case and --preset are applied
 * first (they fix the defaults), then every other option in order.
 * force_case >= 0 replaces --case (used to expand --all case by case). */
gfl_status gfl_cli_parse(int argc, char **argv, const gfl_cli_extra *extras, gfl_cli_extra_fn fn,
                         void *ctx, int force_case, gfl_cli_common *out);
void gfl_cli_usage(const char *cmd, const char *synopsis, const gfl_cli_extra *extras,
                   const gfl_config *cfg);
/* "gfl CMD --case C ... --seed S": one line that reproduces this run. */
void gfl_cli_print_reproduce(int argc, char **argv, const gfl_cli_common *c);

/* The engine of the path called name (gfl_path_lookup; one line naming the
 * choices when there is none). */
gfl_status gfl_cli_engine(const char *name, const gfl_engine_vt **vt);
/* The output checks of core/gfl_output.h under the names the commands use. */
static inline gfl_status gfl_cli_check_output_file(const char *path) { return gfl_output_check_file(path); }
static inline gfl_status gfl_cli_check_output_dir(const char *dir) { return gfl_output_check_dir(dir); }
static inline gfl_status gfl_cli_check_figure_dir(const char *dir) { return gfl_output_check_figure_dir(dir); }
static inline gfl_status gfl_cli_make_figure_dir(const char *dir) { return gfl_output_make_figure_dir(dir); }
static inline int gfl_cli_is_new(const char *path) { return gfl_output_is_new(path); }
static inline void gfl_cli_note_figure(const char *png, int png_new, int gp_new)
{
    gfl_output_note_figure(png, png_new, gp_new);
}

/* Versions of every library in use (gfl, compiler, MPFR, GMP, BLAS, jansson). */
struct json_t;
struct json_t *gfl_cli_versions(void);

/* Commands. */
int gfl_cmd_cases(int argc, char **argv);
int gfl_cmd_train(int argc, char **argv);
int gfl_cmd_compare(int argc, char **argv);
int gfl_cmd_features(int argc, char **argv);
int gfl_cmd_check(int argc, char **argv);
int gfl_cmd_verify(int argc, char **argv);

/* "gfl: message" on one line (control characters escaped). */
void gfl_cli_print_error(const char *msg);
/* Removes what the failed run created (gfl_io_cleanup), prints
 * "gfl: message" and returns the exit code of st. */
int gfl_cli_fail(gfl_status st);

#endif
