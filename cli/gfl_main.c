/* gfl: command-line front end.  Exit codes: 0 success, 1 a check failed or
 * training diverged, 2 bad usage or input, 3 internal or resource error.
 * No library may end the process with a signal: GSL's error handler (abort)
 * is turned off, and GMP's allocation failure (abort) becomes one line on
 * stderr and exit 3 (docs/limits.md). */
#include <gmp.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
            "  verify    hold an outside implementation's trajectory to the ref path\n"
            "  version   print the versions of gfl and its libraries\n");
}

/* GMP (and MPFR, which allocates through GMP) cannot report a failed
 * allocation to its caller: it aborts.  These replacements end the process
 * the way every resource error does, without a core.  _exit, not exit: an
 * atexit handler or a library destructor could need the memory that is
 * missing (OpenBLAS joins its threads there, and a thread stuck retrying
 * its buffer never returns); files are only ever renamed into place when
 * complete, so what is lost is a temporary. */
static void gmp_out_of_memory(size_t bytes)
{
    char line[160];
    int len = snprintf(line, sizeof line,
                       "gfl: out of memory (GMP/MPFR could not allocate %zu bytes; see docs/limits.md)\n", bytes);
    fflush(stdout);
    if (write(2, line, (size_t)len) < 0)
        _exit(3);
    _exit(3);
}

static void *gmp_alloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        gmp_out_of_memory(n);
    return p;
}

static void *gmp_realloc(void *p, size_t old, size_t n)
{
    (void)old;
    void *q = realloc(p, n);
    if (!q)
        gmp_out_of_memory(n);
    return q;
}

static void gmp_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

static int run(int argc, char **argv)
{
    /* Ctrl-C or SIGTERM removes temporaries and stops gnuplot (gfl_io.h). */
    if (gfl_io_install_signal_cleanup() != GFL_OK)
        return gfl_cli_fail(GFL_EINTERNAL);
    if (argc < 2) {
        /* bad usage is one line, like every other (gfl help prints the list) */
        fprintf(stderr, "gfl: no command given (try 'gfl help')\n");
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
    if (strcmp(cmd, "verify") == 0)
        return gfl_cmd_verify(argc - 1, argv + 1);
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

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
    int rc = run(argc, argv);
    if (rc == 3) {
        /* A resource error: skip the destructors for the reason given above
         * (under a small `ulimit -v` an OpenBLAS worker may be spinning on its
         * buffer and would never be joined). */
        fflush(stdout);
        fflush(stderr);
        _exit(3);
    }
    return rc;
}
