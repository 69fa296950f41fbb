#include "gfl_verify.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_path.h"
#include "gfl_problem.h"
#include "gfl_train.h"

/* Every bound below is a sum of non-negative terms evaluated in double with
 * rounding to nearest: its relative error is below gamma_N(2^-53) for N the
 * number of terms (< 2^20 here), far below this factor (docs/verify.md). */
#define BOUND_SAFETY (1.0 + 0x1p-20)
/* The reference state handed back by store() is rounded to double; the MPFR
 * value itself is within 2^-prec relative of Algorithm 1 (SPEC 9). */
#define REF_ROUND 0x1p-52
#define LN2 0.69314718055994530942

const char *gfl_verify_verdict_name(gfl_verify_verdict v) { return v == GFL_VERIFY_PASS ? "PASS" : "FAIL"; }

const char *gfl_vstep_status_name(gfl_vstep_status s)
{
    return s == GFL_VSTEP_OK ? "ok" : s == GFL_VSTEP_SPLIT ? "split" : "FAIL";
}

void gfl_verify_clear(gfl_verify_result *res)
{
    free(res->steps);
    memset(res, 0, sizeof *res);
}

/* gamma_k = k u / (1 - k u) (Higham, Accuracy and Stability, 3.1): the
 * relative error of any product of k factors (1 + delta), |delta| <= u. */
static double gam(double k, double u) { return k * u / (1.0 - k * u); }

/* Bounds of one step of Algorithm 1 as an outside implementation at unit
 * roundoff u computes it, around the reference step (docs/verify.md,
 * "The bound").  Inputs: the reference state (a, W) before the step, an
 * enclosure (Ea, EW) of the outside's state minus it (NULL: none), the
 * reference's decisions.  Outputs: the tight bound (B*: the reference's
 * branch at every decision) and the wide one (V*: either branch at an
 * ambiguous decision) on |outside - reference| after the step, and BL on the
 * batch loss. */
typedef struct {
    int n, m, d;
    double u;
    gfl_loss loss;
    double *hd, *sup, *ds;    /* n m: h in double, >= exact sigma(h), >= |sigma_out - sigma| */
    unsigned char *amb;       /* n m: ambiguous ReLU decisions */
    double *gabs, *gval, *dg; /* n: |g_k| of the reference, g_k, >= |g_out - g| */
    unsigned char *hamb;      /* n: ambiguous hinge decisions */
    double *ega, *wga, *gmag; /* m: bound on |ga_out - ga|, its widening, >= |ga| */
    double *Ba, *BW, *Va, *VW;
    double *rowmag;           /* d: scratch */
    const unsigned char *on;  /* the reference's ReLU decisions of the last bound_step */
    double BL;
    long relu_amb, hinge_amb;
} bnd;

static void bnd_free(bnd *B)
{
    free(B->hd);
    free(B->sup);
    free(B->ds);
    free(B->amb);
    free(B->gabs);
    free(B->gval);
    free(B->dg);
    free(B->hamb);
    free(B->ega);
    free(B->wga);
    free(B->gmag);
    free(B->Ba);
    free(B->BW);
    free(B->Va);
    free(B->VW);
    free(B->rowmag);
}

static int bnd_alloc(bnd *B, const gfl_config *c, double u)
{
    size_t n = (size_t)c->n, m = (size_t)c->m, md = m * (size_t)c->d;
    memset(B, 0, sizeof *B);
    B->n = c->n, B->m = c->m, B->d = c->d, B->u = u, B->loss = c->loss;
    B->hd = malloc(n * m * sizeof(double));
    B->sup = malloc(n * m * sizeof(double));
    B->ds = malloc(n * m * sizeof(double));
    B->amb = malloc(n * m);
    B->gabs = malloc(n * sizeof(double));
    B->gval = malloc(n * sizeof(double));
    B->dg = malloc(n * sizeof(double));
    B->hamb = malloc(n);
    B->ega = malloc(m * sizeof(double));
    B->wga = malloc(m * sizeof(double));
    B->gmag = malloc(m * sizeof(double));
    B->Ba = malloc(m * sizeof(double));
    B->Va = malloc(m * sizeof(double));
    B->BW = malloc(md * sizeof(double));
    B->VW = malloc(md * sizeof(double));
    B->rowmag = malloc((size_t)c->d * sizeof(double));
    return B->rowmag && B->hd && B->sup && B->ds && B->amb && B->gabs && B->gval && B->dg && B->hamb && B->ega &&
           B->wga && B->gmag && B->Ba && B->Va && B->BW && B->VW;
}

