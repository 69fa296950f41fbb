/* The proof chain's links (gfl_chain_parts.h): each link's verdict, sides,
 * slack and note (SPEC 6; docs/proofs.md). */
#include "gfl_chain_parts.h"

#include <ctype.h>
#include <gsl/gsl_cdf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_stats.h"

void gfl_chain_set_link(gfl_link *l, const char *id, gfl_verdict v, double lhs, double rhs, double slack,
                     double level)
{
    snprintf(l->id, sizeof l->id, "%s", id);
    l->verdict = v;
    l->lhs = lhs;
    l->rhs = rhs;
    l->slack = slack;
    l->level = level;
}

double gfl_chain_drift(gfl_loss loss, int m, int d, const double *atilde, const double *W, const double *W1,
                       double xbar)
{
    /* SPEC 6 C6: L_l sum_i |atilde_i| |w_i - w1_i| xbar, rounded up (the
     * factor covers the roundings of the m sums of d squares) */
    double drift = 0;
    for (int i = 0; i < m; i++)
        drift += fabs(atilde[i]) * dist(W + (size_t)i * d, W1 + (size_t)i * d, d) * xbar;
    return drift * gfl_cert_lipschitz(loss) * (1 + (m + d + 4) * GFL_CHAIN_2U);
}

/* SPEC 6, numbers that cannot be certified: a link whose side, bound or
 * slack is infinite (or whose slack is NaN) is never PASS or CONSISTENT,
 * whatever comparison produced the verdict.  (A NaN lhs or rhs alone is how
 * some links say "not a single number", e.g. C4's per-batch verdicts.) */
/* printf's "inf" and "nan" in a note are figures a reader cannot use: a
 * non-finite term is "unbounded" (or "-" when it has no value). */
static void note_words(char *note, size_t cap)
{
    char out[sizeof ((gfl_link *)0)->note];
    size_t o = 0, n = strlen(note);
    for (size_t i = 0; i < n && o + 1 < sizeof out;) {
        int start = i == 0 || !(isalnum((unsigned char)note[i - 1]) || note[i - 1] == '_');
        const char *rep = NULL;
        size_t skip = 0;
        if (start && (strncmp(note + i, "inf", 3) == 0 || strncmp(note + i, "nan", 3) == 0) &&
            !(isalnum((unsigned char)note[i + 3]) || note[i + 3] == '_')) {
            rep = note[i] == 'i' ? "unbounded" : "-";
            skip = 3;
        }
        if (rep) {
            size_t r = strlen(rep);
            if (o + r + 1 >= sizeof out)
                break;
            memcpy(out + o, rep, r);
            o += r;
            i += skip;
        } else {
            out[o++] = note[i++];
        }
    }
    out[o] = '\0';
    snprintf(note, cap, "%s", out);
}

void gfl_chain_guard(gfl_link *l)
{
    note_words(l->note, sizeof l->note);
    if (!(isinf(l->lhs) || isinf(l->rhs) || isinf(l->slack) || isnan(l->slack)))
        return;
    if (l->verdict == GFL_V_PASS)
        l->verdict = GFL_V_UNCERTIFIED;
    else if (l->verdict == GFL_V_CONSISTENT)
        l->verdict = GFL_V_INCONCLUSIVE;
    else
        return;
    size_t len = strlen(l->note);
    snprintf(l->note + len, sizeof l->note - len, "%s(a side or bound is not finite: not certified)",
             len ? " " : "");
}

/* C1 (SPEC 3, 6): f^(0) == 0 exactly, and the first-step identity for every
 * neuron, recomputed in MPFR from the exact state (gfl_recompute_c1). */
gfl_status gfl_chain_link_c1(ctx_t *c, gfl_link *l)
{
    const gfl_config *cfg = &c->pb->cfg;
    int n = c->n;
    gfl_status st = GFL_OK;
    void *eng = NULL;
    gfl_c1_check chk;
    double *f = malloc((size_t)n * sizeof(double));
    if (!f)
        GFL_ERROR(GFL_ENOMEM, "out of memory");
    gfl_problem_batch(c->pb, 1, c->X, c->Y);
    if ((st = c->vt->create(&eng, cfg, n)) != GFL_OK || (st = c->vt->load(eng, c->pb->a0, c->pb->W0, c->pb->b)) != GFL_OK ||
        (st = c->vt->forward(eng, c->X, n, f)) != GFL_OK ||
        (st = gfl_recompute_c1(cfg, c->at_prec, n, c->X, c->Y, c->pb->a0, c->pb->W0, c->pb->b, c->parts, c->s1.ax, c->s1.Wx,
                               &chk)) != GFL_OK)
        goto cleanup;
    int nonzero = 0;
    for (int k = 0; k < n; k++)
        nonzero += f[k] != 0.0;
    /* a NaN or infinite entry certifies nothing (SPEC 6); a residual beyond
     * its tolerance, or f^(0) != 0, breaks the identity */
    gfl_verdict v = (chk.bad || nonzero) ? GFL_V_FAIL : chk.nonfinite ? GFL_V_UNCERTIFIED : GFL_V_PASS;
    gfl_chain_set_link(l, "C1", v, chk.max_rel, NAN, 1 - chk.max_ratio, NAN);
    snprintf(l->note, sizeof l->note,
             "f0 == 0 on %d/%d; identity (MPFR, exact state): %d of %d entries out, %d not finite, "
             "%d ambiguous; max residual/tol %.2g, rel %.2g%s",
             n - nonzero, n, chk.bad, chk.entries, chk.nonfinite, chk.ambiguous, chk.max_ratio, chk.max_rel,
             gfl_config_lam1_is_default(cfg) ? "" : " (lam1 != 1/eta1: no identity)");
cleanup:
    if (eng)
        c->vt->destroy(eng);
    free(f);
    return st;
}

