/* The theorem-form chain's comparator (SPEC 6 C4; docs/proofs.md C4,
 * "Optimized weights"), against independent oracles:
 * - the simplex QP solver against the closed form of two neurons, a fine
 *   grid over three, and projected gradient descent (with its own Euclidean
 *   projection onto the simplex, by sorting) over six;
 * - the predicted theorem-form bound of every uniform-K comparator against a
 *   transcription of the formula the chain used before the weights (atilde_i
 *   = a*_j / (K |w_i|) over the K best-scored neurons);
 * - the optimized comparator's bound, recomputed by that transcription from
 *   its weights, against every other weighting of the same neurons drawn at
 *   random or by moving mass between two of them;
 * - real check runs (xor, mog; small preset, fast path): the optimized bound
 *   is below the best uniform one, the chain's measured bound agrees with
 *   the prediction, and every exact link still PASSes.
 * Randomized parts print their seed; GFL_TEST_SEED=<seed>
 * GFL_TEST_SUITES=comparator build/release/gfl_tests reproduces them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_chain_parts.h"
#include "gfl_check.h"
#include "gfl_paths.h"
#include "gfl_rng.h"
#include "gfl_test.h"

#define CMP_PURPOSE 0x636f6d70u /* "comp" */

static double qp_obj(int n, const double *q, const double *l, const double *p)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += q[i] * p[i] * p[i] + l[i] * p[i];
    return s;
}

/* Euclidean projection onto the simplex (sort, then threshold; Held, Wolfe
 * and Crowder 1974), independent of the solver's KKT bisection. */
static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static void project_simplex(int n, double *v)
{
    double u[16], css = 0, theta = 0;
    memcpy(u, v, (size_t)n * sizeof(double));
    qsort(u, (size_t)n, sizeof(double), cmp_desc);
    for (int k = 0; k < n; k++) {
        css += u[k];
        double t = (css - 1) / (k + 1);
        if (u[k] - t > 0)
            theta = t;
    }
    for (int k = 0; k < n; k++)
        v[k] = fmax(0.0, v[k] - theta);
}

static void print_seed(const char *what)
{
    unsigned long long s = (unsigned long long)gfl_test_seed();
    printf("\n    comparator %s: seed %llu (GFL_TEST_SEED=%llu GFL_TEST_SUITES=comparator build/release/gfl_tests)", what, s, s);
}

/* Two neurons: minimize q1 p^2 + l1 p + q2 (1-p)^2 + l2 (1-p), whose
 * stationary point is p = (2 q2 + l2 - l1) / (2 (q1 + q2)), clipped to [0, 1]. */
static void t_qp_two(void)
{
    gfl_rng r;
    print_seed("2-neuron closed form");
    gfl_rng_init(&r, gfl_test_seed(), CMP_PURPOSE, 1, 0);
    for (int rep = 0; rep < 400; rep++) {
        double q[2], l[2], p[2], nu, gap;
        for (int i = 0; i < 2; i++) {
            q[i] = exp(6 * gfl_rng_uniform(&r) - 3);
            l[i] = (rep % 4 == 0 ? 20 : 2) * gfl_rng_normal(&r); /* every 4th: mostly a vertex */
        }
        double pc = fmin(1.0, fmax(0.0, (2 * q[1] + l[1] - l[0]) / (2 * (q[0] + q[1]))));
        int ret = gfl_chain_simplex_qp(2, q, l, p, &nu, &gap);
        CHECK(ret == 0, "rep %d: solver refused q = (%g, %g), l = (%g, %g)", rep, q[0], q[1], l[0], l[1]);
        if (ret)
            continue;
        CHECK(fabs(p[0] - pc) <= 1e-9 && fabs(p[0] + p[1] - 1) <= 4e-16 && p[1] >= 0,
              "rep %d: p = (%.17g, %.17g), closed form p1 = %.17g", rep, p[0], p[1], pc);
        double scale = fabs(qp_obj(2, q, l, p)) + q[0] + q[1] + fabs(l[0]) + fabs(l[1]);
        CHECK(gap >= -1e-14 * scale && gap <= 1e-12 * scale, "rep %d: duality gap %g (scale %g)", rep, gap, scale);
    }
}