/* The forward pass, the loss derivative and the loss of each sample. */
static void bound_forward(bnd *B, const double *X, const double *Y, const double *b, const double *a,
                          const double *W, const double *Ea, const double *EW, const unsigned char *hinge_on,
                          double *sumL, double *sumdL)
{
    int n = B->n, m = B->m, d = B->d;
    double u = B->u, u53 = 0x1p-53;
    double gh = gam(d + 2.0, u), gme = gam(d + 1.0, u53), gm = gam(m, u), gmf = gam(m + 1.0, u53);
    *sumL = *sumdL = 0.0;
    B->relu_amb = B->hinge_amb = 0;
    for (int k = 0; k < n; k++) {
        const double *x = X + (size_t)k * d;
        double f = 0.0, fabs_ = 0.0, mef = 0.0, df = 0.0;
        for (int i = 0; i < m; i++) {
            const double *w = W + (size_t)i * d;
            double h = -b[i], S = fabs(b[i]), Dh = 0.0;
            for (int j = 0; j < d; j++) {
                double p = w[j] * x[j];
                h += p;
                S += fabs(p);
                if (EW)
                    Dh += EW[(size_t)i * d + j] * fabs(x[j]);
            }
            /* me: this double evaluation's own error; eh: the outside's
             * (d products, d + 1 terms, x and b rounded to its precision) */
            double me = gme * S, eh = gh * (S + Dh), E = Ea ? Ea[i] : 0.0;
            size_t q = (size_t)k * m + i;
            B->hd[q] = h;
            B->amb[q] = fabs(h) <= eh + Dh + me;
            B->relu_amb += B->amb[q];
            B->sup[q] = fmax(h, 0.0) + me;
            B->ds[q] = Dh + eh;
            double aa = fabs(a[i]) + E;
            f += a[i] * fmax(h, 0.0);
            fabs_ += fabs(a[i]) * B->sup[q];
            mef += fabs(a[i]) * me;
            df += aa * B->ds[q] + E * B->sup[q] + gm * aa * (B->sup[q] + B->ds[q]);
        }
        mef += gmf * fabs_;
        double z = Y[k] * f, lk, dl;
        if (B->loss == GFL_LOSS_HINGE) {
            B->gabs[k] = hinge_on[k] ? 1.0 : 0.0;
            B->gval[k] = hinge_on[k] ? -Y[k] : 0.0;
            B->dg[k] = 0.0;
            B->hamb[k] = fabs(1.0 - z) <= df + mef;
            lk = fmax(1.0 - z, 0.0) + mef;
            dl = df + gam(1.0, u) * (lk + df);
        } else {
            /* l'(z) = -1 / ((1 + e^z) ln 2), |l''| <= 1 / (4 ln 2); the outside's
             * l' and l carry at most 8 roundings (exp to 1 ulp counted twice) */
            double gl = -1.0 / ((1.0 + exp(z)) * LN2);
            B->gabs[k] = fabs(gl) * (1.0 + gam(8.0, u53)) + mef / (4.0 * LN2);
            B->gval[k] = gl * Y[k];
            B->dg[k] = (df + mef) / (4.0 * LN2) + gam(8.0, u) * B->gabs[k];
            B->hamb[k] = 0;
            lk = (z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z))) / LN2 * (1.0 + gam(8.0, u53)) + mef / LN2;
            dl = df / LN2 + gam(8.0, u) * (lk + 1.0);
        }
        B->hinge_amb += B->hamb[k];
        *sumL += lk;
        *sumdL += dl;
    }
}