/* C5g (SPEC 6): the sampled a-updates are subgradient steps (gfl_recompute_c5g). */
void gfl_chain_link_c5g(const ctx_t *c, gfl_link *l)
{
    const gfl_c5g_check *g = &c->g.check;
    double worst = fmax(g->max_norm_ratio, g->max_update_ratio);
    gfl_verdict v = (g->bad_norm || g->bad_update) ? GFL_V_FAIL : g->nonfinite ? GFL_V_UNCERTIFIED : GFL_V_PASS;
    gfl_chain_set_link(l, "C5g", v, worst, 1.0, 1 - worst, NAN);
    char steps[64];
    int len = 0;
    for (int t = 2; t <= c->T && len < (int)sizeof steps - 8; t++)
        if (c->g.at[t])
            len += snprintf(steps + len, sizeof steps - (size_t)len, "%s%d", len ? "," : "", t);
    snprintf(l->note, sizeof l->note,
             "g_t recomputed in MPFR at t = %s: |g| off in %d, update off in %d entries, %d not finite; "
             "max ratio to bound: |g| %.2g, update %.2g (t = %d); ambiguous: %ld ReLU, %ld hinge",
             steps, g->bad_norm, g->bad_update, g->nonfinite, g->max_norm_ratio, g->max_update_ratio, g->worst_t,
             g->amb_relu, g->amb_hinge);
}

/* The statistical links' notes: a note longer than the buffer is cut, which
 * never touches the verdict or the figures beside it. */
void gfl_chain_set_note(gfl_link *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->note, sizeof l->note, fmt, ap);
    va_end(ap);
}

/* |G_Z(w, b) - G| on the sample (X, Y) of c->n points (SPEC 4), plain double:
 * a statistical comparison with tau, where rounding is immaterial. */
static double gz_dist(const ctx_t *c, const double *w, double b, const double *G)
{
    int d = c->d;
    double s = 0, g[d];
    memset(g, 0, sizeof g);
    for (int k = 0; k < c->n; k++) {
        const double *x = c->X + (size_t)k * d;
        double h = 0;
        for (int q = 0; q < d; q++)
            h += w[q] * x[q];
        if (h > b)
            for (int j = 0; j < d; j++)
                g[j] += c->Y[k] * x[j];
    }
    for (int j = 0; j < d; j++)
        s += (g[j] / c->n - G[j]) * (g[j] / c->n - G[j]);
    return sqrt(s);
}

/* C2 (statistical, SPEC 6): P(|G_Z - G| >= tau) <= B_x2 / (n tau^2) = delta0 per
 * pair, tau = sqrt(B_x2 / (n delta0)) (Chebyshev).  All pairs share Z^(0), so
 * their exceedances are dependent and the count is not binomial.  Two tests
 * that need no independence they lack, each at alpha/2 (Bonferroni):
 * - the run's own batch Z^(0): Markov on the count, E count <= delta0 h, so
 *   P(count >= c) <= delta0 h / c; VIOLATED when count >= delta0 h / (alpha/2);
 * - a fresh batch of n points per pair (stream MC, tag 2^32 + i): given the
 *   pairs' (w, b) the exceedances are independent, each of probability at
 *   most delta0, so the count is dominated by Bin(h, delta0).
 * A Monte Carlo G has a standard error: counts are taken at |G_Z - G| -+ z se;
 * the verdict is INCONCLUSIVE when the two ends disagree. */
