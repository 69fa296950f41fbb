/* Fixtures shared by the suites (tests/gfl_test.h): the inputs of one proof
 * chain run on the fast path, made the way gfl check makes them. */
#include "gfl_fast.h"
#include "gfl_fast_oracle.h"
#include "gfl_paths.h"
#include "gfl_test.h"

void gfl_test_chain_inputs_init(gfl_test_chain_inputs *in, const gfl_config *cfg, int n_init)
{
    gfl_features_params fp;
    gfl_sample fit, ev;
    CU_ASSERT_FATAL(gfl_problem_init(&in->pb, cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_witness_init(&in->wit, &in->pb) == GFL_OK);
    gfl_features_defaults(&fp, cfg, gfl_path_find("fast"));
    if (n_init > 0)
        fp.n_init = n_init;
    fp.n_mc = 4096;
    CU_ASSERT_FATAL(gfl_features_run(&in->pb, &in->wit, &gfl_fast_engine, &gfl_fast_oracle, &fp, &in->feat) ==
                    GFL_OK);
    CU_ASSERT_FATAL(gfl_sample_draw(&fit, &in->pb, 1024, 21) == GFL_OK);
    CU_ASSERT_FATAL(gfl_sample_draw(&ev, &in->pb, 4096, 22) == GFL_OK);
    CU_ASSERT_FATAL(gfl_opt_run(&gfl_fast_engine, &in->pb, &in->wit, &fit, &ev, 0.95, &in->opt) == GFL_OK);
    gfl_opt_membership(&in->opt, &in->feat);
    gfl_sample_clear(&fit);
    gfl_sample_clear(&ev);
    gfl_chain_defaults(&in->cp);
    in->cp.n_pop = 4096;
}

void gfl_test_chain_inputs_clear(gfl_test_chain_inputs *in)
{
    gfl_opt_clear(&in->opt);
    gfl_features_clear(&in->feat);
    gfl_witness_clear(&in->wit);
    gfl_problem_clear(&in->pb);
}
