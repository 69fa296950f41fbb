/* gfl scaling: the theorem's rates on a merged check sweep (docs/sweeps.md).
 * Parses, calls sweep/gfl_scaling and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_sweep.h"

int gfl_cmd_scaling(int argc, char **argv)
{
    const char *dir = NULL;
    int boot = 200;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            printf("usage: gfl scaling DIR [--boot B]   slopes, intervals, crossover: DIR/scaling/report.md\n"
                   "  DIR is a merged sweep of 'gfl check' over m, n, T and seeds (gfl sweep merge DIR)\n"
                   "  --boot B   bootstrap resamples of the seeds [200]\n");
            return 0;
        }
        if (!strcmp(argv[i], "--boot") && i + 1 < argc) {
            char *end;
            long b = strtol(argv[++i], &end, 10);
            if (*end || b < 20 || b > 100000) {
                fprintf(stderr, "gfl: scaling: --boot: '%s' is not an integer in [20, 100000]\n", argv[i]);
                return 2;
            }
            boot = (int)b;
        } else if (argv[i][0] != '-' && !dir)
            dir = argv[i];
        else {
            fprintf(stderr, "gfl: scaling: unexpected argument '%s' (try 'gfl scaling --help')\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "gfl: scaling: give the merged sweep directory (try 'gfl scaling --help')\n");
        return 2;
    }
    gfl_status st = gfl_scaling_report(dir, boot, stdout);
    return st == GFL_OK ? 0 : gfl_cli_fail(st);
}
