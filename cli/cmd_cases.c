/* gfl cases: the case studies of SPEC 7 with their parameters and defaults. */
#include <stdio.h>

#include "gfl_cli.h"

static const char *const blurb[GFL_NCASES_ALL] = {
    "mixture of r Gaussians N(mu e_j, noise^2 I), labels +,-,+,- (SPEC 7 mog)",
    "XOR mixture: +-mu e1 labelled +1, +-mu e2 labelled -1 (SPEC 7 xor)",
    "structured sparse parity on {+-1}^d, y = prod_{j in A} x_j (SPEC 7 parity)",
    "uniform sparse parity on {+-1}^d: tiny first-step signal (SPEC 7)",
    "x ~ N(0, I) with |x_1| >= margin, y = sign(x_1) (SPEC 7 linear)",
    "x ~ N(0, I), y = sign(<u1,x><u2,x>) (SPEC 7 multiindex)",
    "one linear and d-1 five-slab coordinates, seeded rotation (SPEC 8 slabs)",
    "a table of data: CSV (gzip accepted) or X.npy with Y.npy; d from the file (SPEC 11, docs/data.md)",
};

int gfl_cmd_cases(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "gfl: cases takes no arguments\n");
        return 2;
    }
    for (int c = 0; c < GFL_NCASES_ALL; c++) {
        gfl_config def, sm;
        gfl_config_defaults(&def, (gfl_case_id)c, GFL_PRESET_DEFAULT);
        gfl_config_defaults(&sm, (gfl_case_id)c, GFL_PRESET_SMALL);
        printf("%-15s %s\n", gfl_case_name((gfl_case_id)c), blurb[c]);
        /* shortest text that reads back as the default: 0.1, not 0.10000000000000001 */
        char num[6][32];
        const double vals[6] = {def.eta1, def.eta, def.lam, def.sigma_a, def.sigma_w, def.btilde};
        for (int i = 0; i < 6; i++)
            gfl_format_double(num[i], sizeof num[i], vals[i]);
        if (c == GFL_CASE_DATA) { /* d and the held-out size come from the file, n = 0 is the whole pool */
            printf("  %-13s m=%d n=0 (the training pool) T=%d eta1=%s eta=%s lam=%s sigma_a=%s sigma_w=%s btilde=%s\n",
                   "default:", def.m, def.T, num[0], num[1], num[2], num[3], num[4], num[5]);
            printf("  %-13s m=%d T=%d; d and n_test from the file\n", "small preset:", sm.m, sm.T);
        } else {
            printf("  %-13s d=%d m=%d n=%d T=%d eta1=%s eta=%s lam=%s sigma_a=%s sigma_w=%s btilde=%s\n",
                   "default:", def.d, def.m, def.n, def.T, num[0], num[1], num[2], num[3], num[4], num[5]);
            printf("  %-13s d=%d m=%d n=%d T=%d n_test=%d\n", "small preset:", sm.d, sm.m, sm.n, sm.T,
                   sm.n_test);
        }
        printf("  %-13s", "parameters:");
        int any = 0;
        for (size_t i = 0; i < gfl_config_noptions; i++) {
            const gfl_option *o = &gfl_config_options[i];
            if ((o->cases & GFL_STUDY_CASES) == GFL_STUDY_CASES || !(o->cases & GFL_CASE_BIT(c)))
                continue;
            char v[64];
            gfl_config_format(&def, o, v, sizeof v);
            printf(" --%s %s", o->name, v);
            any = 1;
        }
        printf("%s\n\n", any ? "" : " (none)");
    }
    return 0;
}