static void bound_step(bnd *B, const double *X, const double *Y, const double *b, const double *a,
                       const double *W, const double *Ea, const double *EW, double eta, double lam,
                       int update_w, const unsigned char *relu_on, const unsigned char *hinge_on)
{
    int n = B->n, m = B->m, d = B->d;
    double u = B->u, sumL, sumdL;
    B->on = relu_on;
    bound_forward(B, X, Y, b, a, W, Ea, EW, hinge_on, &sumL, &sumdL);
    /* the mean: n - 1 additions and a division (or 1/n rounded and n products) */
    B->BL = (sumdL + gam(n + 3.0, u) * (sumL + sumdL)) / n;
    double gga = gam(n + 2.0, u), ggw = gam(n + 4.0, u), g7 = gam(7.0, u);
    double lamc = fabs(1.0 - eta * lam);
    for (int i = 0; i < m; i++) {
        double E = Ea ? Ea[i] : 0.0, aa = fabs(a[i]) + E;
        double e = 0.0, wide = 0.0, mag = 0.0;
        for (int k = 0; k < n; k++) {
            size_t q = (size_t)k * m + i;
            double gg = B->gabs[k] + B->dg[k], ss = B->sup[q] + B->ds[q];
            e += gga * gg * ss + B->gabs[k] * B->ds[q] + B->dg[k] * ss;
            mag += B->gabs[k] * B->sup[q];
            if (B->hamb[k])
                wide += ss * (1.0 + gga);
        }
        B->ega[i] = e / n;
        B->wga[i] = wide / n;
        B->gmag[i] = mag / n;
        /* a - eta (ga + lam a), or (1 - eta lam) a - eta ga: every term carries
         * at most 7 roundings (eta, lam or 1/eta1 converted, products, sums) */
        B->Ba[i] = lamc * E + eta * B->ega[i] +
                   g7 * (aa * (1.0 + eta * lam) + eta * (B->gmag[i] + B->ega[i]));
        B->Va[i] = B->Ba[i] + eta * B->wga[i];
        double *bw = B->BW + (size_t)i * d, *vw = B->VW + (size_t)i * d;
        for (int j = 0; j < d; j++)
            bw[j] = vw[j] = 0.0;
        double *mw = B->rowmag;
        for (int j = 0; j < d; j++)
            mw[j] = 0.0;
        for (int k = 0; k < n; k++) {
            size_t q = (size_t)k * m + i;
            double gg = B->gabs[k] + B->dg[k], wt = 0.0, wd = 0.0, mg = 0.0;
            if (relu_on[q]) {
                wt = ggw * gg * aa + B->dg[k] * aa + B->gabs[k] * E;
                mg = B->gabs[k] * fabs(a[i]);
            }
            if (B->amb[q])
                wd += gg * aa * (1.0 + ggw);
            if (B->hamb[k] && (relu_on[q] || B->amb[q]))
                wd += aa * (1.0 + ggw);
            if (wt == 0.0 && wd == 0.0 && mg == 0.0)
                continue;
            const double *x = X + (size_t)k * d;
            for (int j = 0; j < d; j++) {
                double ax = fabs(x[j]);
                bw[j] += wt * ax; /* the error of gW */
                vw[j] += wd * ax; /* its widening at ties */
                mw[j] += mg * ax; /* >= |gW| */
            }
        }
        for (int j = 0; j < d; j++) {
            size_t e2 = (size_t)i * d + j;
            double EWe = EW ? EW[e2] : 0.0;
            if (!update_w) {
                bw[j] = vw[j] = EWe; /* the outside must leave W as it was */
                continue;
            }
            double gw = bw[j] / n, ww = vw[j] / n, gmg = mw[j] / n;
            bw[j] = lamc * EWe + eta * gw * (1.0 + g7) +
                    g7 * ((fabs(W[e2]) + EWe) * (1.0 + eta * lam) + eta * (gmg + gw));
            vw[j] = bw[j] + eta * ww;
        }
    }
}

/* max |O - R| / bound over the entries, the entry where it is reached, and
 * the normwise figures max|O - R|, max|R|, max bound. */
typedef struct {
    double tight, wide;
    size_t worst;
    double diff, ref, bound;
} cmp_out;

static void compare_state(const double *O, const double *R, const double *B, const double *V, size_t len,
                          cmp_out *c)
{
    memset(c, 0, sizeof *c);
    for (size_t e = 0; e < len; e++) {
        double diff = fabs(O[e] - R[e]), slack = REF_ROUND * fabs(R[e]) + DBL_TRUE_MIN;
        double rt = diff / (B[e] * BOUND_SAFETY + slack), rw = diff / (V[e] * BOUND_SAFETY + slack);
        /* a non-finite reference or bound (an outside state so large that the
         * step overflows) certifies nothing: never within */
        if (!(rt >= 0.0) || isnan(R[e]))
            rt = INFINITY;
        if (!(rw >= 0.0) || isnan(R[e]))
            rw = INFINITY;
        if (rt > c->tight || e == 0) {
            c->tight = rt;
            c->worst = e;
        }
        c->wide = fmax(c->wide, rw);
        c->diff = fmax(c->diff, diff);
        c->ref = fmax(c->ref, fabs(R[e]));
        c->bound = fmax(c->bound, B[e]);
    }
}

/* A candidate defect model M fits the outside's O when every |O - M| is
 * within twice the tight bound of the correct step (computed around R) plus
 * the rounding the defect's own displacement |M - R| carries (gamma_{n+4}, as
 * a gradient).  A heuristic that names a defect, never a verdict. */
