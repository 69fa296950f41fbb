#include "gfl_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gfl_data.h"

#define MAX_OPTS 96

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
        gfl_settings_set_preset(&out->set, preset);
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
        GFL_TRY(gfl_settings_add(&out->set, o->name, o->type == GFL_OPT_FLAG ? NULL : optarg));
    }
    if (optind < argc)
        GFL_ERROR(GFL_EINVAL, "%s: unexpected argument '%s'", argv[0], argv[optind]);
    if (out->cfg.case_id == GFL_CASE_DATA && !out->help)
        GFL_TRY(gfl_data_resolve(&out->cfg)); /* d, n and n-test come from the file */
    return GFL_OK;
}

gfl_status gfl_cli_engine(const char *name, const gfl_engine_vt **vt)
{
    const gfl_path *p;
    GFL_TRY(gfl_path_lookup_engine(name, &p));
    *vt = p->engine;
    return GFL_OK;
}