/* Three neurons: the solver's objective is at most that of every point of a
 * grid of step 1/h over the simplex, and the grid's best is within the
 * objective's variation over one grid cell of it. */
static void t_qp_grid(void)
{
    gfl_rng r;
    print_seed("3-neuron grid");
    gfl_rng_init(&r, gfl_test_seed(), CMP_PURPOSE, 2, 0);
    const int h = 500;
    for (int rep = 0; rep < 12; rep++) {
        double q[3], l[3], p[3], nu, gap, gmax = 0;
        for (int i = 0; i < 3; i++) {
            q[i] = exp(4 * gfl_rng_uniform(&r) - 2);
            l[i] = gfl_rng_normal(&r);
            gmax = fmax(gmax, 2 * q[i] + fabs(l[i]));
        }
        CHECK(gfl_chain_simplex_qp(3, q, l, p, &nu, &gap) == 0, "rep %d: refused", rep);
        double fq = qp_obj(3, q, l, p), best = INFINITY;
        for (int a = 0; a <= h; a++)
            for (int b = 0; a + b <= h; b++) {
                double v[3] = {(double)a / h, (double)b / h, (double)(h - a - b) / h};
                best = fmin(best, qp_obj(3, q, l, v));
            }
        CHECK(fq <= best + 1e-13, "rep %d: solver %.17g above the grid's best %.17g", rep, fq, best);
        CHECK(best - fq <= 2 * gmax / h, "rep %d: grid best %.17g, solver %.17g: too far apart", rep, best, fq);
        CHECK(p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && fabs(p[0] + p[1] + p[2] - 1) <= 1e-15, "rep %d: infeasible", rep);
    }
}

/* Six neurons: projected gradient descent (step 1/(2 max q), a contraction
 * on this strongly convex problem) converges to the minimizer. */
static void t_qp_projected_gradient(void)
{
    gfl_rng r;
    print_seed("6-neuron projected gradient");
    gfl_rng_init(&r, gfl_test_seed(), CMP_PURPOSE, 3, 0);
    for (int rep = 0; rep < 50; rep++) {
        enum { N = 6 };
        double q[N], l[N], p[N], v[N], nu, gap, qmax = 0;
        for (int i = 0; i < N; i++) {
            q[i] = exp(2 * gfl_rng_uniform(&r) - 1);
            l[i] = gfl_rng_normal(&r);
            qmax = fmax(qmax, q[i]);
            v[i] = 1.0 / N;
        }
        CHECK(gfl_chain_simplex_qp(N, q, l, p, &nu, &gap) == 0, "rep %d: refused", rep);
        for (int it = 0; it < 20000; it++) {
            for (int i = 0; i < N; i++)
                v[i] -= (2 * q[i] * v[i] + l[i]) / (2 * qmax);
            project_simplex(N, v);
        }
        double dmax = 0;
        for (int i = 0; i < N; i++)
            dmax = fmax(dmax, fabs(p[i] - v[i]));
        CHECK(dmax <= 1e-9, "rep %d: weights differ from projected gradient by %g", rep, dmax);
        CHECK(qp_obj(N, q, l, p) <= qp_obj(N, q, l, v) + 1e-13, "rep %d: objective %.17g above PGD's %.17g", rep,
              qp_obj(N, q, l, p), qp_obj(N, q, l, v));
        /* KKT: on the support 2 q p + l = nu, off it l >= nu (up to the bisection's resolution) */
        for (int i = 0; i < N; i++)
            CHECK(p[i] > 0 ? fabs(2 * q[i] * p[i] + l[i] - nu) <= 1e-12 * (1 + fabs(nu)) : l[i] >= nu - 1e-12 * (1 + fabs(nu)),
                  "rep %d: KKT residual at %d", rep, i);
    }
}