void gfl_chain_link_c2(const ctx_t *c, const gfl_features_result *feat, gfl_link *l)
{
    double delta0 = c->cp->delta0, alpha = (1 - c->cp->level) / 2;
    double tau = sqrt(feat->mom.Bx2 / (c->n * delta0)), z = gsl_cdf_ugaussian_Pinv(1 - alpha);
    long lo = 0, hi = 0, ilo = 0, ihi = 0;
    for (int i = 0; i < c->h; i++) {
        const gfl_neuron_stat *s = &feat->neuron[i];
        double se = s->G_se;
        lo += s->dist_GZ_G - z * se > tau;
        hi += s->dist_GZ_G + z * se > tau;
        gfl_rng r;
        gfl_rng_init(&r, c->pb->cfg.seed, GFL_STREAM_MC, (uint64_t)c->pb->cfg.case_id, GFL_TAG_C2_FRESH + (uint64_t)i);
        gfl_problem_sample(c->pb, &r, c->n, c->X, c->Y);
        double dz = gz_dist(c, c->pb->W0 + (size_t)i * c->d, c->pb->b[i], feat->G_pairs + (size_t)i * c->d);
        ilo += dz - z * se > tau;
        ihi += dz + z * se > tau;
    }
    double mk = delta0 * c->h / alpha; /* Markov's rejection count */
    /* P(Bin(h, delta0) >= k) */
    /* summed: GSL's incomplete beta gives NaN near the mean for h >~ 1e7 */
    double p_lo = gfl_stats_binom_ge(ilo, c->h, delta0);
    double p_hi = gfl_stats_binom_ge(ihi, c->h, delta0);
    int rej_lo = lo >= mk || p_lo < alpha, rej_hi = hi >= mk || p_hi < alpha;
    gfl_verdict v = rej_lo ? GFL_V_VIOLATED : !rej_hi ? GFL_V_CONSISTENT : GFL_V_INCONCLUSIVE;
    gfl_chain_set_link(l, "C2", v, (double)ihi / c->h, delta0, delta0 - (double)ihi / c->h, c->cp->level);
    gfl_chain_set_note(l,
             "tau = %.4g; of %d pairs above tau: on the shared Z^(0) %d..%d (Markov rejects at >= %.4g), on "
             "a fresh batch each %d..%d (Bin(h, delta0) p-value %.3g); each test at %.3g",
             tau, c->h, (int)lo, (int)hi, mk, (int)ilo, (int)ihi, p_hi, alpha);
}

/* C3 (statistical, SPEC 6): for each witness feature (D, s), the mirror pairs
 * whose population G(w_i^(0), b_i) lies in C(D, gamma) with |G| >= B_G and
 * sign b_i = s -- the event of probability p in S(p, gamma, B_G) -- against
 * the lower binomial quantile of Bin(m/2, p_lo).  The realized gamma' is the
 * cone width that holds the learned w_i^(1) of those pairs (G_Z instead of G).
 * A feature that is not a member of S makes no claim to test: N/A for it.  A
 * feature whose quantile is 0 cannot fail: INCONCLUSIVE, never CONSISTENT.
 * The link is VIOLATED if any feature is, else INCONCLUSIVE if any member
 * feature cannot fail, else CONSISTENT; N/A when no feature is a member. */
void gfl_chain_link_c3(const ctx_t *c, const gfl_features_result *feat, gfl_link *l)
{
    const gfl_witness *w = c->wit;
    double gamma = feat->fp.gamma, alpha = 1 - c->cp->level, worst = INFINITY, g_real = 0;
    int worst_f = -1, nonmember = 0, first_nm = -1, untestable = 0, tested = 0;
    long worst_cnt = 0, worst_q = 0, in_w1 = 0;
    for (int f = 0; f < w->nfeat; f++) {
        if (!feat->feat[f].member) {
            nonmember++;
            if (first_nm < 0)
                first_nm = f;
            continue;
        }
        const double *D = w->D + (size_t)w->feat_rep[f] * c->d;
        int sgn = w->bstar[w->feat_rep[f]] > 0;
        long cnt = 0, cw = 0;
        for (int i = 0; i < c->h; i++) {
            const double *G = feat->G_pairs + (size_t)i * c->d;
            double cg, cw1;
            if ((c->pb->b[i] > 0) != sgn || !gfl_in_cone(G, D, c->d, gamma, &cg) || vnorm(G, c->d) < feat->fp.B_G)
                continue;
            cnt++;
            gfl_in_cone(c->s1.W + (size_t)i * c->d, D, c->d, gamma, &cw1);
            g_real = fmax(g_real, 1 - fabs(cw1));
            cw += 1 - fabs(cw1) <= gamma;
        }
        long q = gfl_stats_binom_lower(c->h, feat->feat[f].p_lo, alpha);
        if (q == 0) {
            untestable++;
            if (tested == 0 && worst_f < 0)
                worst_f = f, worst_cnt = cnt, worst_q = 0, in_w1 = cw, worst = (double)cnt;
            continue;
        }
        if (tested++ == 0 || (double)(cnt - q) < worst) {
            worst = (double)(cnt - q);
            worst_f = f, worst_cnt = cnt, worst_q = q, in_w1 = cw;
        }
    }
    gfl_verdict v = worst_f < 0                 ? GFL_V_NA
                    : tested && worst < 0       ? GFL_V_VIOLATED
                    : untestable                ? GFL_V_INCONCLUSIVE
                                                : GFL_V_CONSISTENT;
    char nm[96] = "";
    if (nonmember)
        snprintf(nm, sizeof nm, "; %d feature(s) not in S (N/A, first: %d, p_lo %.3g < p)", nonmember, first_nm,
                 feat->feat[first_nm].p_lo);
    if (worst_f < 0) {
        gfl_chain_set_link(l, "C3", v, NAN, NAN, NAN, c->cp->level);
        gfl_chain_set_note(l, "no witness feature is a member of S(p = %g, gamma = %g, B_G = %g): "
                 "nothing to test%s", feat->fp.p, gamma, feat->fp.B_G, nm);
        return;
    }
    gfl_chain_set_link(l, "C3", v, (double)worst_cnt, (double)worst_q, worst_q ? worst : NAN, c->cp->level);
    gfl_chain_set_note(l,
             "feature %d: %ld pairs with G in C(D, %.3g), |G| >= B_G vs lower quantile %ld of Bin(%d, p_lo = %.4f); "
             "%ld keep w^(1) in the cone; gamma' = %.4g; %d with quantile 0 (cannot fail)%s",
             worst_f, worst_cnt, gamma, worst_q, c->h, feat->feat[worst_f].p_lo, in_w1, g_real, untestable, nm);
}

