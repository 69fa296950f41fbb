/* gfl_check: one case study through the whole check -- gradient features,
 * OPT_hat, the proof chain -- and the delta check over several seeds. */
#ifndef GFL_CHECK_H
#define GFL_CHECK_H

#include "gfl_chain.h"

typedef struct {
    gfl_features_params fp; /* n_init etc.; gamma/B_G/p < 0 take the case defaults */
    int fp_given;           /* fp overrides the defaults */
    gfl_chain_params cp;
    int seeds;              /* delta check over this many seeds (1 = off) */
    double delta;           /* the theorem's failure probability */
    int n_fit;              /* OPT refit sample */
} gfl_check_params;

void gfl_check_defaults(gfl_check_params *p);

struct gfl_data_summary;

typedef struct gfl_check_case {
    gfl_config cfg;
    char path[8];
    struct gfl_data_summary *data; /* case data: the split and the baselines (gfl_data_check.h) */
    gfl_witness wit;
    gfl_features_result feat;
    gfl_opt_result opt;
    gfl_chain_result chain;
    int members;            /* witness features claimed in S(p, gamma, B_G) */
    int pruned;             /* case data: candidate features not in S, dropped (gfl_data_check_prune) */
    /* delta check */
    int seeds, stat_fail;
    double delta, fail_lo, fail_hi, level;
    gfl_verdict delta_verdict;
    double seconds;
} gfl_check_case;

gfl_status gfl_check_run(const gfl_config *cfg, const char *path, const gfl_check_params *p,
                         gfl_check_case *out);
void gfl_check_clear(gfl_check_case *c);
/* Any exact link FAIL or statistical link VIOLATED (including the delta check). */
int gfl_check_bad(const gfl_check_case *c);
/* --strict: any link (or the delta check) FAIL, VIOLATED, UNCERTIFIED or INCONCLUSIVE (SPEC 6). */
int gfl_check_strict_bad(const gfl_check_case *c);

#endif
