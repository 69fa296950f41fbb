#include "gfl_compare.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_pool.h"
#include "gfl_train.h"

double gfl_compare_rel(const double *r, const double *f, size_t len)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < len; i++) {
        double e = fabs(r[i] - f[i]);
        if (e > num || isnan(e))
            num = e;
        if (fabs(r[i]) > den)
            den = fabs(r[i]);
    }
    return den > 0.0 ? num / den : num;
}

const char *gfl_compare_verdict_name(gfl_compare_verdict v) { return v == GFL_COMPARE_PASS ? "PASS" : "FAIL"; }

void gfl_compare_opts_default(gfl_compare_opts *o)
{
    o->selfcheck = 1;
    o->tol = GFL_COMPARE_TOL;
}

/* max that keeps a NaN (a non-finite trajectory must not vanish from the maximum). */
static double max_nan(double a, double b)
{
    if (isnan(a) || isnan(b))
        return NAN;
    return a > b ? a : b;
}

void gfl_compare_clear(gfl_compare_result *res)
{
    free(res->steps);
    memset(res, 0, sizeof *res);
}

typedef struct {
    gfl_hbound *hb; /* m: fast-path bound of h_ik for the current sample */
    double *P0, *eps;    /* m: see classify() */
} cls_work;

/* The ambiguity rule of one step (docs/compare.md, "Ambiguous decisions").
 *
 * (af, Wf) and (ar, Wr) are the parameters the fast and the ref path held
 * before the step (ar, Wr rounded to double by store(); ref_exact says they
 * are exactly the ref's values: true before step 1 when prec >= 53, since MPFR
 * then reads the initial doubles exactly); b is shared and never
 * trained, so |b^ref - b^fast| = 0.  For neuron i on sample k, with hhat this
 * module's double evaluation of h at the fast parameters and e its a-priori
 * bound (bd->h, the tested path's gfl_bounds_vt; fast/gfl_fast_bounds.h):
 *   D   = sum_j |wf_ij - wr_ij| |x_kj|                  (+ |b^ref - b^fast| = 0)
 *   P0  = D + cr (S + D),  cr = u unless ref_exact      (>= |h^fast - h^ref|, exact reals,
 *                                                         S = sum_j |wf_ij x_kj| + |b_i|)
 *   eps = 2^(54-prec) gamma_{d+1} (S + D)               (>= the ref path's own rounding of h;
 *                                                         0 when it provably computes exactly)
 *   thr = e + max(e, P0 + eps).
 * If the paths' decisions differ, 0 lies between the fast value H_f and the
 * ref value H_r; |hhat - H_f| <= 2e and |hhat - H_r| <= e + P0 + eps, so
 * |hhat| <= thr.  Hence a differing decision with |hhat| > thr (or thr == 0:
 * both computed the same exact value) is unexplained.  The hinge rule is the
 * same with f, its bound e_f (bd->f) and
 *   Q = sum_i |af_i| P0_i + DA_i (sigma(hhat_i) + e_i + P0_i)     (>= |f^fast - f^ref|)
 *     + sum_i Ar_i (eps_i + 2^(54-prec) gamma_m (sigma(hhat_i) + e_i + P0_i + eps_i))
 * with DA_i = |af_i - ar_i| + cr (|af_i| + |af_i - ar_i|) and
 * Ar_i = (|af_i| + |af_i - ar_i|)(1 + cr) >= |a_i^ref|; the last sum (the ref's
 * own rounding of f) is 0 when it provably computes exactly.  All of it is
 * computed with the upward operations of core/gfl_bounds.h. */