/* Which comparator the theorem-form chain uses, for the notes. */
static const char *comparator_words(const ctx_t *c, char *buf, size_t len)
{
    if (c->cmp.K == 0)
        snprintf(buf, len, "optimized weights over %d neurons (support %d)", c->cmp.opt_neurons, c->cmp.support);
    else
        snprintf(buf, len, "K = %d", c->cmp.K);
    return buf;
}

/* C4 and C6 (exact, SPEC 6) over every batch of pass 2. */
void gfl_chain_link_c4_c6(const ctx_t *c, gfl_chain_result *res)
{
    /* C4, C6 (exact, per batch) */
    int T = c->T;
    char which[96];
    comparator_words(c, which, sizeof which);
    gfl_link *l = &res->link[GFL_L_C4];
    gfl_chain_set_link(l, "C4", c->p2.c4_fail ? GFL_V_FAIL : c->p2.c4_unc ? GFL_V_UNCERTIFIED : GFL_V_PASS, NAN, NAN, c->p2.c4_worst, NAN);
    snprintf(l->note, sizeof l->note, "on each of the %d batches t = 2..T (%s): %d FAIL, %d uncertified; "
             "smallest slack %.4g at t = %d", T - 1, which, c->p2.c4_fail, c->p2.c4_unc, c->p2.c4_worst, c->p2.c4_worst_t);
    l = &res->link[GFL_L_C6];
    gfl_chain_set_link(l, "C6", c->p2.c6_fail ? GFL_V_FAIL : c->p2.c6_unc ? GFL_V_UNCERTIFIED : GFL_V_PASS, NAN, NAN, c->p2.c6_worst, NAN);
    if (c->p2.c6_worst_t)
        snprintf(l->note, sizeof l->note, "on each of the %d batches t = 2..T (%s): %d FAIL, %d uncertified; "
                 "smallest slack %.4g at t = %d", T - 1, which, c->p2.c6_fail, c->p2.c6_unc, c->p2.c6_worst,
                 c->p2.c6_worst_t);
    else
        snprintf(l->note, sizeof l->note, "the comparator's neurons (%s) never moved after step 1: C6 is an "
                 "identity on every batch", which);
}

/* C5 (exact): online gradient descent on a, with the rounding of the actual
 * updates accounted for on the right-hand side (docs/proofs.md); then the
 * chain in theorem form (C4 and C6 substituted) and the tight chain, the best
 * measured comparator. */