static int fits_model(const double *O, const double *M, const double *R, const double *B, size_t len,
                      double gmod)
{
    for (size_t e = 0; e < len; e++)
        if (!(fabs(O[e] - M[e]) <= 2.0 * B[e] * BOUND_SAFETY + 2.0 * REF_ROUND * fabs(M[e]) +
                                       gmod * fabs(M[e] - R[e]) + DBL_TRUE_MIN))
            return 0;
    return 1;
}

typedef struct {
    const gfl_dump *dp;
    const gfl_engine_vt *vt;
    gfl_config cfg;
    void *eng_d;                   /* the diagnosis engine, created on first use */
    double *ga, *gW, *Ma, *MW, *bb; /* gradient at the pre-step state, a model's state, scaled b */
} diag_ctx;

static gfl_status diag_gradient(diag_ctx *D, const double *pa, const double *pW, const double *X,
                                const double *Y)
{
    double L;
    if (!D->eng_d)
        GFL_TRY(D->vt->create(&D->eng_d, &D->cfg, D->cfg.n));
    GFL_TRY(D->vt->load(D->eng_d, pa, pW, D->dp->b));
    return D->vt->gradient(D->eng_d, X, Y, D->cfg.n, &L, D->ga, D->gW);
}

/* Fits O - R ~ -eta * s * v over len entries: s = -<r, v> / (eta <v, v>). */
static double fit_scale(const double *O, const double *R, const double *v, size_t len, double eta)
{
    double num = 0.0, den = 0.0;
    for (size_t e = 0; e < len; e++) {
        num += (O[e] - R[e]) * v[e];
        den += v[e] * v[e];
    }
    return den > 0.0 ? -num / (eta * den) : 0.0;
}

/* The known defects, tried in turn on the step where the trajectory left its
 * bound (docs/verify.md, "Diagnoses"): each is a model of what the outside
 * computed; the first whose prediction lies within twice the tight bound of
 * every entry is named. */
