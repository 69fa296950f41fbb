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

/* The factor of C4's approximation term: L_l (the loss is L_l-Lipschitz in
 * the margin, 1/ln 2 for the logistic loss; SPEC 6 C4) with the relative
 * allowance for its rounding. */
double gfl_chain_approx_scale(const ctx_t *c)
{
    return gfl_cert_lipschitz(c->pb->cfg.loss) * (1 + GFL_CHAIN_SLACK_FINAL);
}

/* C4's approximation term on a sample with mean norm xbar, for the
 * comparator of entries E (docs/proofs.md C4):
 * L_l sum_j |a*_j| sum_i pi_ij (|u_i - D_j| xbar + |beta_i - b*_j|).
 * Each witness neuron's entries are summed before the |a*_j|-weighted sum
 * over j (entries are grouped by j), so the rounding is that of a sum of
 * K + r terms, as for the uniform comparator's sum of averages. */
double gfl_chain_approx_term(const ctx_t *c, const chain_entry *E, int ne, double xbar)
{
    const gfl_witness *w = c->wit;
    double s = 0, t = 0;
    for (int e = 0; e < ne; e++) {
        int i = E[e].i, j = E[e].j;
        t += E[e].w * (dist(c->s1.U + (size_t)i * c->d, w->D + (size_t)j * c->d, c->d) * xbar +
                       fabs(c->s1.beta[i] - w->bstar[j]));
        if (e + 1 == ne || E[e + 1].j != j) {
            s += fabs(w->astar[j]) * t;
            t = 0;
        }
    }
    return s * gfl_chain_approx_scale(c);
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
    double ap = gfl_chain_approx_term(c, c->cmp.ent, c->cmp.nent, xbar);
    /* the planted defect is in C4's evaluation only: the comparator was
     * chosen on the true term, as in a clean run */
    if (c->cp->fault == GFL_CHAIN_FAULT_WITNESS)
        ap *= GFL_CHAIN_FAULT_WITNESS_SCALE;
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

/* For each witness neuron j, the C4 score of every learned neuron,
 * sc[j m + i] = |u_i - D_j| xbar + |beta_i - b*_j| (INFINITY when i is not
 * eligible: w_i^(1) = 0 or the bias signs differ), and the neurons sorted by
 * it, order[j m ..]; navail is the fewest eligible neurons of any j. */
static gfl_status candidates(ctx_t *c, double xbar, int **order, double **score, int *navail)
{
    const gfl_witness *w = c->wit;
    int m = c->m;
    *navail = m;
    *order = malloc((size_t)w->r * m * sizeof(int));
    *score = malloc((size_t)w->r * m * sizeof(double));
    if (!*order || !*score) {
        free(*order);
        free(*score);
        *order = NULL;
        *score = NULL;
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    }
    for (int j = 0; j < w->r; j++) {
        int *o = *order + (size_t)j * m, cnt = 0;
        double *sc = *score + (size_t)j * m;
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
    return GFL_OK;
}

/* atilde_i = sum over the entries (i, j, w) of a*_j w / |w_i^(1)| (SPEC 6 C4). */
static void build_atilde(const ctx_t *c, const chain_entry *E, int ne, double *atilde)
{
    memset(atilde, 0, (size_t)c->m * sizeof(double));
    for (int e = 0; e < ne; e++)
        atilde[E[e].i] += c->wit->astar[E[e].j] * E[e].w / c->s1.nw[E[e].i];
}

/* The uniform comparator of K: the K best-scored neurons of each witness
 * neuron, weight 1/K each. */
static int uniform_entries(const ctx_t *c, const int *order, int K, chain_entry *E)
{
    int ne = 0;
    for (int j = 0; j < c->wit->r; j++)
        for (int k = 0; k < K; k++)
            E[ne++] = (chain_entry){order[(size_t)j * c->m + k], j, 1.0 / K};
    return ne;
}

/* The theorem-form chain bound predicted from pass 1 for the comparator
 * atilde (entries E): lstar + approx + drift + reg + regret, each averaged
 * over t = 2..T as in gfl_chain_link_regret, with the batches' mean norms
 * averaged (approx is linear in xbar) and G2 = sum_t |g_t|^2. */
double gfl_chain_predict_bound(const ctx_t *c, const double *atilde, const chain_entry *E, int ne, double G2)
{
    const gfl_config *cfg = &c->pb->cfg;
    double Tp = c->T - 1, xbar = c->p1.xbar_sum / Tp, drift = 0, na2 = 0;
    for (int i = 0; i < c->m; i++) {
        drift += fabs(atilde[i]) * c->p1.Dsum[i] / Tp;
        na2 += atilde[i] * atilde[i];
    }
    drift *= gfl_cert_lipschitz(cfg->loss); /* SPEC 6 C6 */
    double regret = (sqdist(c->s1.a, atilde, c->m) / (2 * cfg->eta) + cfg->eta / 2 * G2) / Tp; /* SPEC 6 C5 */
    return c->p1.lstar_sum / Tp + gfl_chain_approx_term(c, E, ne, xbar) + drift + cfg->lam / 2 * na2 + regret;
}

/* sum_i max(0, nu - l_i) / (2 q_i): the weights at multiplier nu. */
static double qp_mass(int n, const double *q, const double *l, double nu)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += fmax(0.0, (nu - l[i]) / (2 * q[i]));
    return s;
}

/* The dual function of the QP below at nu (a lower bound on its minimum for
 * every nu): nu - sum_i max(0, nu - l_i)^2 / (4 q_i). */
static double qp_dual(int n, const double *q, const double *l, double nu)
{
    double s = nu;
    for (int i = 0; i < n; i++) {
        double t = fmax(0.0, nu - l[i]);
        if (t > 0)
            s -= t * t / (4 * q[i]);
    }
    return s;
}

/* Minimizes sum_i q_i p_i^2 + l_i p_i over the simplex p >= 0, sum p = 1
 * (q_i > 0, possibly infinite; l_i finite).  KKT: p_i = max(0, (nu - l_i) /
 * (2 q_i)) with nu such that the weights sum to 1; their sum is continuous
 * and nondecreasing in nu, 0 at nu = min l_i and at least 1 at
 * nu = min (l_i + 2 q_i) (that i alone has weight 1), so bisection down to
 * adjacent doubles finds nu.
 * The weights at the upper end are renormalized to be exactly feasible (up
 * to the rounding of the division).  *gap is the duality gap, objective at
 * p minus the dual function at the better end: p is within *gap of the
 * minimum.  Returns 0, or -1 (p untouched) when an input is out of range. */
int gfl_chain_simplex_qp(int n, const double *q, const double *l, double *p, double *nu, double *gap)
{
    double lo = INFINITY, hi = INFINITY;
    if (n < 1)
        return -1;
    for (int i = 0; i < n; i++) {
        if (!(q[i] > 0) || !isfinite(l[i]))
            return -1;
        lo = fmin(lo, l[i]);
        hi = fmin(hi, l[i] + 2 * q[i]);
    }
    if (!isfinite(hi))
        return -1;
    /* each step leaves a bracket with fewer doubles in it, so the loop ends */
    for (;;) {
        double mid = lo / 2 + hi / 2;
        if (!(mid > lo && mid < hi))
            break; /* adjacent doubles */
        if (qp_mass(n, q, l, mid) < 1)
            lo = mid;
        else
            hi = mid;
    }
    double s = 0, obj = 0;
    for (int i = 0; i < n; i++) {
        p[i] = fmax(0.0, (hi - l[i]) / (2 * q[i]));
        s += p[i];
    }
    for (int i = 0; i < n; i++) {
        p[i] /= s;
        if (p[i] > 0)
            obj += q[i] * p[i] * p[i] + l[i] * p[i];
    }
    *nu = hi;
    *gap = obj - fmax(qp_dual(n, q, l, lo), qp_dual(n, q, l, hi));
    return 0;
}

/* Which neurons the optimized comparator may give to which witness neuron:
 * each eligible neuron to the one witness neuron where its score is best
 * (ties: the first), so that |atilde_i| is linear in the weights; a witness
 * neuron left without any then takes its best-scored neuron whose owner
 * keeps another.  owner[i] = -1: unused.  Returns 0, or -1 when some witness
 * neuron cannot get a neuron. */
static int assign_owners(const ctx_t *c, const double *sc, const int *order, int *owner, int *cnt)
{
    int m = c->m, r = c->wit->r;
    memset(cnt, 0, (size_t)r * sizeof(int));
    for (int i = 0; i < m; i++) {
        owner[i] = -1;
        double best = INFINITY;
        for (int j = 0; j < r; j++)
            if (sc[(size_t)j * m + i] < best)
                best = sc[(size_t)j * m + i], owner[i] = j;
        if (owner[i] >= 0)
            cnt[owner[i]]++;
    }
    for (int j = 0; j < r; j++) {
        const int *o = order + (size_t)j * m;
        for (int k = 0; cnt[j] == 0 && k < m && isfinite(sc[(size_t)j * m + o[k]]); k++)
            if (cnt[owner[o[k]]] > 1) {
                cnt[owner[o[k]]]--;
                owner[o[k]] = j;
                cnt[j] = 1;
            }
        if (cnt[j] == 0)
            return -1;
    }
    return 0;
}

/* The optimized comparator (docs/proofs.md C4, "optimized weights"): with
 * the neurons assigned by assign_owners, the predicted theorem-form bound is
 * a constant plus, per witness neuron j, sum_i q_i pi_i^2 + (c_i - 2 e_i) pi_i
 * over its neurons, k_i = a*_j / |w_i^(1)|:
 *   c_i = approx scale |a*_j| s_ij + L_l |k_i| Dsum_i / T'   (approx, drift)
 *   q_i = k_i^2 (lam/2 + 1/(2 eta T'))                       (reg, regret)
 *   e_i = k_i a1_i / (2 eta T')                              (regret's cross term)
 * minimized exactly on each simplex.  Writes its entries into E (grouped by
 * j); *ne = 0 when some witness neuron has no neuron or a coefficient is not
 * finite (then there is no optimized comparator). */
static gfl_status optimize(ctx_t *c, const double *sc, const int *order, chain_entry *E, int *ne)
{
    const gfl_config *cfg = &c->pb->cfg;
    const gfl_witness *w = c->wit;
    int m = c->m, r = w->r;
    double Tp = c->T - 1, A = gfl_chain_approx_scale(c), L = gfl_cert_lipschitz(cfg->loss);
    double qf = cfg->lam / 2 + 1 / (2 * cfg->eta * Tp);
    gfl_status st = GFL_OK;
    int *owner = malloc((size_t)m * sizeof(int)), *cnt = malloc((size_t)r * sizeof(int));
    int *idx = malloc((size_t)m * sizeof(int));
    double *q = malloc((size_t)m * sizeof(double)), *l = malloc((size_t)m * sizeof(double));
    double *p = malloc((size_t)m * sizeof(double));
    *ne = 0;
    c->cmp.opt_neurons = 0;
    c->cmp.qp_gap = 0;
    if (!owner || !cnt || !idx || !q || !l || !p) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (assign_owners(c, sc, order, owner, cnt) != 0)
        goto cleanup;
    int n_e = 0;
    for (int j = 0; j < r; j++) {
        int n = 0;
        double aj = w->astar[j], nu, gap;
        for (int i = 0; i < m; i++)
            if (owner[i] == j) {
                double k = aj / c->s1.nw[i];
                idx[n] = i;
                q[n] = k * k * qf;
                l[n] = A * fabs(aj) * sc[(size_t)j * m + i] + L * fabs(k) * c->p1.Dsum[i] / Tp -
                       2 * k * c->s1.a[i] / (2 * cfg->eta * Tp);
                n++;
            }
        c->cmp.opt_neurons += n;
        if (aj == 0) {
            /* f* has no such neuron: any weights give atilde 0 there */
            E[n_e++] = (chain_entry){idx[0], j, 1.0};
            continue;
        }
        if (gfl_chain_simplex_qp(n, q, l, p, &nu, &gap) != 0) {
            n_e = 0;
            goto cleanup;
        }
        c->cmp.qp_gap += gap;
        for (int k = 0; k < n; k++)
            if (p[k] > 0)
                E[n_e++] = (chain_entry){idx[k], j, p[k]};
    }
    *ne = n_e;
cleanup:
    free(owner), free(cnt), free(idx), free(q), free(l), free(p);
    return st;
}

/* The candidate comparators and the chain's choice among them, from what
 * pass 1 measured (G2 = sum_t |g_t|^2; aT the trained output weights): the
 * uniform comparator of every K of the grid that every witness neuron can
 * fill, the optimized weights, and a^(T) (tight chain only).  The chain's
 * comparator is the one with the smallest predicted theorem-form bound: the
 * optimized weights unless a uniform K is at least as good. */
gfl_status gfl_chain_choose(ctx_t *c, double G2, const double *aT)
{
    double Tp = c->T - 1, xbar = c->p1.xbar_sum / Tp;
    int m = c->m, r = c->wit->r, *order, navail, ne = 0;
    double *sc;
    gfl_status st = GFL_OK;
    chain_entry *E = NULL;
    chain_comparators *k = &c->cmp;
    GFL_TRY(candidates(c, xbar, &order, &sc, &navail));
    if (navail == 0) {
        GFL_SET_ERROR(st, GFL_ECHECK, "no learned neuron is eligible for some witness neuron (bias signs)");
        goto cleanup;
    }
    static const int Ks[] = GFL_CHAIN_K_GRID;
    int nK = 0;
    while (nK < (int)(sizeof Ks / sizeof Ks[0]) && Ks[nK] <= navail)
        nK++;
    k->ncand = nK + 2; /* the K grid, the optimized weights, a^(T) */
    size_t cap = (size_t)r * navail > (size_t)m ? (size_t)r * navail : (size_t)m;
    E = malloc(cap * sizeof(chain_entry));
    k->cand_a = calloc((size_t)k->ncand * m, sizeof(double));
    k->cand_sum = calloc((size_t)k->ncand, sizeof(double));
    k->cand_err = calloc((size_t)k->ncand, sizeof(double));
    k->cand_pert = calloc((size_t)k->ncand, sizeof(double));
    if (!E || !k->cand_a || !k->cand_sum || !k->cand_err || !k->cand_pert) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        goto cleanup;
    }
    int bestK = 1;
    k->uniform_bound = INFINITY;
    for (int q = 0; q < nK; q++) {
        double *aq = k->cand_a + (size_t)q * m;
        ne = uniform_entries(c, order, Ks[q], E);
        build_atilde(c, E, ne, aq);
        k->cand_K[q] = Ks[q];
        k->cand_bound[q] = gfl_chain_predict_bound(c, aq, E, ne, G2);
        if (k->cand_bound[q] < k->uniform_bound) {
            k->uniform_bound = k->cand_bound[q];
            bestK = Ks[q];
            k->cand_chain = q;
        }
    }
    /* the optimized weights: the last comparator built, so E keeps its entries */
    if ((st = optimize(c, sc, order, E, &ne)) != GFL_OK)
        goto cleanup;
    k->opt_ok = ne > 0;
    k->optimized_bound = NAN;
    if (k->opt_ok) {
        double *aq = k->cand_a + (size_t)nK * m;
        build_atilde(c, E, ne, aq);
        k->cand_K[nK] = GFL_CHAIN_CAND_OPT;
        k->optimized_bound = k->cand_bound[nK] = gfl_chain_predict_bound(c, aq, E, ne, G2);
    } else {
        /* no optimized comparator: a^(T) takes its slot */
        k->ncand--;
    }
    int qT = k->ncand - 1;
    memcpy(k->cand_a + (size_t)qT * m, aT, (size_t)m * sizeof(double));
    k->cand_K[qT] = GFL_CHAIN_CAND_AT;
    k->cand_bound[qT] = NAN;
    if (k->opt_ok && k->optimized_bound <= k->uniform_bound) {
        k->cand_chain = nK;
        k->K = 0;
    } else {
        k->K = bestK;
        ne = uniform_entries(c, order, bestK, E);
    }
    k->chosen_bound = k->cand_bound[k->cand_chain];
    k->ent = E;
    k->nent = ne;
    E = NULL;
    memcpy(k->atilde, k->cand_a + (size_t)k->cand_chain * m, (size_t)m * sizeof(double));
    k->support = 0;
    for (int i = 0; i < m; i++)
        k->support += k->atilde[i] != 0;
cleanup:
    free(E);
    free(order);
    free(sc);
    return st;
}

/* Chooses the chain's comparator (gfl_chain_choose) from pass 1 and the run. */
gfl_status gfl_chain_choose_K(ctx_t *c, const gfl_run *run)
{
    double G2 = 0;
    for (int t = 2; t <= c->T; t++)
        G2 += run->rec[t].grad_norm_a * run->rec[t].grad_norm_a;
    return gfl_chain_choose(c, G2, run->a);
}