void gfl_chain_link_regret(const ctx_t *c, const gfl_run *run, gfl_chain_result *res)
{
    const gfl_config *cfg = &c->pb->cfg;
    int T = cfg->T, m = c->m;
    double Tp = T - 1;
    gfl_link *l;
    double eta = cfg->eta, lam = cfg->lam;
    double sum_bl = 0, sum_herr = 0, G2 = 0, minbl = INFINITY, minbl_err = 0;
    double gam_n = gfl_cert_gamma(c->n + 4, c->u), gam_g = gfl_cert_gamma(c->n + c->d + m + 8, c->u);
    int nc = c->cmp.ncand;
    double cand_n[GFL_CHAIN_MAX_CAND], cand_extra[GFL_CHAIN_MAX_CAND] = {0};
    for (int q = 0; q < nc; q++)
        cand_n[q] = vnorm(c->cmp.cand_a + (size_t)q * m, m);
    for (int t = 2; t <= T; t++) {
        const gfl_trace_rec *r = &run->rec[t], *rp = &run->rec[t - 1];
        double bl = r->batch_loss, na = rp->norm_a, g = r->grad_norm_a;
        double blerr = c->p2.batch_err[t] + gam_n * bl + (c->at_prec ? GFL_U_DOUBLE * bl : 0);
        double naerr = (c->at_prec ? GFL_U_DOUBLE : gfl_cert_gamma(m + 2, GFL_U_DOUBLE)) * na;
        sum_bl += bl + lam / 2 * na * na;
        sum_herr += blerr + lam * na * naerr;
        G2 += g * g;
        double rho = 4 * c->u * (r->norm_a + eta * g); /* |fl(a - eta g) - (a - eta g)| */
        for (int q = 0; q < nc; q++) {
            double dprev = na + cand_n[q], dnow = r->norm_a + cand_n[q];
            cand_extra[q] += gam_g * c->p2.gscale[t] * dprev + (2 * rho * dnow + rho * rho) / (2 * eta);
        }
        if (bl < minbl) {
            minbl = bl;
            minbl_err = blerr;
        }
    }
    res->min_batch_loss = minbl;
    double cr = c->cp->fault == GFL_CHAIN_FAULT_REGRET ? 0.0 : 1.0; /* the initial-distance term */
    double regret_q[GFL_CHAIN_MAX_CAND], regret_err_q[GFL_CHAIN_MAX_CAND];
    for (int q = 0; q < nc; q++) {
        const double *aq = c->cmp.cand_a + (size_t)q * m;
        double d2 = sqdist(c->s1.a, aq, m);
        double d2err = c->at_prec ? 4 * sqrt(d2) * GFL_U_DOUBLE * vnorm(c->s1.a, m) : gfl_cert_gamma(2 * m, GFL_U_DOUBLE) * d2;
        regret_q[q] = cr * d2 / (2 * eta) + eta / 2 * G2 + cand_extra[q];
        /* the allowance is itself a double sum of T' radii: gamma_{T+4} of it */
        regret_err_q[q] = cr * d2err / (2 * eta) + eta / 2 * G2 * gfl_cert_gamma(T + 4, GFL_U_DOUBLE) +
                          (c->at_prec ? GFL_CHAIN_2U * eta * G2 : 0) + gfl_cert_sum_err(T + 4, cand_extra[q]);
    }
    int qc = c->cmp.cand_chain;
    double na2t = cand_n[qc] * cand_n[qc];
    double sum_h = sum_bl - c->cmp.cand_sum[qc] - Tp * lam / 2 * na2t;
    /* sum_bl and the comparator's sum cand_sum are double sums of T' terms,
     * and sum_h combines them with one more subtraction and a product: each
     * carries gamma_{T+4}(2^-53) times the sum of the absolute values of its
     * terms (SPEC 9), as do the radii sum_herr, cand_err, cand_pert, which
     * are themselves T'-term double sums */
    double gam_T = gfl_cert_gamma(T + 4, GFL_U_DOUBLE);
    double errh = (sum_herr + c->cmp.cand_err[qc] + c->cmp.cand_pert[qc]) * (1 + gam_T) +
                  gfl_cert_sum_err(T + 4, fabs(sum_bl) + fabs(c->cmp.cand_sum[qc]) + Tp * lam / 2 * na2t);
    double rhs5 = regret_q[qc], slack;
    gfl_link *l5 = &res->link[GFL_L_C5];
    gfl_verdict v = gfl_cert_le(sum_h, errh, rhs5, regret_err_q[qc], &slack);
    gfl_chain_set_link(l5, "C5", v, sum_h, rhs5, slack, NAN);
    snprintf(l5->note, sizeof l5->note, "sum_t [h_t(a^(t-1)) - h_t(atilde)] <= |a1 - atilde|^2/(2 eta) + (eta/2) "
             "sum |g_t|^2 = %.4g + %.4g (rounding allowance %.2g)", cr * sqdist(c->s1.a, c->cmp.atilde, m) / (2 * eta),
             eta / 2 * G2, cand_extra[qc]);
    gfl_chain_link_c5g(c, &res->link[GFL_L_C5G]);
    /* chain result (theorem form, C4 and C6 substituted) */
    res->lstar = c->p1.lstar_sum / Tp; /* pass 1: the same witness on the same batches */
    res->approx = c->p2.approx_sum / Tp;
    res->drift = c->p2.drift_sum / Tp;
    res->reg = lam / 2 * na2t;
    res->regret = rhs5 / Tp;
    res->atilde_norm = cand_n[qc];
    res->chain_bound = res->lstar + res->approx + res->drift + res->reg + res->regret;
    double errR = (c->p2.lstar_err + regret_err_q[qc]) / Tp + gfl_cert_gamma(T + 8, GFL_U_DOUBLE) * res->chain_bound;
    l = &res->link[GFL_L_CHAIN];
    v = gfl_cert_le(minbl, minbl_err, res->chain_bound, errR, &slack);
    gfl_chain_set_link(l, "chain", v, minbl, res->chain_bound, slack, NAN);
    const char *names[] = {"L_Z(f*)", "approx (C4)", "drift (C6)", "reg", "regret (C5)"};
    double vals[] = {res->lstar, res->approx, res->drift, res->reg, res->regret};
    int big = 0;
    for (int k = 1; k < 5; k++)
        if (vals[k] > vals[big])
            big = k;
    res->loosest = names[big];
    char which[96];
    gfl_chain_set_note(l, "min_t L_{Z^(t-1)}(f^(t-1)) <= L_Z(f*) %.4g + approx %.4g + drift %.4g + "
             "reg %.3g + regret %.4g; loosest: %s%s; comparator: %s", res->lstar, res->approx, res->drift, res->reg,
             res->regret, res->loosest, res->chain_bound > 1 ? " (vacuous: above 1)" : "",
             comparator_words(c, which, sizeof which));
    /* tight chain: the best measured comparator */
    int qt = 0;
    double best = INFINITY;
    for (int q = 0; q < nc; q++) {
        double b = c->cmp.cand_sum[q] / Tp + lam / 2 * cand_n[q] * cand_n[q] + regret_q[q] / Tp;
        if (b < best)
            best = b, qt = q;
    }
    res->comp = c->cmp.cand_sum[qt] / Tp;
    res->tight_bound = best;
    res->tight_K = c->cmp.cand_K[qt];
    errR = (c->cmp.cand_err[qt] + c->cmp.cand_pert[qt] + regret_err_q[qt]) / Tp + gfl_cert_gamma(T + 8, GFL_U_DOUBLE) * best;
    l = &res->link[GFL_L_TIGHT];
    v = gfl_cert_le(minbl, minbl_err, best, errR, &slack);
    gfl_chain_set_link(l, "tight", v, minbl, best, slack, NAN);
    if (c->cmp.cand_K[qt] == GFL_CHAIN_CAND_OPT)
        snprintf(which, sizeof which, "C4 comparator with optimized weights");
    else if (c->cmp.cand_K[qt] != GFL_CHAIN_CAND_AT)
        snprintf(which, sizeof which, "C4 comparator with K = %d", c->cmp.cand_K[qt]);
    else
        snprintf(which, sizeof which, "comparator a^(T), the trained output weights");
    gfl_chain_set_note(l, "min_t L_{Z^(t-1)}(f^(t-1)) <= (1/T') sum_t L_Z(f_{atilde,W^(t-1)}) %.4g + "
             "reg %.3g + regret %.4g (%s, |atilde| = %.3g; best of %d)", res->comp,
             lam / 2 * cand_n[qt] * cand_n[qt], regret_q[qt] / Tp, which, cand_n[qt], nc);
}