static gfl_status diagnose(diag_ctx *D, int t, const bnd *B, const double *X, const double *Y, double eta,
                           double lam, int update_w, const double *pa, const double *pW, const double *Ra,
                           const double *RW, const double *Oa, const double *OW, int split_only, char *out,
                           size_t len)
{
    const gfl_config *c = &D->cfg;
    size_t m = (size_t)c->m, d = (size_t)c->d, md = m * d;
    int n = c->n;
    double gmod = gam(n + 4.0, B->u);
    int a_ok = fits_model(Oa, Ra, Ra, B->Ba, m, gmod), W_ok = fits_model(OW, RW, RW, B->BW, md, gmod);
    /* sigma'(0) = 1 or l'(1) = -1: the other branch at ambiguous decisions */
    for (int pass = 0; pass < 2; pass++) {
        long cnt = 0;
        memcpy(D->Ma, Ra, m * sizeof(double));
        memcpy(D->MW, RW, md * sizeof(double));
        for (int k = 0; k < n; k++) {
            const double *x = X + (size_t)k * d;
            int hinge_tie = pass == 1 && B->hamb[k] && B->gval[k] == 0.0;
            double gk = hinge_tie ? -Y[k] : B->gval[k];
            cnt += hinge_tie;
            for (size_t i = 0; i < m; i++) {
                size_t q = (size_t)k * m + i;
                int on = B->on[q];
                int relu_tie = pass == 0 && B->amb[q] && !on;
                if (hinge_tie)
                    D->Ma[i] -= eta * gk * fmax(B->hd[q], 0.0) / n;
                if (relu_tie || (hinge_tie && on)) {
                    cnt += relu_tie;
                    for (size_t j = 0; update_w && j < d; j++)
                        D->MW[i * d + j] -= eta * gk * pa[i] * x[j] / n;
                }
            }
        }
        if (cnt && fits_model(Oa, D->Ma, Ra, B->Ba, m, gmod) && fits_model(OW, D->MW, RW, B->BW, md, gmod)) {
            if (pass == 0)
                snprintf(out, len, "fits sigma'(0) = 1 at %ld tied ReLU pre-activation(s) at step %d "
                         "(SPEC 1: sigma'(0) = 0)", cnt, t);
            else
                snprintf(out, len, "fits l'(1) = -1 at %ld hinge margin(s) equal to 1 at step %d "
                         "(SPEC 1: l'(1) = 0; e.g. clamp(1 - z, min=0) in PyTorch)", cnt, t);
            return GFL_OK;
        }
    }
    if (split_only)
        return GFL_OK;
    GFL_TRY(diag_gradient(D, pa, pW, X, Y));
    /* a-gradient off by a constant factor: a_out = R - eta (s - 1) ga */
    double s = fit_scale(Oa, Ra, D->ga, m, eta);
    for (size_t i = 0; i < m; i++)
        D->Ma[i] = Ra[i] - eta * s * D->ga[i];
    if (W_ok && s != 0.0 && fits_model(Oa, D->Ma, Ra, B->Ba, m, gmod)) {
        snprintf(out, len, "a-gradient off by a constant factor: step %d fits %.6g x grad_a L", t, 1.0 + s);
        return GFL_OK;
    }
    s = update_w ? fit_scale(OW, RW, D->gW, md, eta) : 0.0;
    for (size_t e = 0; e < md; e++)
        D->MW[e] = RW[e] - eta * s * D->gW[e];
    if (a_ok && s != 0.0 && fits_model(OW, D->MW, RW, B->BW, md, gmod)) {
        snprintf(out, len, "W-gradient off by a constant factor: step %d fits %.6g x grad_W L", t, 1.0 + s);
        return GFL_OK;
    }
    /* a different weight decay on a and W: O - R = -eta (lam' - lam) prev */
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < m; i++)
        num += (Oa[i] - Ra[i]) * pa[i], den += pa[i] * pa[i];
    for (size_t e = 0; update_w && e < md; e++)
        num += (OW[e] - RW[e]) * pW[e], den += pW[e] * pW[e];
    s = den > 0.0 ? -num / (eta * den) : 0.0;
    for (size_t i = 0; i < m; i++)
        D->Ma[i] = Ra[i] - eta * s * pa[i];
    for (size_t e = 0; e < md; e++)
        D->MW[e] = RW[e] - (update_w ? eta * s * pW[e] : 0.0);
    if (s != 0.0 && fits_model(Oa, D->Ma, Ra, B->Ba, m, gmod) && fits_model(OW, D->MW, RW, B->BW, md, gmod)) {
        if (t == 1)
            snprintf(out, len, "first-step decay not 1/eta1: step 1 fits lam1 = %.6g (expected %.6g)", lam + s,
                     lam);
        else
            snprintf(out, len, "weight decay off: step %d fits lam = %.6g (expected %.6g)", t, lam + s, lam);
        return GFL_OK;
    }
    /* weight decay applied to b: b^(t-1) = b prod_{s < t} (1 - eta_s lam_s) */
    if (t >= 2) {
        double f = 1.0, e1, l1;
        int li, uw;
        for (int r = 1; r < t; r++) {
            gfl_train_step_params(c, r, &e1, &l1, &li, &uw);
            f *= 1.0 - e1 * l1;
        }
        for (size_t i = 0; i < m; i++)
            D->bb[i] = D->dp->b[i] * f;
        gfl_step_info info;
        int lam_inv;
        double e2, l2;
        gfl_train_step_params(c, t, &e2, &l2, &lam_inv, &uw);
        GFL_TRY(D->vt->load(D->eng_d, pa, pW, D->bb));
        GFL_TRY(D->vt->step(D->eng_d, X, Y, n, e2, l2, lam_inv, uw, &info));
        D->vt->store(D->eng_d, D->Ma, D->MW);
        if (fits_model(Oa, D->Ma, Ra, B->Ba, m, gmod) && fits_model(OW, D->MW, RW, B->BW, md, gmod)) {
            snprintf(out, len, "weight decay applied to b: step %d fits b scaled by %.6g", t, f);
            return GFL_OK;
        }
    }
    snprintf(out, len, "no known defect fits step %d%s", t,
             a_ok ? " (a within its bound: look at the W update)"
                  : W_ok ? " (W within its bound: look at the a update)" : "");
    return GFL_OK;
}


static double rel(const double *r, const double *o, size_t len)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < len; i++) {
        num = fmax(num, fabs(r[i] - o[i]));
        den = fmax(den, fabs(r[i]));
    }
    return den > 0.0 ? num / den : num;
}

static double max_abs(const double *v, size_t len)
{
    double mx = 0.0;
    for (size_t i = 0; i < len; i++)
        mx = fmax(mx, fabs(v[i]));
    return mx;
}

static int within(const double *O, const double *F, const double *E, size_t len)
{
    for (size_t e = 0; e < len; e++)
        if (!(fabs(O[e] - F[e]) <= E[e] * BOUND_SAFETY + REF_ROUND * fabs(F[e]) + DBL_TRUE_MIN))
            return 0;
    return 1;
}

