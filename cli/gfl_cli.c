#include "gfl_cli.h"

#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include "gfl_data.h"
#include "gfl_fast.h"
#include "gfl_io.h"
#include "gfl_ref.h"
#include "gfl_report.h"

#define MAX_OPTS 96

void gfl_cli_print_error(const char *msg)
{
    /* Messages echo user text: a control character in it (a newline in a
     * value) must not break the one-line contract, so it is escaped. */
    fputs("gfl: ", stderr);
    for (const unsigned char *q = (const unsigned char *)msg; *q; q++) {
        if (*q == '\n')
            fputs("\\n", stderr);
        else if (*q == '\t')
            fputs("\\t", stderr);
        else if (*q < 0x20 || *q == 0x7f)
            fprintf(stderr, "\\x%02x", *q);
        else
            fputc(*q, stderr);
    }
    fputc('\n', stderr);
}

int gfl_cli_fail(gfl_status st)
{
    const char *msg = gfl_error_message();
    /* A failed run leaves nothing behind: no temporary, and no output it
     * created before the failure (an earlier --dump when --json fails). */
    gfl_io_cleanup();
    gfl_cli_print_error(msg[0] ? msg : gfl_status_name(st));
    return gfl_status_exit_code(st);
}

/* Abbreviated long options are refused: getopt_long would take "--pres" for
 * --preset while the lookups of --case and --preset (prescan) and the
 * commands' own argv scans see only the full names, so an abbreviation could
 * be accepted and ignored.  One meaning everywhere: the full name. */
static gfl_status refuse_abbreviations(int argc, char **argv, const struct option *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strncmp(a, "--", 2) != 0)
            continue;
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct option *exact = NULL;
        char cand[256] = "";
        size_t used = 0;
        for (const struct option *o = opts; o->name; o++) {
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                exact = o;
            else if (len > 0 && strncmp(o->name, name, len) == 0 && used + strlen(o->name) + 4 < sizeof cand)
                used += (size_t)snprintf(cand + used, sizeof cand - used, "%s--%s", used ? ", " : "", o->name);
        }
        if (exact) {
            if (exact->has_arg == required_argument && !eq)
                i++; /* its value, whatever it looks like */
            continue;
        }
        if (cand[0])
            GFL_ERROR(GFL_EINVAL, "%s: unknown option '--%.*s' (abbreviations are not accepted; did you mean %s?)",
                      argv[0], (int)len, name, cand);
        /* an unknown name: getopt_long reports it */
    }
    return GFL_OK;
}

/* Value of --NAME in argv (either "--NAME V" or "--NAME=V"), or NULL. */
static const char *prescan(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    const char *v = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strncmp(argv[i], "--", 2) != 0 || strncmp(argv[i] + 2, name, len) != 0)
            continue;
        const char *rest = argv[i] + 2 + len;
        if (*rest == '=')
            v = rest + 1;
        else if (*rest == '\0' && i + 1 < argc)
            v = argv[++i];
    }
    return v;
}

