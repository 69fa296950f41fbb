#include "gfl_population.h"
#include "gfl_data_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNKS 32

static gfl_status engine_for(const gfl_engine_vt *vt, const gfl_problem *pb, int m, int n_max,
                             const double *a, const double *W, const double *b, void **eng)
{
    gfl_config c = pb->cfg;
    c.m = m;
    GFL_TRY(vt->create(eng, &c, n_max));
    gfl_status st = vt->load(*eng, a, W, b);
    if (st != GFL_OK) {
        vt->destroy(*eng);
        *eng = NULL; /* the caller's cleanup must not destroy it again */
    }
    return st;
}

static gfl_status enumerate(const gfl_engine_vt *vt, const gfl_problem *pb, int m, const double *a,
                            const double *W, const double *b, gfl_pop_value *out)
{
    int d = pb->cfg.d;
    if (d > GFL_ENUM_MAX_D)
        GFL_ERROR(GFL_EINVAL, "enumeration of {+-1}^%d is too large (d <= %d)", d, GFL_ENUM_MAX_D);
    uint64_t npts = UINT64_C(1) << d, total = UINT64_C(1) << (d + 2);
    const int chunk = 8192;
    void *eng = NULL;
    gfl_status st = GFL_OK;
    double *X = malloc((size_t)chunk * d * sizeof(double)), *Y = malloc((size_t)chunk * sizeof(double));
    if (!X || !Y) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the enumeration");
        goto cleanup;
    }
    if ((st = engine_for(vt, pb, m, chunk, a, W, b, &eng)) != GFL_OK)
        goto cleanup;
    /* Points repeated by weight fill chunks of exactly `chunk` rows (the total
     * 2^(d+2) is a multiple of it once d >= 11; a last partial chunk otherwise),
     * each chunk mean weighted by its row count. */
    /* p_struct = 1/2: one pass with c(x); otherwise one pass per component of
     * the mixture (each of total weight 2^(d+2)), combined with weights 1 - p, p. */
    double pstr = gfl_parity_p_struct(pb), Lp[2] = {0, 0}, Ep[2] = {0, 0};
    int single = pstr == 0.5;
    for (int part = 0; part < (single ? 1 : 2); part++) {
    double L = 0.0, E = 0.0;
    int fill = 0;
    for (uint64_t idx = 0; idx < npts; idx++) {
        uint64_t cu, cs, c;
        gfl_parity_weight_parts(pb, idx, &cu, &cs);
        c = single ? (cu + cs) / 2 : part == 0 ? cu : cs;
        double y = gfl_parity_label(pb, idx);
        for (uint64_t r = 0; r < c; r++) {
            gfl_parity_point(d, idx, X + (size_t)fill * d);
            Y[fill++] = y;
            if (fill == chunk) {
                double l, e;
                if ((st = vt->evaluate(eng, X, Y, fill, &l, &e)) != GFL_OK)
                    goto cleanup;
                L += l * fill;
                E += e * fill;
                fill = 0;
            }
        }
    }
    if (fill > 0) { /* the last partial chunk */
        double l, e;
        if ((st = vt->evaluate(eng, X, Y, fill, &l, &e)) != GFL_OK)
            goto cleanup;
        L += l * fill;
        E += e * fill;
    }
    Lp[part] = L / (double)total;
    Ep[part] = E / (double)total;
    }
    out->loss = single ? Lp[0] : (1.0 - pstr) * Lp[0] + pstr * Lp[1];
    out->err = single ? Ep[0] : (1.0 - pstr) * Ep[0] + pstr * Ep[1];
    out->loss_se = out->err_se = out->sigma = 0.0;
    out->kind = GFL_ORACLE_ENUMERATION;
    out->N = (long)total;
cleanup:
    if (eng)
        vt->destroy(eng);
    free(X);
    free(Y);
    return st;
}

gfl_status gfl_population_loss(const gfl_engine_vt *vt, const gfl_problem *pb, const gfl_sample *mc,
                               int m, const double *a, const double *W, const double *b,
                               gfl_pop_value *out)
{
    memset(out, 0, sizeof *out);
    if (gfl_oracle_kind_of(pb->cfg.case_id, GFL_Q_LOSS) == GFL_ORACLE_ENUMERATION)
        return enumerate(vt, pb, m, a, W, b, out);
    if (pb->data)
        return gfl_data_population(vt, pb, mc, m, a, W, b, out); /* every held-out row */
    if (!mc || mc->N < 2 * CHUNKS)
        GFL_ERROR(GFL_EINVAL, "the population loss needs a Monte Carlo sample of at least %d", 2 * CHUNKS);
    int d = pb->cfg.d, per = mc->N / CHUNKS;
    void *eng = NULL;
    GFL_TRY(engine_for(vt, pb, m, per, a, W, b, &eng));
    double lm[CHUNKS], em[CHUNKS], L = 0, E = 0;
    gfl_status st = GFL_OK;
    for (int c = 0; c < CHUNKS; c++) {
        if ((st = vt->evaluate(eng, mc->X + (size_t)c * per * d, mc->Y + (size_t)c * per, per, &lm[c], &em[c])) != GFL_OK)
            break;
        L += lm[c] / CHUNKS;
        E += em[c] / CHUNKS;
    }
    vt->destroy(eng);
    GFL_TRY(st);
    double vl = 0, ve = 0;
    for (int c = 0; c < CHUNKS; c++) {
        vl += (lm[c] - L) * (lm[c] - L);
        ve += (em[c] - E) * (em[c] - E);
    }
    out->loss = L;
    out->err = E;
    out->loss_se = sqrt(vl / (CHUNKS - 1) / CHUNKS);
    out->err_se = sqrt(ve / (CHUNKS - 1) / CHUNKS);
    out->sigma = out->loss_se * sqrt((double)per * CHUNKS);
    out->kind = GFL_ORACLE_MONTE_CARLO;
    out->N = (long)per * CHUNKS;
    return GFL_OK;
}