/* Records the local comparison of listed step t against the replay R. */
static void judge(gfl_verify_result *res, gfl_verify_step *vs, const bnd *B, size_t m, size_t md,
                  const double *Oa, const double *OW, const double *Ra, const double *RW, double Lo, double Lr)
{
    cmp_out ca, cw;
    compare_state(Oa, Ra, B->Ba, B->Va, m, &ca);
    compare_state(OW, RW, B->BW, B->VW, md, &cw);
    vs->local_a = ca.tight;
    vs->local_W = cw.tight;
    vs->local_wide = fmax(ca.wide, cw.wide);
    vs->local_loss = NAN;
    if (!isnan(Lo)) {
        vs->local_loss = fabs(Lo - Lr) / (B->BL * BOUND_SAFETY + REF_ROUND * fabs(Lr) + DBL_TRUE_MIN);
        if (!(vs->local_loss >= 0.0))
            vs->local_loss = INFINITY;
    }
    double refmax = fmax(ca.ref, cw.ref);
    vs->rel_local = refmax > 0 ? fmax(ca.diff, cw.diff) / refmax : fmax(ca.diff, cw.diff);
    vs->tol_local = refmax > 0 ? fmax(ca.bound, cw.bound) / refmax : fmax(ca.bound, cw.bound);
    vs->relu_ambiguous = B->relu_amb;
    vs->hinge_ambiguous = B->hinge_amb;
    double tight = fmax(vs->local_a, vs->local_W);
    int loss_bad = !isnan(vs->local_loss) && !(vs->local_loss <= 1.0);
    vs->status = (tight <= 1.0 && !loss_bad) ? GFL_VSTEP_OK
                 : (vs->local_wide <= 1.0 && !loss_bad) ? GFL_VSTEP_SPLIT : GFL_VSTEP_FAIL;
    res->max_local = fmax(res->max_local, fmax(tight, isnan(vs->local_loss) ? 0.0 : vs->local_loss));
    if (vs->status == GFL_VSTEP_FAIL && res->first_fail_step < 0) {
        res->first_fail_step = vs->t;
        if (!(fmax(ca.wide, cw.wide) <= 1.0)) {
            int isa = ca.wide >= cw.wide;
            size_t e = isa ? ca.worst : cw.worst;
            double o = isa ? Oa[e] : OW[e], r = isa ? Ra[e] : RW[e];
            double bd = isa ? B->Va[e] : B->VW[e];
            if (isa)
                snprintf(res->first_fail_entry, sizeof res->first_fail_entry, "a[%zu]", e);
            else
                snprintf(res->first_fail_entry, sizeof res->first_fail_entry, "W[%zu][%zu]", e / (md / m),
                         e % (md / m));
            snprintf(res->first_fail_entry + strlen(res->first_fail_entry),
                     sizeof res->first_fail_entry - strlen(res->first_fail_entry),
                     ": outside %.9g, reference %.9g, |difference| %.3g > bound %.3g", o, r, fabs(o - r), bd);
        } else {
            snprintf(res->first_fail_entry, sizeof res->first_fail_entry,
                     "batch loss: outside %.9g, reference %.9g, |difference| %.3g > bound %.3g", Lo, Lr,
                     fabs(Lo - Lr), B->BL);
        }
    }
    if (vs->status == GFL_VSTEP_SPLIT && !res->first_split_step)
        res->first_split_step = vs->t;
    res->ambiguous_total += B->relu_amb + B->hinge_amb;
}

/* The instance as a stepper sees it: the dump's configuration, the given
 * initialization and the dump's b (the stepper only reads them). */
static void dump_view(const gfl_dump *dp, const gfl_config *cfg, const double *a0, const double *W0,
                      gfl_problem *pb)
{
    memset(pb, 0, sizeof *pb);
    pb->cfg = *cfg;
    pb->a0 = (double *)a0;
    pb->W0 = (double *)W0;
    pb->b = dp->b;
}

/* Step t of Algorithm 1 on the dump's batch: its parameters and batch as a
 * stepper that drew them (the `batch` of gfl_stepper_step), so that the
 * replay runs the one stepper on the instance the outside program read. */
static void dump_draw(const gfl_dump *dp, const gfl_config *cfg, int t, gfl_stepper *h)
{
    memset(h, 0, sizeof *h);
    h->next = t;
    gfl_train_step_params(cfg, t, &h->eta, &h->lam, &h->lam_inv_eta, &h->update_w);
    h->X = (double *)gfl_dump_X(dp, t);
    h->Y = (double *)gfl_dump_Y(dp, t);
}