gfl_status gfl_cli_parse(int argc, char **argv, const gfl_cli_extra *extras, gfl_cli_extra_fn fn,
                         void *ctx, int force_case, gfl_cli_common *out)
{
    struct option opts[MAX_OPTS];
    size_t no = 0, nextra = 0;
    memset(out, 0, sizeof *out);
    gfl_case_id c = GFL_CASE_XOR;
    gfl_preset preset = GFL_PRESET_DEFAULT;
    const char *cs = prescan(argc, argv, "case"), *ps = prescan(argc, argv, "preset");
    if (cs) {
        GFL_TRY(gfl_case_from_name(cs, &c));
        out->case_given = 1;
    }
    if (force_case >= 0) {
        c = (gfl_case_id)force_case;
        out->case_given = 1;
    }
    if (ps) {
        if (strcmp(ps, "small") == 0)
            preset = GFL_PRESET_SMALL;
        else if (strcmp(ps, "default") != 0)
            GFL_ERROR(GFL_EINVAL, "--preset: unknown value '%s' (default or small)", ps);
    }
    gfl_config_defaults(&out->cfg, c, preset);
    for (size_t i = 0; i < gfl_config_noptions; i++) {
        const gfl_option *o = &gfl_config_options[i];
        opts[no++] = (struct option){o->name, o->type == GFL_OPT_FLAG ? no_argument : required_argument,
                                     NULL, (int)(1000 + i)};
    }
    opts[no++] = (struct option){"case", required_argument, NULL, 1};
    opts[no++] = (struct option){"preset", required_argument, NULL, 1};
    opts[no++] = (struct option){"help", no_argument, NULL, 'h'};
    for (; extras && extras[nextra].name; nextra++) {
        if (no + 1 >= MAX_OPTS)
            GFL_ERROR(GFL_EINTERNAL, "too many options");
        opts[no++] = (struct option){extras[nextra].name, extras[nextra].has_arg ? required_argument : no_argument,
                                     NULL, (int)(2000 + nextra)};
    }
    opts[no] = (struct option){NULL, 0, NULL, 0};
    GFL_TRY(refuse_abbreviations(argc, argv, opts));
    optind = 1;
    opterr = 0;
    for (;;) {
        int idx = -1;
        int r = getopt_long(argc, argv, "h", opts, &idx);
        if (r == -1)
            break;
        if (r == '?') {
            /* glibc: optopt is the option's value when its argument is missing,
             * the unknown character for a short option, 0 for an unknown long one. */
            const char *bad = argv[optind - 1];
            if (optopt == 1 || optopt >= 1000)
                GFL_ERROR(GFL_EINVAL, "%s: option '%s' needs a value", argv[0], bad);
            if (optopt != 0)
                GFL_ERROR(GFL_EINVAL, "%s: unknown option '-%c' (see 'gfl %s --help')", argv[0],
                          optopt, argv[0]);
            GFL_ERROR(GFL_EINVAL, "%s: unknown option '%s' (see 'gfl %s --help')", argv[0], bad,
                      argv[0]);
        }
        if (r == 'h') {
            out->help = 1;
            continue;
        }
        if (r == 1)
            continue; /* --case, --preset: applied above */
        if (r >= 2000) {
            if (strcmp(extras[r - 2000].name, "all") == 0)
                out->all = 1;
            else
                GFL_TRY(fn(ctx, extras[r - 2000].name, optarg));
            continue;
        }
        const gfl_option *o = &gfl_config_options[r - 1000];
        if (strcmp(o->name, "seed") == 0)
            out->seed_given = 1;
        GFL_TRY(gfl_config_set(&out->cfg, o->name, o->type == GFL_OPT_FLAG ? NULL : optarg));
    }
    if (optind < argc)
        GFL_ERROR(GFL_EINVAL, "%s: unexpected argument '%s'", argv[0], argv[optind]);
    if (out->cfg.case_id == GFL_CASE_DATA && !out->help)
        GFL_TRY(gfl_data_resolve(&out->cfg)); /* d, n and n-test come from the file */
    return GFL_OK;
}

void gfl_cli_usage(const char *cmd, const char *synopsis, const gfl_cli_extra *extras,
                   const gfl_config *cfg)
{
    printf("usage: gfl %s %s\n\n", cmd, synopsis);
    printf("  --case C               case study (gfl cases lists them)\n");
    printf("  --preset P             default (learns) or small (ref path in seconds)\n");
    for (size_t i = 0; extras && extras[i].name; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", extras[i].name, extras[i].has_arg ? " " : "",
                 extras[i].has_arg ? extras[i].arg : "");
        printf("  %-22s %s\n", left, extras[i].help);
    }
    printf("\ntraining options (defaults of case %s, preset %s):\n", gfl_case_name(cfg->case_id),
           cfg->preset == GFL_PRESET_SMALL ? "small" : "default");
    for (size_t i = 0; i < gfl_config_noptions; i++) {
        const gfl_option *o = &gfl_config_options[i];
        char val[64], left[64];
        gfl_config_format(cfg, o, val, sizeof val);
        snprintf(left, sizeof left, "--%s%s", o->name, o->type == GFL_OPT_FLAG ? "" : " X");
        printf("  %-22s %s [%s]%s\n", left, o->help, val,
               (o->cases & GFL_STUDY_CASES) == GFL_STUDY_CASES ? "" : " (case option)");
    }
}

void gfl_cli_print_reproduce(int argc, char **argv, const gfl_cli_common *c)
{
    printf("reproduce: gfl");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    if (!c->seed_given)
        printf(" --seed %llu", (unsigned long long)c->cfg.seed);
    printf("\n");
}

