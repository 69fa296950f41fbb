/* Shared helpers of the CUnit suites.
 * Every randomized test takes its seed from gfl_test_seed() (env GFL_TEST_SEED,
 * default 1; printed once at start-up) so a failure is reproduced by one line:
 *   GFL_TEST_SEED=<seed> build/release/gfl_tests
 * gfl_test_effort() (env GFL_TEST_EFFORT, default 1) scales repetition counts. */
#ifndef GFL_TEST_H
#define GFL_TEST_H

#include <stdint.h>

#include <CUnit/CUnit.h>

#include "gfl_check.h"

uint64_t gfl_test_seed(void);
int gfl_test_effort(void);
/* One CUnit assertion (CU_assertImplementation, as CU_ASSERT) whose failure
 * message is formatted and carries the seed: CHECK(cond, "fmt", ...). */
void gfl_test_check_at(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define CHECK(cond, ...) gfl_test_check_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* A fresh scratch directory under /tmp, removed at exit (returned path is static storage). */
const char *gfl_test_scratch(void);

/* The CLI under test: $GFL_BIN, else bin/gfl (the suites run from the top directory). */
const char *gfl_test_bin(void);
/* In a forked child: exec the CLI with args (NULL-terminated, at most 62); never returns. */
void gfl_test_exec_gfl(const char *const *args) __attribute__((noreturn));
/* Newlines in s (an error message is one line). */
int gfl_test_count_lines(const char *s);
/* Entries of dir other than . and .. (-1 when it cannot be read). */
int gfl_test_dir_entries(const char *dir);
/* gfl check on the checker tests' instance: the case's small preset,
 * sigma_a = 4, seed 1, n_pop 4096, n_fit 1024, with a planted chain fault
 * (tests/t_check.c). */
gfl_status gfl_test_check_instance(gfl_case_id cid, const char *path, int T, gfl_chain_fault fault,
                                   gfl_check_case *out);

/* Suite registration, one per module. */
void t_npy_register(void);
void t_core_register(void);
void t_paths_register(void);
void t_compare_register(void);
void t_cli_register(void);
void t_oracle_register(void);
void t_check_register(void);
void t_check_lib_register(void);
void t_faults_register(void);
void t_stats_register(void);
void t_limits_register(void);
void t_links_register(void);
void t_comparator_register(void);
void t_ref_threads_register(void);
void t_phen_register(void);
void t_data_register(void);
void t_verify_register(void);
void t_sweep_register(void);
/* Coverage suites (tests/t_cov_*.c): boundaries, error paths, out of memory. */
void t_cov_oom_register(void);
void t_cov_boundary_register(void);
void t_cov_engine_register(void);
void t_cov_io_register(void);
void t_cov_errors_register(void);
void t_cov_check_register(void);
/* The a-priori form at its best triple (tests/t_apriori.c). */
void t_apriori_register(void);
/* The inputs of one proof chain run on the fast path (tests/t_fixtures.c):
 * problem, witness, features (n_init draws, 0: the default), OPT_hat and the
 * chain's defaults with n_pop 4096. */
typedef struct {
    gfl_problem pb;
    gfl_witness wit;
    gfl_features_result feat;
    gfl_opt_result opt;
    gfl_chain_params cp;
} gfl_test_chain_inputs;
void gfl_test_chain_inputs_init(gfl_test_chain_inputs *in, const gfl_config *cfg, int n_init);
void gfl_test_chain_inputs_clear(gfl_test_chain_inputs *in);
/* Tests against mutants the other suites missed (tools/mutate.py, docs/mutation.md). */
void t_mutants_register(void);

#endif
