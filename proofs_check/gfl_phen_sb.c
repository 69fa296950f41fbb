/* Simplicity bias (SPEC 8; Shah et al. 2020, LMS-5): train on slabs, then
 * test accuracy clean, with the linear coordinate permuted across the test
 * set, and with every slab coordinate permuted (in the unrotated basis). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_phen_util.h"
#include "gfl_problem.h"
#include "gfl_rng.h"


/* Permutes, across the test set, coordinate j of z (in the unrotated basis)
 * for every j with sel[j], then rotates back. */
static void randomize(const gfl_problem *pb, const double *X, int n, const int *sel, uint64_t tag, double *Xout)
{
    int d = pb->cfg.d;
    double *Z = malloc((size_t)n * d * sizeof(double));
    int *perm = malloc((size_t)n * sizeof(int));
    double *col = malloc((size_t)n * sizeof(double));
    if (!Z || !perm || !col) {
        free(Z), free(perm), free(col);
        memcpy(Xout, X, (size_t)n * d * sizeof(double));
        return;
    }
    for (int k = 0; k < n; k++)
        gfl_slabs_unrotate(pb, X + (size_t)k * d, Z + (size_t)k * d);
    gfl_rng r;
    gfl_rng_init(&r, pb->cfg.seed, GFL_STREAM_MC, 0xB1A5, tag);
    for (int j = 0; j < d; j++) {
        if (!sel[j])
            continue;
        for (int k = 0; k < n; k++)
            perm[k] = k;
        for (int k = n - 1; k > 0; k--) { /* Fisher-Yates */
            int q = (int)gfl_rng_below(&r, (uint64_t)k + 1), tmp = perm[k];
            perm[k] = perm[q], perm[q] = tmp;
        }
        for (int k = 0; k < n; k++)
            col[k] = Z[(size_t)perm[k] * d + j];
        for (int k = 0; k < n; k++)
            Z[(size_t)k * d + j] = col[k];
    }
    for (int k = 0; k < n; k++)
        gfl_slabs_rotate(pb, Z + (size_t)k * d, Xout + (size_t)k * d);
    free(Z), free(perm), free(col);
}

gfl_status gfl_phen_simplicity_bias(const gfl_phen_opts *o, gfl_phen_result *r)
{
    int nseeds = 5, d = o->quick ? 20 : 50, m = o->quick ? 128 : 512, T = o->quick ? 200 : 1000;
    double acc[3][16], lin_top[16];
    gfl_status st = GFL_OK;
    for (int s = 0; s < nseeds && st == GFL_OK; s++) {
        gfl_config cfg = gfl_phen_config(GFL_CASE_SLABS, d, m, 512, T, o->seed0 + (uint64_t)s);
        cfg.sigma_a = 4.0;
        cfg.eta = 0.1;
        gfl_phen_model md;
        gfl_problem pb;
        if ((st = gfl_phen_train(o->path, &cfg, NULL, NULL, NULL, &md)) != GFL_OK)
            break;
        if ((st = gfl_problem_init(&pb, &cfg)) != GFL_OK) {
            gfl_phen_model_clear(&md);
            break;
        }
        int nt = cfg.n_test, sel[4096];
        double *Xr = malloc((size_t)nt * d * sizeof(double)), err;
        if (!Xr) {
            GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        } else {
            acc[0][s] = 1.0 - md.test_error;
            for (int v = 1; v < 3 && st == GFL_OK; v++) {
                for (int j = 0; j < d; j++)
                    sel[j] = v == 1 ? j == 0 : j > 0;
                randomize(&pb, md.Xtest, nt, sel, (uint64_t)v, Xr);
                st = gfl_phen_error(o->path, &cfg, m, md.a, md.W, md.b, Xr, md.Ytest, nt, &err);
                acc[v][s] = 1.0 - err;
            }
            /* share of the top right singular direction of W^(1) along R_1 */
            double v1[4096];
            if (st == GFL_OK && (st = gfl_phen_top_direction(md.W1, m, d, v1)) == GFL_OK) {
                double c = 0;
                for (int j = 0; j < d; j++)
                    c += v1[j] * pb.U[j];
                lin_top[s] = fabs(c);
            }
        }
        gfl_phen_log(o, "  simplicity-bias seed %d: clean %.4f lin-rand %.4f slab-rand %.4f top.R1 %.3f\n", s,
                     acc[0][s], acc[1][s], acc[2][s], lin_top[s]);
        free(Xr);
        gfl_problem_clear(&pb);
        gfl_phen_model_clear(&md);
    }
    GFL_TRY(st);
    static const char *const names[3] = {"clean", "linear_randomized", "slabs_randomized"};
    static const double anchor[3] = {1.000, 0.507, 1.000}, expect[3] = {1.0, 0.5, 1.0};
    gfl_phen_ci ci[3], ct;
    gfl_phen_md w;
    GFL_TRY(gfl_phen_md_open(&w, r));
    r->json = json_pack("{s:i,s:i,s:i,s:i,s:f,s:f}", "d", d, "m", m, "T", T, "seeds", nseeds, "sigma_a", 4.0,
                        "eta", 0.1);
    fprintf(w.f, "| test accuracy | measured | anchor (Shah et al.) |\n| --- | --- | --- |\n");
    int ok = 1;
    for (int v = 0; v < 3; v++) {
        char t[64];
        gfl_phen_interval(acc[v], nseeds, &ci[v]);
        gfl_phen_ci_text(t, sizeof t, &ci[v]);
        json_object_set_new(r->json, names[v], gfl_phen_ci_json(&ci[v]));
        fprintf(w.f, "| %s | %s | %.3f |\n", names[v], t, anchor[v]);
        if (!o->quick)
            ok &= ci[v].lo >= expect[v] - 0.05 && ci[v].hi <= expect[v] + 0.05;
    }
    gfl_phen_interval(lin_top, nseeds, &ct);
    json_object_set_new(r->json, "top_direction_along_linear", gfl_phen_ci_json(&ct));
    fprintf(w.f, "\n|<v_1(W^(1)), R_1>| (top right singular vector of W^(1) against the linear coordinate): "
                 "%.4f [%.4f, %.4f]\n", ct.mean, ct.lo, ct.hi);
    if (o->quick) /* direction: the linear coordinate carries the decision, the slabs do not */
        ok = ci[0].mean - ci[1].mean >= 0.2 && ci[2].mean - ci[1].mean >= 0.2;
    if (o->figdir) {
        char path[4096];
        double v[3] = {ci[0].mean, ci[1].mean, ci[2].mean};
        gfl_plot_opts po = {"simplicity bias: slabs (LMS-5), test accuracy", "", "accuracy", 0};
        if ((st = gfl_io_join(path, sizeof path, o->figdir, "simplicity_bias.png")) == GFL_OK)
            st = gfl_plot_bars(path, &po, names, v, 3);
        fprintf(w.f, "\nFigure: simplicity_bias.png.\n");
    }
    gfl_phen_md_close(&w);
    r->reproduced = ok;
    return st;
}

