/* The proof chain's per-batch work (gfl_chain_parts.h): the witness and the
 * candidate comparators atilde on each batch, the choice of K, C4 and C6 on
 * each batch, and the steps C5g recomputes. */
#include "gfl_chain_parts.h"

#include <stdlib.h>
#include <string.h>

/* Mean |x| and max |x| of the batch. */
double gfl_chain_batch_xbar(const ctx_t *c, double *xmax)
{
    double s = 0;
    for (int k = 0; k < c->n; k++) {
        double r = vnorm(c->X + (size_t)k * c->d, c->d);
        s += r;
        if (r > *xmax)
            *xmax = r;
    }
    return s / c->n * (1 + (c->n + c->d + 2) * GFL_CHAIN_2U); /* rounded up: used on upper sides */
}

double gfl_chain_loss_err(const ctx_t *c, int m, const double *a, const double *W, const double *b, double L)
{
    return gfl_cert_loss_err(c->u, c->pb->cfg.loss, c->n, c->d, m, a, W, b, c->xmax, L, c->at_prec);
}

/* C4's approximation term on a sample with mean norm xbar:
 * sum_j |a*_j| avg_{i in I_j} (|u_i - D_j| xbar + |beta_i - b*_j|). */
double gfl_chain_approx_term(const ctx_t *c, const int *I, int K, double xbar)
{
    const gfl_witness *w = c->wit;
    double s = 0;
    for (int j = 0; j < w->r; j++) {
        double t = 0;
        for (int q = 0; q < K; q++) {
            int i = I[j * K + q];
            t += dist(c->s1.U + (size_t)i * c->d, w->D + (size_t)j * c->d, c->d) * xbar +
                 fabs(c->s1.beta[i] - w->bstar[j]);
        }
        s += fabs(w->astar[j]) * t / K;
    }
    if (c->cp->fault == GFL_CHAIN_FAULT_WITNESS)
        s *= GFL_CHAIN_FAULT_WITNESS_SCALE;
    /* SPEC 6 C4: the loss is L_l-Lipschitz in the margin (1/ln 2 for the logistic loss) */
    return s * gfl_cert_lipschitz(c->pb->cfg.loss) * (1 + GFL_CHAIN_SLACK_FINAL);
}

/* C5g (SPEC 6): after a sampled step t, recompute g_t from the exact state
 * before it (kept by the previous call) and the regenerated batch Z^(t-1);
 * before a sampled step, keep the exact state. */
gfl_status gfl_chain_c5g_step(ctx_t *c, int t, void *eng, const gfl_engine_vt *vt)
{
    const gfl_config *cfg = &c->pb->cfg;
    if (t >= 2 && c->g.at[t]) {
        double eta, lam;
        int lie, uw;
        vt->store_exact(eng, c->parts, c->g.anext, c->g.Wnext);
        gfl_train_step_params(cfg, t, &eta, &lam, &lie, &uw);
        gfl_problem_batch(c->pb, t, c->X, c->Y);
        GFL_TRY(gfl_recompute_c5g(cfg, c->at_prec, t, c->n, c->X, c->Y, c->pb->b, c->parts, c->g.aprev, c->g.Wprev,
                                  c->g.anext, eta, lam, c->run->rec[t].grad_norm_a, &c->g.check));
    }
    if (t < c->T && c->g.at[t + 1])
        vt->store_exact(eng, c->parts, c->g.aprev, c->g.Wprev);
    return GFL_OK;
}

/* Pass 1 at the batch of step t + 1 (mean norm xbar; the witness's loss lw
 * on it): what choosing K needs (drift sums, L_Z(f*)). */
void gfl_chain_measure(ctx_t *c, double xbar, double lw)
{
    int m = c->m, d = c->d;
    for (int i = 0; i < m; i++) {
        double dw = dist(c->W_cur + (size_t)i * d, c->s1.W + (size_t)i * d, d);
        c->p1.Dsum[i] += dw * xbar;
        c->p1.Esum[i] += dw;
    }
    c->p1.xbar_sum += xbar;
    c->p1.lstar_sum += lw;
}

/* Pass 2 at the batch of step s = t + 1 (mean norm xbar, the witness's loss
 * lw): every candidate comparator at W^(t) and the chosen one at W^(1), and
 * the links C4 and C6 on this batch. */