/* Inputs out of range are refused and leave p alone; an infinite q forces
 * that weight to 0. */
static void t_qp_inputs(void)
{
    double q[3] = {1, 2, 3}, l[3] = {0, 0, 0}, p[3] = {7, 7, 7}, nu, gap;
    CHECK(gfl_chain_simplex_qp(0, q, l, p, &nu, &gap) == -1, "n = 0 accepted");
    q[1] = 0;
    CHECK(gfl_chain_simplex_qp(3, q, l, p, &nu, &gap) == -1 && p[0] == 7, "q = 0 accepted");
    q[1] = NAN;
    CHECK(gfl_chain_simplex_qp(3, q, l, p, &nu, &gap) == -1, "q = NaN accepted");
    q[1] = 2, l[2] = INFINITY;
    CHECK(gfl_chain_simplex_qp(3, q, l, p, &nu, &gap) == -1, "l = inf accepted");
    double qi[2] = {INFINITY, INFINITY}, li[2] = {0, 0};
    CHECK(gfl_chain_simplex_qp(2, qi, li, p, &nu, &gap) == -1, "every q infinite accepted");
    qi[1] = 1, li[1] = 5;
    CHECK(gfl_chain_simplex_qp(2, qi, li, p, &nu, &gap) == 0 && p[0] == 0 && p[1] == 1,
          "q = (inf, 1): p = (%g, %g), want (0, 1)", p[0], p[1]);
}

/* ------------------------------------------------------------------------ */
/* a hand-built chain context: what the comparators read after pass 1      */

typedef struct {
    ctx_t c;
    gfl_problem pb;
    gfl_witness w;
    gfl_chain_params cp;
    double G2, *aT;
} fake;

static void fake_clear(fake *f)
{
    free(f->pb.b), free(f->w.D), free(f->w.bstar), free(f->w.astar);
    free(f->c.s1.a), free(f->c.s1.nw), free(f->c.s1.U), free(f->c.s1.beta), free(f->c.p1.Dsum);
    free(f->c.cmp.atilde), free(f->c.cmp.ent), free(f->c.cmp.cand_a), free(f->c.cmp.cand_sum);
    free(f->c.cmp.cand_err), free(f->c.cmp.cand_pert), free(f->aT);
    memset(f, 0, sizeof *f);
}

/* m learned neurons near r witness neurons in dimension d, random scores,
 * drifts, a^(1) and losses; bias signs all positive unless sign_mix. */