/* Inputs of finite support {+-1}^d (the enumeration cases, SPEC 7) have
 * |x| = sqrt(d); the others are Gaussian: unbounded. */
static double input_radius(const ctx_t *c)
{
    return gfl_oracle_kind_of(c->pb->cfg.case_id, GFL_Q_LOSS) == GFL_ORACLE_ENUMERATION ? sqrt((double)c->d)
                                                                                       : INFINITY;
}

/* The population step's stat term (SPEC 6): the chain bounds the average of
 * the batch losses L_{Z^(t-1)}(f^(t-1)) by the average of L_{Z^(t-1)}(f*) plus
 * terms; replacing both averages by their population values costs
 *   (i)  avg_t [L_D(f^(t-1)) - L_{Z^(t-1)}(f^(t-1))], a martingale average
 *        (Z^(t-1) is fresh, independent of f^(t-1)), and
 *   (ii) L_D(f*) - avg_t L_{Z^(t-1)}(f*), an average of n T' i.i.d. losses,
 * each bounded at alpha/2.  Bounded inputs (|x| <= R): the loss lies in
 * [0, 1 + L_l F] with F = |a| (|W|_F R + |b|) >= |f(x)| (Cauchy-Schwarz), so
 * Azuma-Hoeffding for (i) and Hoeffding for (ii) give a rigorous term.
 * Gaussian inputs: the hinge loss is unbounded, so (i) comes from the spread
 * of the batch losses over t (their sample deviation s_B: it also holds the
 * drift of L_D(f^(t-1)), so it overstates the sampling spread) and (ii) from
 * the witness's per-sample spread, by the normal approximation: labelled
 * approximate.  Never from the oracle's Monte Carlo error: an exact oracle
 * does not make the batches exact. */
