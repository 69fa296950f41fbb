#include "gfl_oracle.h"
#include "gfl_data.h"

#include <stdlib.h>
#include <string.h>

const char *gfl_oracle_kind_name(gfl_oracle_kind k)
{
    static const char *const names[] = {"closed_form", "enumeration", "monte_carlo", "bound"};
    return names[k];
}

const char *gfl_quantity_name(gfl_quantity q)
{
    static const char *const names[] = {"G", "B_x1", "B_x2", "L_D"};
    return names[q];
}

gfl_oracle_kind gfl_oracle_kind_of(gfl_case_id c, gfl_quantity q)
{
    switch (c) {
    case GFL_CASE_MOG:
    case GFL_CASE_XOR:
        /* SPEC 7: G and B_x2 closed form; E|x| has no simple closed form:
         * B_x1 <= sqrt(B_x2) is the bound used; the loss of a network is MC. */
        return q == GFL_Q_BX1 ? GFL_ORACLE_BOUND : q == GFL_Q_LOSS ? GFL_ORACLE_MONTE_CARLO
                                                                   : GFL_ORACLE_CLOSED_FORM;
    case GFL_CASE_PARITY:
    case GFL_CASE_PARITY_UNIFORM:
        /* |x| = sqrt(d) exactly; G and the loss by enumeration. */
        return (q == GFL_Q_BX1 || q == GFL_Q_BX2) ? GFL_ORACLE_CLOSED_FORM : GFL_ORACLE_ENUMERATION;
    case GFL_CASE_LINEAR:
        /* E|x|^2 = d + margin phi(margin) / Q(margin) [derived]; the rest MC. */
        return q == GFL_Q_BX2 ? GFL_ORACLE_CLOSED_FORM
                              : q == GFL_Q_BX1 ? GFL_ORACLE_BOUND : GFL_ORACLE_MONTE_CARLO;
    case GFL_CASE_SLABS:
        /* E|x|^2 = E|z|^2 in closed form (gfl_slabs_Bx2); G and the loss MC. */
    case GFL_CASE_MULTIINDEX:
        return q == GFL_Q_BX2 ? GFL_ORACLE_CLOSED_FORM
                              : q == GFL_Q_BX1 ? GFL_ORACLE_BOUND : GFL_ORACLE_MONTE_CARLO;
    case GFL_CASE_DATA:
        /* SPEC 11: no law, only samples: G and the moments are estimated on the
         * feature pool, L_D on the held-out part, each with its standard error */
        return GFL_ORACLE_MONTE_CARLO;
    default:
        return GFL_ORACLE_MONTE_CARLO;
    }
}

void gfl_parity_point(int d, uint64_t idx, double *x)
{
    for (int j = 0; j < d; j++)
        x[j] = ((idx >> j) & 1u) ? -1.0 : 1.0;
}

void gfl_parity_weight_parts(const gfl_problem *pb, uint64_t idx, uint64_t *cu, uint64_t *cs)
{
    int ones = 0;
    for (int j = 0; j < pb->cfg.k; j++)
        ones += (int)((idx >> pb->A[j]) & 1u);
    *cu = 4;
    *cs = (ones == 0 || ones == pb->cfg.k) ? (UINT64_C(1) << (pb->cfg.k + 1)) : 0u;
}

double gfl_parity_p_struct(const gfl_problem *pb)
{
    return pb->cfg.case_id == GFL_CASE_PARITY ? pb->cfg.p_struct : 0.0;
}

double gfl_slabs_Bx2(const gfl_config *c)
{
    /* E(o + w U)^2 = o^2 + o w + w^2 / 3 for U uniform on [0, 1] */
    double m = c->margin, w = (2.0 - 8.0 * m) / 5.0, o1 = (1.0 + 6.0 * m) / 5.0, o2 = (3.0 + 8.0 * m) / 5.0;
    double lin = m * m + m * (1.0 - m) + (1.0 - m) * (1.0 - m) / 3.0;
    double pos = o1 * o1 + o1 * w + w * w / 3.0;
    double neg = 0.75 * (w * w / 12.0) + 0.25 * (o2 * o2 + o2 * w + w * w / 3.0);
    return lin + (c->d - 1) * 0.5 * (pos + neg);
}

uint64_t gfl_parity_weight(const gfl_problem *pb, uint64_t idx)
{
    if (pb->cfg.case_id == GFL_CASE_PARITY_UNIFORM)
        return 4;
    /* x_A constant iff the bits of A are all 0 or all 1 */
    int ones = 0;
    for (int j = 0; j < pb->cfg.k; j++)
        ones += (int)((idx >> pb->A[j]) & 1u);
    int constant = ones == 0 || ones == pb->cfg.k;
    return 2u + (constant ? (UINT64_C(1) << pb->cfg.k) : 0u);
}

double gfl_parity_label(const gfl_problem *pb, uint64_t idx)
{
    int ones = 0;
    for (int j = 0; j < pb->cfg.k; j++)
        ones += (int)((idx >> pb->A[j]) & 1u);
    return (ones % 2) ? -1.0 : 1.0;
}

gfl_status gfl_sample_draw(gfl_sample *s, const gfl_problem *pb, int N, uint64_t tag)
{
    memset(s, 0, sizeof *s);
    if (pb->data)
        return gfl_data_sample(s, pb, tag);
    if (N <= 0)
        GFL_ERROR(GFL_EINVAL, "Monte Carlo sample size must be positive (got %d)", N);
    s->X = malloc((size_t)N * (size_t)pb->cfg.d * sizeof(double));
    s->Y = malloc((size_t)N * sizeof(double));
    if (!s->X || !s->Y) {
        gfl_sample_clear(s);
        GFL_ERROR(GFL_ENOMEM, "out of memory for a Monte Carlo sample of %d", N);
    }
    s->N = N;
    gfl_rng r;
    gfl_rng_init(&r, pb->cfg.seed, GFL_STREAM_MC, (uint64_t)pb->cfg.case_id, tag);
    gfl_problem_sample(pb, &r, N, s->X, s->Y);
    return GFL_OK;
}

void gfl_sample_clear(gfl_sample *s)
{
    free(s->X);
    free(s->Y);
    memset(s, 0, sizeof *s);
}