static void fake_init(fake *f, gfl_rng *r, int m, int rw, int d, gfl_loss loss)
{
    memset(f, 0, sizeof *f);
    ctx_t *c = &f->c;
    gfl_config_defaults(&f->pb.cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    f->pb.cfg.loss = loss;
    f->pb.cfg.eta = 0.05 + 0.2 * gfl_rng_uniform(r);
    f->pb.cfg.lam = 1e-3 * gfl_rng_uniform(r);
    gfl_chain_defaults(&f->cp);
    c->pb = &f->pb, c->wit = &f->w, c->cp = &f->cp;
    c->m = m, c->d = d, c->T = 50 + (int)gfl_rng_below(r, 100);
    f->w.r = rw, f->w.d = d;
    f->w.D = calloc((size_t)rw * d, sizeof(double)), f->w.bstar = calloc((size_t)rw, sizeof(double));
    f->w.astar = calloc((size_t)rw, sizeof(double));
    f->pb.b = calloc((size_t)m, sizeof(double));
    c->s1.a = calloc((size_t)m, sizeof(double)), c->s1.nw = calloc((size_t)m, sizeof(double));
    c->s1.U = calloc((size_t)m * d, sizeof(double)), c->s1.beta = calloc((size_t)m, sizeof(double));
    c->p1.Dsum = calloc((size_t)m, sizeof(double)), c->cmp.atilde = calloc((size_t)m, sizeof(double));
    f->aT = calloc((size_t)m, sizeof(double));
    for (int j = 0; j < rw; j++) {
        double n2 = 0;
        for (int k = 0; k < d; k++) {
            f->w.D[j * d + k] = gfl_rng_normal(r);
            n2 += f->w.D[j * d + k] * f->w.D[j * d + k];
        }
        for (int k = 0; k < d; k++)
            f->w.D[j * d + k] /= sqrt(n2);
        f->w.bstar[j] = 0.2 + 0.5 * gfl_rng_uniform(r);
        f->w.astar[j] = (gfl_rng_uniform(r) < 0.5 ? -1 : 1) * (1 + 3 * gfl_rng_uniform(r));
    }
    double Tp = c->T - 1;
    for (int i = 0; i < m; i++) {
        int j = (int)gfl_rng_below(r, (uint64_t)rw);
        double n2 = 0, *u = c->s1.U + (size_t)i * d;
        for (int k = 0; k < d; k++) {
            u[k] = f->w.D[j * d + k] + 0.3 * gfl_rng_normal(r);
            n2 += u[k] * u[k];
        }
        for (int k = 0; k < d; k++)
            u[k] /= sqrt(n2);
        c->s1.nw[i] = 0.5 + 2 * gfl_rng_uniform(r);
        c->s1.beta[i] = f->w.bstar[j] + 0.1 * gfl_rng_normal(r);
        f->pb.b[i] = c->s1.beta[i] * c->s1.nw[i];
        c->s1.a[i] = 0.3 * gfl_rng_normal(r);
        c->p1.Dsum[i] = Tp * 0.05 * gfl_rng_uniform(r);
        f->aT[i] = gfl_rng_normal(r);
    }
    c->p1.xbar_sum = Tp * (1 + gfl_rng_uniform(r));
    c->p1.lstar_sum = Tp * 0.01 * gfl_rng_uniform(r);
    f->G2 = Tp * gfl_rng_uniform(r);
}

static double score(const fake *f, int i, int j, double xbar)
{
    const ctx_t *c = &f->c;
    double s = 0;
    for (int k = 0; k < c->d; k++) {
        double t = c->s1.U[(size_t)i * c->d + k] - f->w.D[(size_t)j * c->d + k];
        s += t * t;
    }
    return sqrt(s) * xbar + fabs(c->s1.beta[i] - f->w.bstar[j]);
}

/* The theorem-form bound as the chain computed it for a comparator that puts
 * weight pi[j m + i] of witness neuron j on neuron i (SPEC 6: lstar + approx
 * + drift + reg + regret; approx with L_l (1 + 2^-40), the C4 allowance). */
static double bound_formula(const fake *f, const double *pi)
{
    const ctx_t *c = &f->c;
    const gfl_config *cfg = &f->pb.cfg;
    int m = c->m, rw = f->w.r;
    double Tp = c->T - 1, xbar = c->p1.xbar_sum / Tp, L = gfl_cert_lipschitz(cfg->loss);
    double *at = calloc((size_t)m, sizeof(double)), approx = 0, drift = 0, na2 = 0, d2 = 0;
    for (int j = 0; j < rw; j++) {
        double t = 0;
        for (int i = 0; i < m; i++)
            if (pi[j * m + i] != 0) {
                t += pi[j * m + i] * score(f, i, j, xbar);
                at[i] += f->w.astar[j] * pi[j * m + i] / c->s1.nw[i];
            }
        approx += fabs(f->w.astar[j]) * t;
    }
    approx *= L * (1 + 0x1p-40);
    for (int i = 0; i < m; i++) {
        drift += fabs(at[i]) * c->p1.Dsum[i] / Tp;
        na2 += at[i] * at[i];
        d2 += (c->s1.a[i] - at[i]) * (c->s1.a[i] - at[i]);
    }
    free(at);
    return c->p1.lstar_sum / Tp + approx + L * drift + cfg->lam / 2 * na2 + (d2 / (2 * cfg->eta) + cfg->eta / 2 * f->G2) / Tp;
}

/* The pre-weights computation for K: the K best-scored eligible neurons per
 * witness neuron (sorted by score, ties by index), atilde_i = a*_j/(K |w_i|). */
static double bound_old_K(const fake *f, int K)
{
    const ctx_t *c = &f->c;
    int m = c->m, rw = f->w.r;
    double xbar = c->p1.xbar_sum / (c->T - 1);
    double *pi = calloc((size_t)rw * m, sizeof(double));
    int *used = calloc((size_t)m, sizeof(int));
    for (int j = 0; j < rw; j++) {
        memset(used, 0, (size_t)m * sizeof(int));
        for (int k = 0; k < K; k++) {
            int bi = -1;
            for (int i = 0; i < m; i++)
                if (!used[i] && (f->pb.b[i] > 0) == (f->w.bstar[j] > 0) &&
                    (bi < 0 || score(f, i, j, xbar) < score(f, bi, j, xbar)))
                    bi = i;
            used[bi] = 1;
            pi[j * m + bi] = 1.0 / K;
        }
    }
    double b = bound_formula(f, pi);
    free(pi);
    free(used);
    return b;
}

static void fake_choose(fake *f, gfl_status *st)
{
    gfl_error_clear();
    *st = gfl_chain_choose(&f->c, f->G2, f->aT);
}

/* Uniform K: the predicted bound equals the formula the chain used before
 * the weights; the chain's comparator is the smallest predicted bound. */
static void t_uniform_bound(void)
{
    gfl_rng r;
    print_seed("uniform-K bound");
    gfl_rng_init(&r, gfl_test_seed(), CMP_PURPOSE, 4, 0);
    for (int rep = 0; rep < 12; rep++) {
        fake f;
        gfl_status st;
        fake_init(&f, &r, 10 + (int)gfl_rng_below(&r, 30), 1 + (int)gfl_rng_below(&r, 4), 3,
                  rep % 2 ? GFL_LOSS_LOGISTIC : GFL_LOSS_HINGE);
        fake_choose(&f, &st);
        CHECK(st == GFL_OK, "rep %d: %s", rep, gfl_error_message());
        const chain_comparators *k = &f.c.cmp;
        int nuni = 0;
        double best = INFINITY;
        for (int q = 0; st == GFL_OK && q < k->ncand; q++) {
            if (k->cand_K[q] <= 0)
                continue;
            nuni++;
            double old = bound_old_K(&f, k->cand_K[q]);
            CHECK(fabs(k->cand_bound[q] - old) <= 1e-12 * old, "rep %d K %d: predicted %.17g, formula %.17g", rep,
                  k->cand_K[q], k->cand_bound[q], old);
            best = fmin(best, old);
        }
        if (st == GFL_OK) {
            CHECK(nuni > 0 && fabs(k->uniform_bound - best) <= 1e-12 * best, "rep %d: uniform bound %.17g vs %.17g",
                  rep, k->uniform_bound, best);
            CHECK(k->chosen_bound == fmin(k->uniform_bound, k->opt_ok ? k->optimized_bound : INFINITY),
                  "rep %d: chosen %.17g is not the smallest", rep, k->chosen_bound);
            CHECK(k->cand_K[k->ncand - 1] == GFL_CHAIN_CAND_AT && isnan(k->cand_bound[k->ncand - 1]),
                  "rep %d: a^(T) is the last candidate", rep);
        }
        fake_clear(&f);
    }
}

/* The optimized weights: recovered from atilde, their bound by the formula
 * equals the prediction, and no other weighting of the neurons each witness
 * neuron owns (its best score) does better. */
static void t_optimized_is_minimal(void)
{
    gfl_rng r;
    print_seed("optimized weights");
    gfl_rng_init(&r, gfl_test_seed(), CMP_PURPOSE, 5, 0);
    int tested = 0, interior = 0;
    for (int rep = 0; rep < 20; rep++) {
        fake f;
        gfl_status st;
        int m = 12 + (int)gfl_rng_below(&r, 20), rw = 2 + (int)gfl_rng_below(&r, 2);
        fake_init(&f, &r, m, rw, 3, rep % 2 ? GFL_LOSS_LOGISTIC : GFL_LOSS_HINGE);
        double xbar = f.c.p1.xbar_sum / (f.c.T - 1);
        int *owner = malloc((size_t)m * sizeof(int)), *cnt = calloc((size_t)rw, sizeof(int)), ok = 1;
        for (int i = 0; i < m; i++) {
            owner[i] = 0;
            for (int j = 1; j < rw; j++)
                if (score(&f, i, j, xbar) < score(&f, i, owner[i], xbar))
                    owner[i] = j;
            cnt[owner[i]]++;
        }
        for (int j = 0; j < rw; j++)
            ok &= cnt[j] > 0;
        fake_choose(&f, &st);
        CHECK(st == GFL_OK && f.c.cmp.opt_ok, "rep %d: %s", rep, gfl_error_message());
        if (st != GFL_OK || !f.c.cmp.opt_ok || !ok) { /* a witness neuron without own neuron: not this test's */
            free(owner), free(cnt), fake_clear(&f);
            continue;
        }
        tested++;
        const chain_comparators *k = &f.c.cmp;
        int qo = -1;
        for (int q = 0; q < k->ncand; q++)
            if (k->cand_K[q] == GFL_CHAIN_CAND_OPT)
                qo = q;
        CHECK(qo >= 0, "rep %d: no optimized candidate", rep);
        if (qo < 0) {
            free(owner), free(cnt), fake_clear(&f);
            continue;
        }
        const double *ao = k->cand_a + (size_t)qo * m;
        double *pi = calloc((size_t)rw * m, sizeof(double)), *pr = calloc((size_t)rw * m, sizeof(double));
        int support = 0;
        for (int i = 0; i < m; i++) {
            pi[owner[i] * m + i] = ao[i] * f.c.s1.nw[i] / f.w.astar[owner[i]];
            support += ao[i] != 0;
        }
        interior += support > rw;
        for (int j = 0; j < rw; j++) {
            double s = 0;
            for (int i = 0; i < m; i++)
                s += pi[j * m + i];
            CHECK(fabs(s - 1) <= 1e-12, "rep %d: weights of %d sum to %.17g", rep, j, s);
        }
        double bo = bound_formula(&f, pi);
        CHECK(fabs(bo - k->optimized_bound) <= 1e-12 * bo, "rep %d: formula %.17g, predicted %.17g", rep, bo,
              k->optimized_bound);
        CHECK(k->qp_gap <= 1e-12 * bo, "rep %d: duality gap %g", rep, k->qp_gap);
        for (int trial = 0; trial < 300; trial++) {
            if (trial % 2) { /* random weights (exponential spacings: uniform on the simplex) */
                for (int j = 0; j < rw; j++) {
                    double s = 0;
                    for (int i = 0; i < m; i++)
                        if (owner[i] == j)
                            s += pr[j * m + i] = -log(gfl_rng_uniform_pos(&r)) * (gfl_rng_uniform(&r) < 0.5);
                    if (s == 0)
                        for (int i = 0; i < m; i++)
                            if (owner[i] == j)
                                s += pr[j * m + i] = 1;
                    for (int i = 0; i < m; i++)
                        pr[j * m + i] /= s;
                }
            } else { /* move a little mass from one owned neuron of j to another */
                memcpy(pr, pi, (size_t)rw * m * sizeof(double));
                int j = (int)gfl_rng_below(&r, (uint64_t)rw), a = (int)gfl_rng_below(&r, (uint64_t)m),
                    b = (int)gfl_rng_below(&r, (uint64_t)m);
                if (owner[a] != j || owner[b] != j || a == b)
                    continue;
                double mv = fmin(pr[j * m + a], 1e-3 * gfl_rng_uniform_pos(&r));
                pr[j * m + a] -= mv, pr[j * m + b] += mv;
            }
            double br = bound_formula(&f, pr);
            CHECK(bo <= br * (1 + 1e-13), "rep %d trial %d: optimized %.17g above another weighting's %.17g", rep,
                  trial, bo, br);
        }
        free(pi), free(pr), free(owner), free(cnt);
        fake_clear(&f);
    }
    CHECK(tested >= 10 && interior > 0, "only %d instances tested, %d with more neurons than witness neurons", tested,
          interior);
}

/* Edge cases of the assignment: two identical witness neurons (the second
 * owns nothing by its best score and takes a neuron from the first), a
 * witness neuron with a* = 0, a single eligible neuron (no optimized
 * comparator: uniform), and none at all (an error). */
static void t_assignment_edges(void)
{
    gfl_rng r;
    print_seed("assignment edges");
    gfl_rng_init(&r, gfl_test_seed(), CMP_PURPOSE, 6, 0);
    fake f;
    gfl_status st;
    fake_init(&f, &r, 8, 3, 3, GFL_LOSS_HINGE);
    memcpy(f.w.D + 3, f.w.D, 3 * sizeof(double)); /* neuron 1 = neuron 0 */
    f.w.bstar[1] = f.w.bstar[0];
    f.w.astar[2] = 0;
    fake_choose(&f, &st);
    CHECK(st == GFL_OK && f.c.cmp.opt_ok, "identical witness neurons: %s", gfl_error_message());
    int per_j[3] = {0, 0, 0};
    if (st == GFL_OK && f.c.cmp.K == 0)
        for (int e = 0; e < f.c.cmp.nent; e++)
            per_j[f.c.cmp.ent[e].j]++;
    CHECK(f.c.cmp.K != 0 || (per_j[0] > 0 && per_j[1] > 0 && per_j[2] == 1), "entries per witness neuron %d %d %d",
          per_j[0], per_j[1], per_j[2]);
    fake_clear(&f);

    fake_init(&f, &r, 6, 2, 3, GFL_LOSS_HINGE);
    for (int i = 1; i < 6; i++)
        f.pb.b[i] = -1; /* only neuron 0 has the witness's bias sign */
    fake_choose(&f, &st);
    CHECK(st == GFL_OK && !f.c.cmp.opt_ok && f.c.cmp.K == 1 && f.c.cmp.ncand == 2 && isnan(f.c.cmp.optimized_bound),
          "one eligible neuron for two witness neurons: st %d opt_ok %d K %d ncand %d", st, f.c.cmp.opt_ok,
          f.c.cmp.K, f.c.cmp.ncand);
    fake_clear(&f);

    fake_init(&f, &r, 1, 2, 3, GFL_LOSS_HINGE); /* one neuron, eligible for both */
    f.w.bstar[1] = f.w.bstar[0];
    fake_choose(&f, &st);
    CHECK(st == GFL_OK && !f.c.cmp.opt_ok && f.c.cmp.K == 1, "one neuron for two witness neurons: st %d opt_ok %d",
          st, f.c.cmp.opt_ok);
    fake_clear(&f);

    fake_init(&f, &r, 6, 1, 3, GFL_LOSS_HINGE); /* a drift that is not finite: no QP to solve */
    f.c.p1.Dsum[2] = INFINITY;
    fake_choose(&f, &st);
    CHECK(st == GFL_OK && !f.c.cmp.opt_ok && isnan(f.c.cmp.optimized_bound) && f.c.cmp.K > 0,
          "infinite drift: st %d opt_ok %d K %d", st, f.c.cmp.opt_ok, f.c.cmp.K);
    fake_clear(&f);

    fake_init(&f, &r, 6, 2, 3, GFL_LOSS_HINGE);
    f.c.s1.nw[0] = 0;
    for (int i = 1; i < 6; i++)
        f.pb.b[i] = -1;
    fake_choose(&f, &st);
    CHECK(st == GFL_ECHECK && strstr(gfl_error_message(), "eligible"), "no eligible neuron: st %d (%s)", st,
          gfl_error_message());
    fake_clear(&f);
    gfl_error_clear();
}

/* Real runs: the optimized weights beat every uniform K, the chain's
 * measured bound (pass 2, batch by batch) is the one predicted from pass 1,
 * and every exact link PASSes. */
static void t_check_runs(void)
{
    const gfl_case_id cases[2] = {GFL_CASE_XOR, GFL_CASE_MOG};
    for (int k = 0; k < 2; k++) {
        gfl_config cfg;
        gfl_config_defaults(&cfg, cases[k], GFL_PRESET_SMALL);
        cfg.seed = gfl_test_seed();
        gfl_check_params p;
        gfl_check_defaults(&p);
        p.cp.n_pop = 4096;
        cfg.sigma_a = GFL_CHECK_SIGMA_A; /* the check's defaults (gfl check) */
        if (cases[k] == GFL_CASE_MOG)
            cfg.m = GFL_CHECK_MOG_MIN_M;
        gfl_check_case c;
        gfl_error_clear();
        printf("\n    comparator: gfl check --case %s --path fast --preset small --seed %llu", gfl_case_name(cases[k]),
               (unsigned long long)cfg.seed);
        gfl_status st = gfl_check_run(&cfg, gfl_path_find("fast"), &p, &c);
        CHECK(st == GFL_OK, "%s: %s", gfl_case_name(cases[k]), gfl_error_message());
        if (st != GFL_OK)
            continue;
        const gfl_chain_result *ch = &c.chain;
        printf(": uniform %.5g, optimized %.5g, chain %.5g", ch->cmp.uniform_bound, ch->cmp.optimized_bound,
               ch->chain_bound);
        CHECK(ch->cmp.optimized && ch->K == 0 && ch->cmp.optimized_bound <= ch->cmp.uniform_bound,
              "%s: optimized %.17g vs uniform %.17g", gfl_case_name(cases[k]), ch->cmp.optimized_bound,
              ch->cmp.uniform_bound);
        CHECK(fabs(ch->chain_bound - ch->cmp.chosen_bound) <= 1e-6 * ch->chain_bound,
              "%s: measured chain bound %.17g, predicted %.17g", gfl_case_name(cases[k]), ch->chain_bound,
              ch->cmp.chosen_bound);
        CHECK(ch->cmp.support > 0 && ch->cmp.support <= ch->cmp.neurons && ch->cmp.neurons <= cfg.m,
              "%s: support %d of %d neurons", gfl_case_name(cases[k]), ch->cmp.support, ch->cmp.neurons);
        CHECK(strstr(ch->link[GFL_L_C4].note, "optimized weights over"), "C4 note: %s", ch->link[GFL_L_C4].note);
        const int exact[] = {GFL_L_C1, GFL_L_C4, GFL_L_C5, GFL_L_C5G, GFL_L_C6, GFL_L_CHAIN, GFL_L_TIGHT};
        for (size_t e = 0; e < sizeof exact / sizeof exact[0]; e++)
            CHECK(ch->link[exact[e]].verdict == GFL_V_PASS, "%s: %s is %s (%s)", gfl_case_name(cases[k]),
                  ch->link[exact[e]].id, gfl_verdict_name(ch->link[exact[e]].verdict), ch->link[exact[e]].note);
        gfl_check_clear(&c);
    }
}

void t_comparator_register(void)
{
    CU_pSuite s = CU_add_suite("comparator", NULL, NULL);
    CU_add_test(s, "simplex QP: closed form of two neurons", t_qp_two);
    CU_add_test(s, "simplex QP: grid over three neurons", t_qp_grid);
    CU_add_test(s, "simplex QP: projected gradient over six neurons, KKT", t_qp_projected_gradient);
    CU_add_test(s, "simplex QP: inputs out of range", t_qp_inputs);
    CU_add_test(s, "uniform K: predicted bound is the chain's formula", t_uniform_bound);
    CU_add_test(s, "optimized weights: no other weighting does better", t_optimized_is_minimal);
    CU_add_test(s, "assignment: shared and zero witness neurons, too few neurons", t_assignment_edges);
    CU_add_test(s, "check runs: optimized below uniform, exact links PASS", t_check_runs);
}
