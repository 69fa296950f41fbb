/* gfl phenomena: the paper's explanations of empirical phenomena as
 * experiments (SPEC 8; docs/phenomena.md).  Parses, calls the library
 * (proofs_check/gfl_phen.h), exits 1 when an experiment is NOT REPRODUCED. */
#include <stdio.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_phen.h"

static void help(FILE *f)
{
    fprintf(f, "usage: gfl phenomena NAME|--all [--quick] [--json FILE] [--report DIR]\n\n"
               "  NAME        one of:");
    for (int i = 0; i < gfl_phen_nexperiments; i++)
        fprintf(f, " %s", gfl_phen_experiments[i].name);
    fprintf(f, "\n  --all       every experiment\n"
               "  --quick     reduced grids (the direction of each effect; tests and make proofs)\n"
               "  --json F    the figures and verdicts as JSON\n"
               "  --report D  report.md, report.json and the figures (PNG) in the new directory D\n"
               "exit 0: every experiment REPRODUCED; 1: one is NOT REPRODUCED; 2: bad usage\n");
}

int gfl_cmd_phenomena(int argc, char **argv)
{
    const char *name = NULL, *json = NULL, *report = NULL;
    int all = 0, quick = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            return 0;
        } else if (strcmp(a, "--all") == 0) {
            all = 1;
        } else if (strcmp(a, "--quick") == 0) {
            quick = 1;
        } else if (strcmp(a, "--json") == 0 || strcmp(a, "--report") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0') {
                fprintf(stderr, "gfl phenomena: %s needs a value\n", a);
                return 2;
            }
            *(a[2] == 'j' ? &json : &report) = argv[++i];
        } else if (a[0] == '-') {
            fprintf(stderr, "gfl phenomena: unknown option '%s' (try 'gfl phenomena --help')\n", a);
            return 2;
        } else if (name) {
            fprintf(stderr, "gfl phenomena: more than one experiment named ('%s', '%s')\n", name, a);
            return 2;
        } else {
            name = a;
        }
    }
    if (all == (name != NULL)) {
        fprintf(stderr, "gfl phenomena: name one experiment or give --all (try 'gfl phenomena --help')\n");
        return 2;
    }
    if (name && !gfl_phen_find(name)) {
        fprintf(stderr, "gfl phenomena: unknown experiment '%s' (try 'gfl phenomena --help')\n", name);
        return 2;
    }
    gfl_status st;
    if ((json && (st = gfl_cli_check_output_file(json)) != GFL_OK) ||
        (report && (st = gfl_cli_check_output_dir(report)) != GFL_OK))
        return gfl_cli_fail(st);
    int ok = 0;
    if ((st = gfl_phen_run(gfl_path_tested(), name, quick, json, report, stdout, &ok)) != GFL_OK)
        return gfl_cli_fail(st);
    printf("phenomena: %s\n", ok ? "every experiment REPRODUCED" : "NOT REPRODUCED (see above)");
    return ok ? 0 : 1;
}