gfl_status gfl_verify_run(const gfl_dump *dp, const gfl_traj *tr, const gfl_path *ref_path,
                          gfl_verify_result *res)
{
    const gfl_engine_vt *ref = ref_path->engine;
    gfl_config cfg = dp->cfg;
    size_t m = (size_t)cfg.m, md = m * (size_t)cfg.d, n = (size_t)cfg.n;
    gfl_stepper sl, sg; /* the local replay (re-anchored) and the reference trajectory */
    gfl_problem vl, vg;
    gfl_status st = GFL_OK;
    memset(&sl, 0, sizeof sl);
    memset(&sg, 0, sizeof sg);
    if (!ref)
        GFL_ERROR(GFL_EINVAL, "verify: the reference path '%s' has no engine", ref_path->name);
    bnd B;
    diag_ctx D = {dp, ref, cfg, NULL, NULL, NULL, NULL, NULL, NULL};
    double t0 = gfl_clock_seconds();
    memset(res, 0, sizeof *res);
    res->T = cfg.T;
    res->S = tr->S;
    res->u = tr->u;
    res->float32 = tr->float32;
    res->prec = cfg.prec;
    res->first_fail_step = -1;
    res->drift_within = 1;
    int ok = bnd_alloc(&B, &cfg, tr->u);
    res->steps = calloc((size_t)tr->S, sizeof *res->steps);
    double *blk = malloc((6 * m + 6 * md) * sizeof(double));
    unsigned char *dec = malloc(n * m + n);
    D.ga = malloc(m * sizeof(double));
    D.gW = malloc(md * sizeof(double));
    D.Ma = malloc(m * sizeof(double));
    D.MW = malloc(md * sizeof(double));
    D.bb = malloc(m * sizeof(double));
    if (!ok || !res->steps || !blk || !dec || !D.ga || !D.gW || !D.Ma || !D.MW || !D.bb) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the verification");
        goto cleanup;
    }
    double *pa = blk, *ra = pa + m, *Ea = ra + m, *Ga = Ea + m, *fa = Ga + m, *a0u = fa + m;
    double *pW = a0u + m, *rW = pW + md, *EW = rW + md, *GW = EW + md, *fW = GW + md, *W0u = fW + md;
    unsigned char *relu_on = dec, *hinge_on = dec + n * m;
    /* the outside's state at step 0: the dump's a0, W0 in its precision */
    for (size_t i = 0; i < m; i++)
        a0u[i] = tr->float32 ? (double)(float)dp->a0[i] : dp->a0[i];
    for (size_t e = 0; e < md; e++)
        W0u[e] = tr->float32 ? (double)(float)dp->W0[e] : dp->W0[e];
    for (size_t i = 0; i < m; i++)
        Ga[i] = fabs(a0u[i] - dp->a0[i]);
    for (size_t e = 0; e < md; e++)
        GW[e] = fabs(W0u[e] - dp->W0[e]);
    memset(Ea, 0, m * sizeof(double));
    memset(EW, 0, md * sizeof(double));
    int s = 0, gap = 0, last = tr->steps[tr->S - 1];
    const double *anc_a = a0u, *anc_W = W0u;
    if (tr->steps[0] == 0) {
        /* step 0 must be a0, W0 rounded to the declared precision: compared
         * with that rounding, within u |a0| (another rounding direction) */
        gfl_verify_step *vs = &res->steps[0];
        const double *Oa = tr->a, *OW = tr->W;
        for (size_t i = 0; i < m; i++)
            B.Ba[i] = B.Va[i] = tr->u * fabs(dp->a0[i]);
        for (size_t e = 0; e < md; e++)
            B.BW[e] = B.VW[e] = tr->u * fabs(dp->W0[e]);
        B.relu_amb = B.hinge_amb = 0;
        judge(res, vs, &B, m, md, Oa, OW, a0u, W0u, NAN, NAN);
        vs->rel_a = rel(dp->a0, Oa, m);
        vs->rel_W = rel(dp->W0, OW, md);
        vs->rel_loss = NAN;
        vs->tol_a = vs->tol_W = tr->u;
        vs->within = vs->status == GFL_VSTEP_OK;
        res->drift_within &= vs->within;
        anc_a = Oa;
        anc_W = OW;
        s = 1;
    }
    dump_view(dp, &cfg, anc_a, anc_W, &vl);
    dump_view(dp, &cfg, dp->a0, dp->W0, &vg);
    if ((st = gfl_stepper_init(&sl, ref, &vl, NULL, cfg.n)) != GFL_OK ||
        (st = gfl_stepper_init(&sg, ref, &vg, NULL, cfg.n)) != GFL_OK)
        goto cleanup;
    for (int t = 1; t <= last; t++) {
        gfl_stepper h;
        gfl_step_info il, ig;
        dump_draw(dp, &cfg, t, &h);
        const double *X = h.X, *Y = h.Y;
        double eta = h.eta, lam = h.lam;
        int update_w = h.update_w;
        /* local: from the outside's previous listed state (or the replay since it) */
        ref->store(sl.eng, pa, pW);
        if ((st = gfl_stepper_step(&sl, &h, &il)) != GFL_OK)
            goto cleanup;
        ref->decisions(sl.eng, cfg.n, relu_on, hinge_on);
        ref->store(sl.eng, ra, rW);
        bound_step(&B, X, Y, dp->b, pa, pW, gap ? Ea : NULL, gap ? EW : NULL, eta, lam, update_w, relu_on,
                   hinge_on);
        gap++;
        int listed = s < tr->S && tr->steps[s] == t;
        const double *Oa = listed ? tr->a + (size_t)s * m : NULL, *OW = listed ? tr->W + (size_t)s * md : NULL;
        gfl_verify_step *vs = listed ? &res->steps[s] : NULL;
        if (listed) {
            vs->t = t;
            vs->gap = gap;
            int failed_before = res->first_fail_step >= 0, split_before = res->first_split_step != 0;
            judge(res, vs, &B, m, md, Oa, OW, ra, rW, tr->loss ? tr->loss[s] : NAN, il.batch_loss);
            int new_fail = !failed_before && res->first_fail_step == t;
            int new_split = !split_before && res->first_split_step == t;
            if ((new_fail || (new_split && !res->diagnosis[0])) &&
                (st = diagnose(&D, t, &B, X, Y, eta, lam, update_w, pa, pW, ra, rW, Oa, OW, !new_fail,
                               res->diagnosis, sizeof res->diagnosis)) != GFL_OK)
                goto cleanup;
            if ((st = ref->load(sl.eng, Oa, OW, dp->b)) != GFL_OK) /* re-anchored at the outside's state */
                goto cleanup;
            gap = 0;
        } else {
            memcpy(Ea, B.Va, m * sizeof(double));
            memcpy(EW, B.VW, md * sizeof(double));
        }
        /* drift: the reference trajectory and the enclosure around it */
        ref->store(sg.eng, pa, pW);
        if ((st = gfl_stepper_step(&sg, &h, &ig)) != GFL_OK)
            goto cleanup;
        ref->decisions(sg.eng, cfg.n, relu_on, hinge_on);
        ref->store(sg.eng, fa, fW);
        bound_step(&B, X, Y, dp->b, pa, pW, Ga, GW, eta, lam, update_w, relu_on, hinge_on);
        memcpy(Ga, B.Va, m * sizeof(double));
        memcpy(GW, B.VW, md * sizeof(double));
        if (listed) {
            vs->rel_a = rel(fa, Oa, m);
            vs->rel_W = rel(fW, OW, md);
            vs->rel_loss = tr->loss ? rel(&ig.batch_loss, &tr->loss[s], 1) : NAN;
            double fam = max_abs(fa, m), fWm = max_abs(fW, md);
            vs->tol_a = fam > 0 ? max_abs(Ga, m) / fam : max_abs(Ga, m);
            vs->tol_W = fWm > 0 ? max_abs(GW, md) / fWm : max_abs(GW, md);
            vs->within = within(Oa, fa, Ga, m) && within(OW, fW, GW, md);
            res->drift_within &= vs->within;
            s++;
        }
    }
    res->verdict = GFL_VERIFY_PASS;
    if (res->first_fail_step >= 0) {
        res->verdict = GFL_VERIFY_FAIL;
        gfl_reason_add(res->reason, sizeof res->reason, "step %d outside its bound, unexplained by ties: %s", res->first_fail_step,
                   res->first_fail_entry);
    }
    if (!(res->max_local < INFINITY) && res->verdict == GFL_VERIFY_PASS) {
        res->verdict = GFL_VERIFY_FAIL;
        gfl_reason_add(res->reason, sizeof res->reason, "a difference could not be bounded");
    }
cleanup:
    res->seconds = gfl_clock_seconds() - t0;
    gfl_stepper_clear(&sl);
    gfl_stepper_clear(&sg);
    if (D.eng_d)
        ref->destroy(D.eng_d);
    bnd_free(&B);
    free(blk);
    free(dec);
    free(D.ga);
    free(D.gW);
    free(D.Ma);
    free(D.MW);
    free(D.bb);
    if (st != GFL_OK) {
        free(res->steps);
        res->steps = NULL;
    }
    return st;
}