gfl_status gfl_cli_engine(const char *name, const gfl_engine_vt **vt)
{
    if (strcmp(name, "ref") == 0)
        *vt = &gfl_ref_engine;
    else if (strcmp(name, "fast") == 0)
        *vt = &gfl_fast_engine;
    else
        GFL_ERROR(GFL_EINVAL, "--path: unknown value '%s' (ref or fast)", name);
    return GFL_OK;
}

/* Output names are echoed in messages and written into gnuplot scripts: a
 * control character in one is refused up front rather than written. */
static gfl_status check_name(const char *path, const char *what)
{
    if (strlen(path) == 0 || strlen(path) >= 4000)
        GFL_ERROR(GFL_EINVAL, "bad %s path '%s'", what, path);
    for (const unsigned char *q = (const unsigned char *)path; *q; q++)
        if (*q < 0x20 || *q == 0x7f)
            GFL_ERROR(GFL_EINVAL, "bad %s path '%s': it contains a control character", what, path);
    return GFL_OK;
}

static gfl_status check_parent(const char *path, const char *what)
{
    char buf[4096];
    GFL_TRY(check_name(path, what));
    strcpy(buf, path);
    const char *dir = dirname(buf);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "cannot write %s '%s': directory '%s' does not exist", what, path, dir);
    /* X too: a directory we may list but not enter cannot receive files */
    if (access(dir, W_OK | X_OK) != 0)
        GFL_ERROR(GFL_EIO, "cannot write %s '%s': directory '%s' is not writable", what, path, dir);
    return GFL_OK;
}

gfl_status gfl_cli_check_output_file(const char *path)
{
    struct stat sb;
    GFL_TRY(check_parent(path, "file"));
    /* dirname("out.json/") is ".": the parent check alone would pass it */
    if (path[strlen(path) - 1] == '/')
        GFL_ERROR(GFL_EIO, "cannot write file '%s': a file name cannot end in '/'", path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "cannot write file '%s': it is a directory", path);
    return GFL_OK;
}

/* A directory gfl may write: its parent is writable, and it does not exist
 * (*exists = 0) or is a directory (*exists = 1). */
static gfl_status check_dir(const char *dir, int *exists)
{
    struct stat sb;
    GFL_TRY(check_parent(dir, "directory"));
    *exists = stat(dir, &sb) == 0;
    if (*exists && !S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "cannot write directory '%s': it exists and is not a directory", dir);
    return GFL_OK;
}

gfl_status gfl_cli_check_output_dir(const char *dir)
{
    int exists;
    GFL_TRY(check_dir(dir, &exists));
    if (!exists)
        return GFL_OK;
    DIR *d = opendir(dir);
    if (!d)
        GFL_ERROR(GFL_EIO, "cannot read directory '%s'", dir);
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    if (!empty)
        GFL_ERROR(GFL_EIO, "refusing to overwrite non-empty directory '%s'", dir);
    return GFL_OK;
}

gfl_status gfl_cli_check_figure_dir(const char *dir)
{
    int exists;
    GFL_TRY(check_dir(dir, &exists));
    if (exists && access(dir, W_OK | X_OK) != 0)
        GFL_ERROR(GFL_EIO, "cannot write directory '%s': it is not writable", dir);
    return GFL_OK;
}

gfl_status gfl_cli_make_figure_dir(const char *dir)
{
    if (mkdir(dir, 0755) == 0)
        gfl_io_track(dir, GFL_IO_NEW_DIR); /* a later failure removes it */
    else if (errno != EEXIST)
        GFL_ERROR(GFL_EIO, "cannot create directory '%s': %s", dir, strerror(errno));
    return GFL_OK;
}

int gfl_cli_is_new(const char *path)
{
    struct stat sb;
    return stat(path, &sb) != 0;
}

void gfl_cli_note_figure(const char *png, int png_new, int gp_new)
{
    char gp[4096];
    size_t len = strlen(png);
    if (png_new)
        gfl_io_track(png, GFL_IO_NEW_FILE);
    if (gp_new && len > 4 && len < sizeof gp) {
        snprintf(gp, sizeof gp, "%.*s.gp", (int)(len - 4), png);
        gfl_io_track(gp, GFL_IO_NEW_FILE);
    }
}

json_t *gfl_cli_versions(void)
{
    json_t *v = gfl_report_versions();
    json_object_set_new(v, "mpfr", json_string(gfl_ref_mpfr_version()));
    json_object_set_new(v, "gmp", json_string(gfl_ref_gmp_version()));
    json_object_set_new(v, "blas", json_string(gfl_fast_blas_version()));
    return v;
}