static double stat_term(const ctx_t *c, const gfl_run *run, const gfl_opt_result *opt, const char **kind)
{
    const gfl_config *cfg = &c->pb->cfg;
    double Tp = c->T - 1, alpha = (1 - c->cp->level) / 2, R = input_radius(c);
    double lip = cfg->loss == GFL_LOSS_HINGE ? 1.0 : 1 / log(2.0);
    if (isfinite(R)) {
        double sr2 = 0, nb = vnorm(c->pb->b, c->m);
        for (int t = 2; t <= c->T; t++) {
            const gfl_trace_rec *p = &run->rec[t - 1];
            double Rt = 1 + lip * p->norm_a * (p->norm_W * R + nb);
            sr2 += Rt * Rt;
        }
        double Fs = 0;
        for (int j = 0; j < c->wit->r; j++)
            Fs += fabs(c->wit->astar[j]) * (R + fabs(c->wit->bstar[j]));
        double lg = log(1 / alpha) / (2.0 * c->n);
        *kind = "Azuma-Hoeffding, bounded inputs";
        return sqrt(sr2 * lg) / Tp + (1 + lip * Fs) * sqrt(lg / Tp);
    }
    *kind = "batch spread, approximate: unbounded inputs";
    if (c->T < 3)
        return INFINITY; /* one batch loss has no spread */
    double mean = 0, v = 0, z = gsl_cdf_ugaussian_Pinv(1 - alpha);
    for (int t = 2; t <= c->T; t++)
        mean += run->rec[t].batch_loss / Tp;
    for (int t = 2; t <= c->T; t++)
        v += (run->rec[t].batch_loss - mean) * (run->rec[t].batch_loss - mean) / (Tp - 1);
    return z * sqrt(v / Tp) + z * opt->witness.sigma / sqrt(c->n * Tp);
}