gfl_status gfl_chain_compare_batch(ctx_t *c, int s, double xbar, double lw)
{
    const gfl_engine_vt *vt = c->vt;
    int m = c->m, d = c->d;
    double Lc = 0, L1, e, errc = 0;
    for (int q = 0; q < c->cmp.ncand; q++) {
        const double *aq = c->cmp.cand_a + (size_t)q * m;
        double L, pert = 0;
        GFL_TRY(vt->load(c->eng_comp, aq, c->W_cur, c->pb->b));
        GFL_TRY(vt->evaluate(c->eng_comp, c->X, c->Y, c->n, &L, &e));
        double err = gfl_chain_loss_err(c, m, aq, c->W_cur, c->pb->b, L);
        /* ref: W^(t) reached us rounded to double; the true comparator loss
         * differs by at most sum_i |atilde_i| |w_i - fl(w_i)| xmax */
        if (c->at_prec)
            for (int i = 0; i < m; i++)
                pert += fabs(aq[i]) * vnorm(c->W_cur + (size_t)i * d, d) * c->xmax * GFL_CHAIN_2U;
        c->cmp.cand_sum[q] += L;
        c->cmp.cand_err[q] += err;
        c->cmp.cand_pert[q] += pert;
        if (q == c->cmp.cand_chain) {
            Lc = L;
            errc = err;
        }
    }
    GFL_TRY(vt->evaluate(c->eng_comp1, c->X, c->Y, c->n, &L1, &e));
    double err1 = gfl_chain_loss_err(c, m, c->cmp.atilde, c->s1.W, c->pb->b, L1);
    double errw = gfl_chain_loss_err(c, c->wit_m, c->wit_a, c->wit_W, c->wit_b, lw);
    double drift = gfl_chain_drift(c->pb->cfg.loss, m, d, c->cmp.atilde, c->W_cur, c->s1.W, xbar);
    /* drift == 0 exactly: every neuron the comparator uses is where it was after
     * step 1, so f_{atilde,W^(t)} and f_{atilde,W^(1)} are the same function and
     * C6 is an identity (t = 2; freeze_w; neurons that never activate again) */
    int identity = drift == 0.0;
    if (c->cp->fault == GFL_CHAIN_FAULT_DRIFT)
        drift = 0;
    double slack;
    /* C4 at this batch: L_Z(f_{atilde,W1}) <= L_Z(f*) + approx(xbar) */
    double ap = gfl_chain_approx_term(c, c->cmp.I, c->cmp.K, xbar);
    gfl_verdict v4 = gfl_cert_le(L1, err1, lw + ap, errw + GFL_CHAIN_SLACK_SUM * (lw + ap), &slack);
    if (v4 == GFL_V_FAIL)
        c->p2.c4_fail++;
    if (v4 == GFL_V_UNCERTIFIED)
        c->p2.c4_unc++;
    if (c->p2.c4_worst_t == 0 || slack < c->p2.c4_worst) {
        c->p2.c4_worst = slack;
        c->p2.c4_worst_t = s;
    }
    /* C6 at this batch: L_Z(f_{atilde,W^(t)}) <= L_Z(f_{atilde,W1}) + drift */
    gfl_verdict v6;
    if (identity) {
        /* SPEC 6: the same function on both sides, but a non-finite value certifies nothing */
        v6 = isfinite(Lc) && isfinite(L1) ? GFL_V_PASS : GFL_V_UNCERTIFIED;
        slack = drift;
    } else {
        v6 = gfl_cert_le(Lc, errc, L1 + drift, err1 + GFL_CHAIN_SLACK_SUM * (L1 + drift), &slack);
    }
    if (v6 == GFL_V_FAIL)
        c->p2.c6_fail++;
    if (v6 == GFL_V_UNCERTIFIED)
        c->p2.c6_unc++;
    if (!identity && (c->p2.c6_worst_t == 0 || slack < c->p2.c6_worst)) {
        c->p2.c6_worst = slack;
        c->p2.c6_worst_t = s;
    }
    c->p2.lstar_err += errw;
    c->p2.approx_sum += ap;
    c->p2.drift_sum += drift;
    /* radius of step s's batch loss, measured on the network of step t */
    c->p2.batch_err[s] = gfl_chain_loss_err(c, m, c->a_cur, c->W_cur, c->pb->b, 0.0); /* + gamma L, added later */
    {
        double nb = vnorm(c->pb->b, m), nW = vnorm(c->W_cur, m * d);
        c->p2.gscale[s] = (nW * c->xmax + nb) * gfl_cert_lipschitz(c->pb->cfg.loss);
    }
    return GFL_OK;
}

/* For each witness neuron j, the neurons eligible for I_j sorted by their C4 score. */
static gfl_status candidates(ctx_t *c, double xbar, int **order, int *navail)
{
    const gfl_witness *w = c->wit;
    int m = c->m;
    *navail = 0;
    *order = malloc((size_t)w->r * m * sizeof(int));
    double *sc = malloc((size_t)m * sizeof(double));
    if (!*order || !sc) {
        free(*order);
        *order = NULL;
        free(sc);
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    }
    *navail = m;
    for (int j = 0; j < w->r; j++) {
        int *o = *order + (size_t)j * m, cnt = 0;
        for (int i = 0; i < m; i++) {
            int ok = c->s1.nw[i] > 0 && (c->pb->b[i] > 0) == (w->bstar[j] > 0);
            sc[i] = ok ? dist(c->s1.U + (size_t)i * c->d, w->D + (size_t)j * c->d, c->d) * xbar +
                             fabs(c->s1.beta[i] - w->bstar[j])
                       : INFINITY;
            cnt += ok;
            o[i] = i;
        }
        /* insertion sort by score (m is at most a few thousand; done once) */
        for (int a = 1; a < m; a++) {
            int v = o[a], b = a;
            while (b > 0 && sc[o[b - 1]] > sc[v]) {
                o[b] = o[b - 1];
                b--;
            }
            o[b] = v;
        }
        if (cnt < *navail)
            *navail = cnt;
    }
    free(sc);
    return GFL_OK;
}