static void classify(const gfl_config *c, const gfl_bounds_vt *bd, const double *X, const double *Y, const double *b,
                     const double *af, const double *Wf, const double *ar, const double *Wr,
                     int ref_exact, unsigned char *const relu[2], unsigned char *const hinge[2],
                     cls_work *w, gfl_compare_step *s)
{
    int m = c->m, d = c->d, n = c->n;
    int pshift = 54 - (int)(c->prec < 4000 ? c->prec : 4000);
    double cr = ref_exact ? 0.0 : GFL_U_DOUBLE; /* ref values reach us rounded to double */
    double kh = ldexp(gfl_gamma_up((long)d + 1), pshift), kf = ldexp(gfl_gamma_up(m), pshift);
    /* at huge precisions these underflow: 2^-1074 still bounds them from above */
    kh = kh > 0.0 ? kh : DBL_TRUE_MIN;
    kf = kf > 0.0 ? kf : DBL_TRUE_MIN;
    for (int k = 0; k < n; k++) {
        const double *x = X + (size_t)k * d;
        for (int i = 0; i < m; i++) {
            const double *wf = Wf + (size_t)i * d, *wr = Wr + (size_t)i * d;
            gfl_hbound *hb = &w->hb[i];
            bd->h(d, wf, x, b[i], hb);
            double D = 0.0;
            for (int j = 0; j < d; j++)
                D = gfl_add_up(D, gfl_mul_up(gfl_absdiff_up(wf[j], wr[j]), fabs(x[j])));
            double e = hb->err, SD = gfl_add_up(hb->sabs, D);
            double P0 = gfl_add_up(D, gfl_mul_up(cr, SD));
            /* ref's parameters are the fast path's doubles and the evaluation is
             * certified exact: MPFR computes the same exact h */
            double eps = (ref_exact && D == 0.0 && e == 0.0) ? 0.0 : gfl_mul_up(kh, SD);
            double pe = gfl_add_up(P0, eps);
            double thr = gfl_add_up(e, e > pe ? e : pe);
            int amb = thr > 0.0 && fabs(hb->h) <= thr;
            size_t q = (size_t)k * m + i;
            s->relu_ambiguous += amb;
            if (relu[0][q] != relu[1][q] && !amb)
                s->unexplained++;
            w->P0[i] = P0;
            w->eps[i] = eps;
        }
        if (c->loss != GFL_LOSS_HINGE)
            continue; /* no branch at the output */
        double F, ef = bd->f(m, af, w->hb, &F);
        double Q = 0.0, R = 0.0;
        int ref_f_exact = ref_exact && ef == 0.0;
        for (int i = 0; i < m; i++) {
            double aa = fabs(af[i]), Da = gfl_absdiff_up(af[i], ar[i]);
            double aD = gfl_add_up(aa, Da);
            double DA = gfl_add_up(Da, gfl_mul_up(cr, aD));
            double hpos = w->hb[i].h > 0.0 ? w->hb[i].h : 0.0;
            double sig = gfl_add_up(gfl_add_up(hpos, w->hb[i].err), w->P0[i]);
            Q = gfl_add_up(Q, gfl_add_up(gfl_mul_up(aa, w->P0[i]), gfl_mul_up(DA, sig)));
            if (Da != 0.0 || w->P0[i] != 0.0 || w->eps[i] != 0.0)
                ref_f_exact = 0;
            double Ar = gfl_add_up(aD, gfl_mul_up(cr, aD));
            double rr = gfl_add_up(w->eps[i], gfl_mul_up(kf, gfl_add_up(sig, w->eps[i])));
            R = gfl_add_up(R, gfl_mul_up(Ar, rr));
        }
        if (!ref_f_exact)
            Q = gfl_add_up(Q, R);
        double thr = gfl_add_up(ef, ef > Q ? ef : Q);
        /* |1 - y fhat| from below: the subtraction is exact or off by < 1 ulp */
        double mg, mg_err = bd->margin(0.0, Y[k], F, &mg);
        double lower = mg_err == 0.0 ? fabs(mg) : nextafter(fabs(mg), 0.0);
        int amb = thr > 0.0 && lower <= thr;
        s->hinge_ambiguous += amb;
        if (hinge[0][k] != hinge[1][k] && !amb)
            s->unexplained++;
    }
}