/* Population step and a-priori form (statistical, SPEC 6). */
gfl_status gfl_chain_links_population(ctx_t *c, const gfl_features_result *feat, const gfl_opt_result *opt,
                                   const gfl_run *run, gfl_chain_result *res)
{
    const gfl_config *cfg = &c->pb->cfg;
    double Tp = c->T - 1, level = c->cp->level;
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
    gfl_sample mc = {0, NULL, NULL};
    int exact = gfl_oracle_kind_of(cfg->case_id, GFL_Q_LOSS) == GFL_ORACLE_ENUMERATION;
    if (!exact)
        GFL_TRY(gfl_sample_draw(&mc, c->pb, c->cp->n_pop, GFL_TAG_POPULATION));
    gfl_status st = gfl_population_loss(c->vt, c->pb, exact ? NULL : &mc, c->m, c->best_a, c->best_W,
                                        c->pb->b, &res->pop_best);
    gfl_sample_clear(&mc);
    GFL_TRY(st);
    res->pop_best_t = c->best_t;
    const gfl_pop_value *pv = &res->pop_best;
    double lo = pv->loss - z * pv->loss_se, hi = pv->loss + z * pv->loss_se;
    const char *lhs_kind = exact ? "exact" : "Monte Carlo, normal approx.";
    gfl_link *l = &res->link[GFL_L_POP];
    if (cfg->fixed_batch) {
        /* SPEC 6: the batch losses estimate L_D only when the batch is independent of the network */
        res->stat = res->pop_bound = NAN;
        res->stat_kind = NULL;
        gfl_chain_set_link(l, "population", GFL_V_NA, pv->loss, NAN, NAN, level);
        gfl_chain_set_note(l,
                 "not applicable: with a fixed batch Z^(t-1) is not independent of f^(t-1), so the batch losses "
                 "do not estimate L_D; L_D(f^(%d)) = %.5g (%s), 0-1 error %.4f",
                 c->best_t, pv->loss, lhs_kind, pv->err);
    } else {
        /* population versions of the terms: E|x| <= B_x1 replaces xbar */
        double Bx1 = feat->mom.Bx1, drift_pop = 0;
        for (int i = 0; i < c->m; i++)
            drift_pop += fabs(c->cmp.atilde[i]) * c->p1.Esum[i] / Tp * Bx1;
        drift_pop *= gfl_cert_lipschitz(cfg->loss); /* SPEC 6 C6 */
        double approx_pop = gfl_chain_approx_term(c, c->cmp.ent, c->cmp.nent, Bx1);
        res->stat = stat_term(c, run, opt, &res->stat_kind);
        res->pop_bound = opt->witness_upper + approx_pop + drift_pop + res->reg + res->regret + res->stat;
        /* an infinite or NaN bound is never CONSISTENT (SPEC 6) */
        gfl_verdict v = lo > res->pop_bound      ? GFL_V_VIOLATED
                        : isfinite(res->pop_bound) && hi <= res->pop_bound ? GFL_V_CONSISTENT
                                                                            : GFL_V_INCONCLUSIVE;
        gfl_chain_set_link(l, "population", v, pv->loss, res->pop_bound, res->pop_bound - hi, level);
        gfl_chain_set_note(l,
                 "L_D(f^(%d)) %.5g [%.5g, %.5g] (%s; 0-1 error %.4f) <= L_D(f*) %.4g + approx %.4g + "
                 "drift %.4g + reg %.3g + regret %.4g + stat %.3g (%s)",
                 c->best_t, pv->loss, fmax(lo, 0.0), hi, lhs_kind, pv->err, opt->witness_upper, approx_pop,
                 drift_pop, res->reg, res->regret, res->stat, res->stat_kind);
    }
    /* a-priori form: OPT_hat only from networks of the class (SPEC 5, 6 C3) */
    l = &res->link[GFL_L_APRIORI];
    gfl_apriori_parts *ap = &res->apriori;
    const gfl_feature_search *sr = &feat->search;
    double nan = NAN;
    *ap = (gfl_apriori_parts){nan, nan, nan, nan, nan, nan, nan, nan, 0, sr->ng * sr->nb, 0,
                              sr->ng * sr->nb > 0 ? sr->level_each : nan,
                              feat->fp.gamma, feat->fp.B_G, nan};
    if (!opt->available) {
        res->apriori_bound = NAN;
        res->apriori_dominant = NULL;
        gfl_chain_set_link(l, "apriori", GFL_V_NA, pv->loss, NAN, NAN, level);
        gfl_chain_set_note(l, "not available: OPT_hat is not available (%s)", opt->na_reason);
        return GFL_OK;
    }
    double Ba1, Ba2, Bb, Bx1 = feat->mom.Bx1;
    double coef = gfl_features_conc_coef(c->cp->c_n, feat->mom.Bx2, c->n);
    gfl_witness_bounds(c->wit, &Ba1, &Ba2, &Bb);
    /* r of the class OPT_hat was taken over: the refit has at most the witness's r neurons */
    double rbb = c->wit->r * Ba1 * Bx1;
    /* the configured triple (its membership is what made OPT_hat available) */
    double gamma = feat->fp.gamma, BG = feat->fp.B_G;
    double conc = BG > 0 ? coef / BG : INFINITY;
    ap->configured_bound = opt->opt_hat + rbb * sqrt(2 * gamma + conc) + c->cp->eps;
    /* the searched best triple, its claims at the corrected level (docs/features.md) */
    int best = gfl_features_search_best(sr, coef);
    ap->searched_found = best >= 0;
    double sbound = NAN, sg = NAN, sb = NAN;
    if (best >= 0) {
        sg = sr->gamma[best / sr->nb];
        sb = sr->B_G[best % sr->nb];
        sbound = opt->opt_hat + rbb * sqrt(2 * sg + coef / sb) + c->cp->eps;
    }
    ap->optimized = best >= 0 && (sbound < ap->configured_bound || isnan(ap->configured_bound));
    if (ap->optimized)
        gamma = sg, BG = sb, conc = coef / sb;
    ap->p = feat->fp.p;
    ap->gamma = gamma;
    ap->B_G = BG;
    ap->conc = conc;
    ap->rbb = rbb;
    ap->opt_hat = opt->opt_hat;
    ap->eps = c->cp->eps;
    double sq = rbb * sqrt(2 * gamma + conc);
    ap->bound = res->apriori_bound = opt->opt_hat + sq + c->cp->eps;
    res->apriori_dominant = opt->opt_hat >= sq && opt->opt_hat >= c->cp->eps
                                ? "OPT_hat"
                                : c->cp->eps > sq ? "eps" : conc > 2 * gamma ? "concentration sqrt(B_x2 log n)/(B_G sqrt n)" : "cone width 2 gamma";
    /* an infinite or NaN bound is never CONSISTENT (SPEC 6) */
    gfl_verdict v = lo > res->apriori_bound ? GFL_V_VIOLATED
                    : isfinite(res->apriori_bound) && hi <= res->apriori_bound ? GFL_V_CONSISTENT
                                                                               : GFL_V_INCONCLUSIVE;
    gfl_chain_set_link(l, "apriori", v, pv->loss, res->apriori_bound, res->apriori_bound - hi, level);
    char which[96];
    if (ap->optimized)
        snprintf(which, sizeof which, "searched gamma %.3g, B_G %.3g (configured %.4g)", gamma, BG,
                 ap->configured_bound);
    else
        snprintf(which, sizeof which, "configured gamma %g, B_G %g (%s)", gamma, BG,
                 best < 0 ? "no searched point feasible" : "no searched point smaller");
    gfl_chain_set_note(l,
             "OPT_hat %.4g + r B_a1 B_x1 sqrt(2 gamma + conc) = %d * %.3g * %.3g * sqrt(%.3g + %.3g) + eps %.3g; "
             "at %s; dominant: %s%s",
             opt->opt_hat, c->wit->r, Ba1, Bx1, 2 * gamma, conc, c->cp->eps, which, res->apriori_dominant,
             res->apriori_bound > 1 ? " (vacuous: above 1)" : "");
    return GFL_OK;
}
