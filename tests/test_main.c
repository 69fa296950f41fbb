/* Runs every CUnit suite; exit status is non-zero on any failure. */
#include <dirent.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/Automated.h>

#include "gfl_test.h"

static char scratch[256];

static void remove_scratch(void)
{
    if (scratch[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
        if (system(cmd) != 0)
            fprintf(stderr, "warning: could not remove %s\n", scratch);
    }
}

const char *gfl_test_scratch(void)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof scratch, "/tmp/gfl_tests.XXXXXX");
        if (!mkdtemp(scratch)) {
            perror("mkdtemp");
            exit(3);
        }
        atexit(remove_scratch);
    }
    return scratch;
}

void gfl_test_check_at(int ok, const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, "ok", file, "", CU_FALSE);
        return;
    }
    int len = snprintf(msg, sizeof msg, "[GFL_TEST_SEED=%llu] ", (unsigned long long)gfl_test_seed());
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + len, sizeof msg - (size_t)len, fmt, ap);
    va_end(ap);
    CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE); /* CUnit copies msg */
}

uint64_t gfl_test_seed(void)
{
    const char *s = getenv("GFL_TEST_SEED");
    return s ? strtoull(s, NULL, 10) : 1;
}

int gfl_test_effort(void)
{
    const char *s = getenv("GFL_TEST_EFFORT");
    int e = s ? atoi(s) : 1;
    return e < 0 ? 0 : e;
}

const char *gfl_test_bin(void)
{
    const char *b = getenv("GFL_BIN");
    return b ? b : "bin/gfl";
}

void gfl_test_exec_gfl(const char *const *args)
{
    const char *argv[64];
    int k = 0;
    argv[k++] = gfl_test_bin();
    for (int i = 0; args[i] && k < 63; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    execv(gfl_test_bin(), (char *const *)argv);
    _exit(98);
}

int gfl_test_count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

int gfl_test_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    /* --xml PREFIX: CUnit's automated mode (XML results for the artifact). */
    const char *xml = (argc == 3 && strcmp(argv[1], "--xml") == 0) ? argv[2] : NULL;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 3;
    printf("gfl tests: seed %llu, effort %d (reproduce: GFL_TEST_SEED=%llu GFL_TEST_EFFORT=%d %s)\n",
           (unsigned long long)gfl_test_seed(), gfl_test_effort(),
           (unsigned long long)gfl_test_seed(), gfl_test_effort(), argv[0]);
    t_npy_register();
    t_core_register();
    t_paths_register();
    t_compare_register();
    t_cli_register();
    t_oracle_register();
    t_check_register();
    t_check_lib_register();
    t_faults_register();
    t_stats_register();
    t_limits_register();
    t_links_register();
    t_comparator_register();
    t_ref_threads_register();
    t_phen_register();
    t_data_register();
    t_verify_register();
    t_sweep_register();
    t_cov_oom_register();
    t_cov_boundary_register();
    t_cov_engine_register();
    t_cov_io_register();
    t_cov_errors_register();
    t_cov_check_register();
    t_apriori_register();
    t_mutants_register();
    /* GFL_TEST_SUITES="check,paths": run only the suites whose names contain
     * one of the comma-separated words (a developer's loop; CI runs all). */
    const char *only = getenv("GFL_TEST_SUITES");
    if (only && *only) {
        for (CU_pSuite su = CU_get_registry()->pSuite; su; su = su->pNext) {
            int keep = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", only);
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
                keep |= strstr(su->pName, tok) != NULL;
            CU_set_suite_active(su, keep ? CU_TRUE : CU_FALSE);
        }
        /* CUnit counts a skipped suite as a failure unless told otherwise */
        CU_set_fail_on_inactive(CU_FALSE);
        printf("gfl tests: only the suites matching GFL_TEST_SUITES=%s\n", only);
    }
    unsigned failures;
    if (xml) {
        CU_set_output_filename(xml);
        CU_automated_run_tests();
        CU_list_tests_to_file();
    } else {
        CU_basic_set_mode(CU_BRM_NORMAL);
        CU_basic_run_tests();
    }
    failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    if (CU_get_error() != CUE_SUCCESS)
        failures++;
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