static void decide(gfl_compare_result *res)
{
    res->verdict = GFL_COMPARE_PASS;
    res->reason[0] = '\0';
    if (res->first_split_step && !res->explained)
        gfl_reason_add(res->reason, sizeof res->reason, "unexplained branch split at step %d (%ld of %ld differing decisions not ambiguous)",
                   res->first_split_step, res->first_split_unexplained, res->first_split_decisions);
    else if (res->first_unexplained_step)
        gfl_reason_add(res->reason, sizeof res->reason, "unexplained branch split at step %d", res->first_unexplained_step);
    if (!(res->max_rel_diff <= res->tol))
        gfl_reason_add(res->reason, sizeof res->reason, "max_rel_diff %.3g > %.3g before the first split", res->max_rel_diff, res->tol);
    if (!res->trusted)
        gfl_reason_add(res->reason, sizeof res->reason, "reference not trusted: %.1f bits of agreement at prec %ld < %ld", res->selfcheck_bits,
                   res->prec, res->prec - GFL_COMPARE_CHECK_SLACK);
    if (res->reason[0])
        res->verdict = GFL_COMPARE_FAIL;
}

/* The self-check's stepper, stepped (or cleared) on index 1 of a pool of two
 * while the caller does the rest of the step: the main run, the path under
 * test, the bounds and the evaluations. */
typedef struct {
    gfl_stepper *hi;
    const gfl_stepper *batch;
    int clear;
    gfl_status st;
} hi_job;

static void hi_run(void *ctx, int tid, int nthreads)
{
    (void)nthreads;
    hi_job *h = ctx;
    gfl_step_info ih;
    if (tid != 1)
        return;
    if (h->clear)
        gfl_stepper_clear(h->hi); /* on the thread that stepped it (its library caches) */
    else
        h->st = gfl_stepper_step(h->hi, h->batch, &ih);
}

