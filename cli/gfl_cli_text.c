/* What the CLI writes besides a command's results: one-line errors, usage
 * texts, the line that reproduces a run and the versions block. */
#include "gfl_cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gfl_io.h"

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

json_t *gfl_cli_versions(void) { return gfl_path_versions(gfl_paths); }
