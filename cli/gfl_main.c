/* gfl: command-line front end.  Exit codes: 0 success, 1 a check failed or
 * training diverged, 2 bad usage or input, 3 internal or resource error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_io.h"
#include "gfl_report.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gfl COMMAND [options]   (gfl COMMAND --help for its options)\n\n"
            "  cases     list the case studies with their parameters and defaults\n"
            "  train     train Algorithm 1 with one path (ref: MPFR, fast: double/BLAS)\n"
            "  features  gradient features, population oracles, learned neurons after step 1\n"
            "  check     the theorem's proof chain, link by link, with verdicts and figures\n"
            "  compare   run both paths in lockstep and compare them step by step\n"
            "  version   print the versions of gfl and its libraries\n");
}

int main(int argc, char **argv)
{
    /* Ctrl-C or SIGTERM removes temporaries and stops gnuplot (gfl_io.h). */
    if (gfl_io_install_signal_cleanup() != GFL_OK)
        return gfl_cli_fail(GFL_EINTERNAL);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "cases") == 0)
        return gfl_cmd_cases(argc - 1, argv + 1);
    if (strcmp(cmd, "train") == 0)
        return gfl_cmd_train(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return gfl_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "features") == 0)
        return gfl_cmd_features(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return gfl_cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        struct json_t *v = gfl_cli_versions();
        char *s = json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS);
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(v);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    gfl_error_at(GFL_EINVAL, __FILE__, __LINE__, "unknown command '%s' (try 'gfl help')", cmd);
    return gfl_cli_fail(GFL_EINVAL);
}