gfl_status gfl_compare_run_opts(const gfl_problem *pb, const gfl_path *ref, const gfl_path *test,
                                const gfl_compare_opts *opts, gfl_compare_result *res)
{
    const gfl_config *c = &pb->cfg;
    const gfl_path *path[2] = {ref, test};
    gfl_stepper sp[2], hi;
    gfl_pool *hi_pool = NULL; /* the self-check's own thread */
    hi_job hj = {&hi, NULL, 0, GFL_OK};
    gfl_config cm = *c;        /* the main run's configuration */
    size_t m = (size_t)c->m, md = m * (size_t)c->d, nm = (size_t)c->n * m, n = (size_t)c->n;
    gfl_status st = GFL_OK;
    memset(res, 0, sizeof *res);
    memset(sp, 0, sizeof sp);
    memset(&hi, 0, sizeof hi);
    res->T = c->T;
    res->prec = c->prec;
    res->name[0] = ref->name;
    res->name[1] = test->name;
    res->tol = opts->tol;
    res->trusted = 1;
    res->selfcheck_bits = NAN;
    if (!ref->engine || !test->engine)
        GFL_ERROR(GFL_EINVAL, "the comparison needs two paths with an engine");
    if (opts->selfcheck && !ref->agreement_bits)
        GFL_ERROR(GFL_EINVAL, "the reference self-check needs a reference path that can measure its own "
                              "agreement (the ref path)");
    if (!test->bounds)
        GFL_ERROR(GFL_EINVAL, "the comparison needs the a-priori error bounds of the path under test "
                              "('%s' publishes none)", test->name);
    res->steps = calloc((size_t)c->T + 1, sizeof *res->steps);
    double *a[2], *W[2], *pa[2], *pW[2];
    unsigned char *relu[2], *hinge[2];
    double *blk = malloc((4 * m + 4 * md) * sizeof(double));
    unsigned char *dec = malloc(2 * (nm + n));
    cls_work w = {malloc(m * sizeof *w.hb), malloc(m * sizeof(double)), malloc(m * sizeof(double))};
    if (!res->steps || !blk || !dec || !w.hb || !w.P0 || !w.eps) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the comparison");
        goto cleanup;
    }
    for (int p = 0; p < 2; p++) {
        a[p] = blk + (size_t)p * (m + md);
        W[p] = a[p] + m;
        pa[p] = blk + (size_t)(p + 2) * (m + md);
        pW[p] = pa[p] + m;
        relu[p] = dec + (size_t)p * (nm + n);
        hinge[p] = relu[p] + nm;
    }
    int n_max = c->n > c->n_test ? c->n : c->n_test;
    /* With two threads or more, the self-check (prec + 64) steps at the same
     * time as the main run, each on half of the threads (no result depends
     * on the number of threads; docs/performance.md). */
    int concurrent = opts->selfcheck && c->threads >= 2;
    if (concurrent)
        cm.threads = c->threads - c->threads / 2;
    for (int p = 0; p < 2; p++) {
        if ((st = gfl_stepper_init(&sp[p], path[p]->engine, pb, p == 0 ? &cm : NULL, n_max)) != GFL_OK)
            goto cleanup;
        sp[p].vt->store(sp[p].eng, pa[p], pW[p]); /* what each path holds (prec < 53 rounds) */
    }
    if (opts->selfcheck) {
        gfl_config chk = *c;
        chk.prec = c->prec + GFL_COMPARE_CHECK_EXTRA;
        if (concurrent) {
            chk.threads = c->threads / 2;
            if ((st = gfl_pool_create(&hi_pool, 2)) != GFL_OK)
                goto cleanup;
        }
        res->selfcheck_run = 1;
        res->prec_check = chk.prec;
        res->selfcheck_bits = INFINITY;
        if ((st = gfl_stepper_init(&hi, ref->engine, pb, &chk, c->n)) != GFL_OK)
            goto cleanup;
    }
    for (int t = 1; t <= c->T; t++) {
        gfl_step_info info[2];
        gfl_compare_step *s = &res->steps[t];
        /* one batch for every engine: the reference's stepper draws it */
        gfl_stepper_draw(&sp[0]);
        const double *X = sp[0].X, *Y = sp[0].Y;
        if (hi.eng) {
            hj.batch = &sp[0];
            hj.st = GFL_OK;
            if (hi_pool)
                gfl_pool_start(hi_pool, hi_run, &hj); /* waited for below, or by the cleanup */
            else
                hi_run(&hj, 1, 1);
        }
        for (int p = 0; p < 2; p++) {
            double t0 = gfl_clock_seconds();
            if ((st = gfl_stepper_step(&sp[p], &sp[0], &info[p])) != GFL_OK)
                goto cleanup;
            res->seconds[p] += gfl_clock_seconds() - t0;
            sp[p].vt->decisions(sp[p].eng, c->n, relu[p], hinge[p]);
            sp[p].vt->store(sp[p].eng, a[p], W[p]);
        }
        s->t = t;
        s->selfcheck_bits = NAN;
        s->rel_a = gfl_compare_rel(a[0], a[1], m);
        s->rel_W = gfl_compare_rel(W[0], W[1], md);
        s->rel_loss = gfl_compare_rel(&info[0].batch_loss, &info[1].batch_loss, 1);
        for (size_t q = 0; q < nm; q++)
            s->relu_split += relu[0][q] != relu[1][q];
        for (size_t q = 0; q < n; q++)
            s->hinge_split += hinge[0][q] != hinge[1][q];
        double t0 = gfl_clock_seconds();
        /* decisions of step t were taken at the parameters before it */
        classify(c, test->bounds, X, Y, pb->b, pa[1], pW[1], pa[0], pW[0], t == 1 && c->prec >= 53, relu, hinge,
                 &w, s);
        res->seconds_check += gfl_clock_seconds() - t0;
        long amb = s->relu_ambiguous + s->hinge_ambiguous;
        int before = res->first_split_step == 0, split = s->relu_split || s->hinge_split;
        res->ambiguous_total += amb;
        res->unexplained_total += s->unexplained;
        if (s->unexplained && !res->first_unexplained_step)
            res->first_unexplained_step = t;
        if (before && split) {
            res->first_split_step = t;
            res->first_split_decisions = s->relu_split + s->hinge_split;
            res->first_split_unexplained = s->unexplained;
            res->explained = s->unexplained == 0;
        }
        if (before)
            res->ambiguous_before_split += amb;
        if (gfl_stepper_eval_due(c, t)) {
            double L[2], E[2];
            for (int p = 0; p < 2; p++) {
                double t1 = gfl_clock_seconds();
                if ((st = gfl_stepper_evaluate(&sp[p], &L[p], &E[p])) != GFL_OK)
                    goto cleanup;
                res->seconds[p] += gfl_clock_seconds() - t1;
                res->test_loss[p] = L[p];
                res->test_error[p] = E[p];
            }
            s->evaluated = 1;
            s->rel_test_loss = gfl_compare_rel(&L[0], &L[1], 1);
        }
        /* SPEC 9's tolerance applies before the first split.  At the split
         * step the batch loss is still comparable (an ambiguous decision moves
         * it by no more than its threshold), but the update took different
         * branches, so a, W and the test loss after it are not. */
        if (before) {
            res->max_rel_loss = max_nan(res->max_rel_loss, s->rel_loss);
            if (!split) {
                res->max_rel_a = max_nan(res->max_rel_a, s->rel_a);
                res->max_rel_W = max_nan(res->max_rel_W, s->rel_W);
                if (s->evaluated)
                    res->max_rel_loss = max_nan(res->max_rel_loss, s->rel_test_loss);
            }
        }
        if (hi.eng) {
            /* the self-check's step (started above), against the main run's
             * state, which the evaluation left as the step made it */
            t0 = gfl_clock_seconds();
            if (hi_pool)
                gfl_pool_wait(hi_pool);
            if ((st = hj.st) != GFL_OK ||
                (st = ref->agreement_bits(sp[0].eng, hi.eng, &s->selfcheck_bits)) != GFL_OK)
                goto cleanup;
            if (!(s->selfcheck_bits >= res->selfcheck_bits)) /* NaN-propagating min */
                res->selfcheck_bits = s->selfcheck_bits;
            res->seconds_check += gfl_clock_seconds() - t0;
        }
        memcpy(pa[0], a[0], m * sizeof(double));
        memcpy(pW[0], W[0], md * sizeof(double));
        memcpy(pa[1], a[1], m * sizeof(double));
        memcpy(pW[1], W[1], md * sizeof(double));
    }
    res->max_rel_diff = max_nan(res->max_rel_a, max_nan(res->max_rel_W, res->max_rel_loss));
    if (res->selfcheck_run)
        res->trusted = res->selfcheck_bits >= (double)(c->prec - GFL_COMPARE_CHECK_SLACK);
    decide(res);
cleanup:
    if (hi_pool) {
        gfl_pool_wait(hi_pool); /* a self-check step under way (after an error) */
        hj.clear = 1;
        gfl_pool_run(hi_pool, hi_run, &hj);
        gfl_pool_destroy(hi_pool);
    }
    for (int p = 0; p < 2; p++)
        gfl_stepper_clear(&sp[p]);
    gfl_stepper_clear(&hi);
    free(blk);
    free(dec);
    free(w.hb);
    free(w.P0);
    free(w.eps);
    if (st != GFL_OK) {
        free(res->steps);
        res->steps = NULL;
    }
    return st;
}

gfl_status gfl_compare_run(const gfl_problem *pb, const gfl_path *ref, const gfl_path *test,
                           gfl_compare_result *res)
{
    gfl_compare_opts o;
    gfl_compare_opts_default(&o);
    return gfl_compare_run_opts(pb, ref, test, &o, res);
}