/* atilde_i = sum_j a*_j / (K |w_i^(1)|) over the j with i in I_j (SPEC 6 C4). */
static void build_atilde(ctx_t *c, const int *I, int K)
{
    memset(c->cmp.atilde, 0, (size_t)c->m * sizeof(double));
    for (int j = 0; j < c->wit->r; j++)
        for (int q = 0; q < K; q++) {
            int i = I[j * K + q];
            c->cmp.atilde[i] += c->wit->astar[j] / (K * c->s1.nw[i]);
        }
}

/* Chooses K (learned neurons per witness neuron) minimizing the theorem-form
 * bound, from what pass 1 measured. */
gfl_status gfl_chain_choose_K(ctx_t *c, const gfl_run *run)
{
    const gfl_config *cfg = &c->pb->cfg;
    double Tp = c->T - 1, xbar = c->p1.xbar_sum / Tp, G2 = 0;
    for (int t = 2; t <= c->T; t++)
        G2 += run->rec[t].grad_norm_a * run->rec[t].grad_norm_a;
    int *order, navail;
    GFL_TRY(candidates(c, xbar, &order, &navail));
    if (navail == 0) {
        free(order);
        GFL_ERROR(GFL_ECHECK, "no learned neuron is eligible for some witness neuron (bias signs)");
    }
    static const int Ks[] = GFL_CHAIN_K_GRID;
    int r = c->wit->r, bestK = 1;
    double best = INFINITY;
    int *I = malloc((size_t)r * c->m * sizeof(int));
    if (!I) {
        free(order);
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    }
    size_t nK = 0;
    while (nK < sizeof Ks / sizeof Ks[0] && Ks[nK] <= navail)
        nK++;
    c->cmp.ncand = (int)nK + 1;
    c->cmp.cand_a = calloc((size_t)c->cmp.ncand * c->m, sizeof(double));
    c->cmp.cand_sum = calloc((size_t)c->cmp.ncand, sizeof(double));
    c->cmp.cand_err = calloc((size_t)c->cmp.ncand, sizeof(double));
    c->cmp.cand_pert = calloc((size_t)c->cmp.ncand, sizeof(double));
    if (!c->cmp.cand_a || !c->cmp.cand_sum || !c->cmp.cand_err || !c->cmp.cand_pert) {
        free(I);
        free(order);
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    }
    memcpy(c->cmp.cand_a + nK * c->m, run->a, (size_t)c->m * sizeof(double)); /* a^(T) */
    c->cmp.cand_K[nK] = 0;
    for (size_t q = 0; q < nK; q++) {
        int K = Ks[q];
        for (int j = 0; j < r; j++)
            for (int k = 0; k < K; k++)
                I[j * K + k] = order[(size_t)j * c->m + k];
        build_atilde(c, I, K);
        double drift = 0, na2 = 0;
        for (int i = 0; i < c->m; i++) {
            drift += fabs(c->cmp.atilde[i]) * c->p1.Dsum[i] / Tp;
            na2 += c->cmp.atilde[i] * c->cmp.atilde[i];
        }
        drift *= gfl_cert_lipschitz(cfg->loss); /* SPEC 6 C6 */
        double regret = (sqdist(c->s1.a, c->cmp.atilde, c->m) / (2 * cfg->eta) + cfg->eta / 2 * G2) / Tp;
        double bound = c->p1.lstar_sum / Tp + gfl_chain_approx_term(c, I, K, xbar) + drift + cfg->lam / 2 * na2 + regret;
        memcpy(c->cmp.cand_a + q * c->m, c->cmp.atilde, (size_t)c->m * sizeof(double));
        c->cmp.cand_K[q] = K;
        if (bound < best) {
            best = bound;
            bestK = K;
            c->cmp.cand_chain = (int)q;
        }
    }
    c->cmp.K = bestK;
    int *shrunk = realloc(I, (size_t)r * bestK * sizeof(int));
    if (!shrunk) {
        free(I);
        free(order);
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    }
    c->cmp.I = shrunk;
    for (int j = 0; j < r; j++)
        for (int k = 0; k < bestK; k++)
            c->cmp.I[j * bestK + k] = order[(size_t)j * c->m + k];
    free(order);
    build_atilde(c, c->cmp.I, bestK);
    return GFL_OK;
}
