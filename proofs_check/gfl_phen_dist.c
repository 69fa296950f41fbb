/* Different data distributions (SPEC 8): the parity mixture p structured +
 * (1 - p) uniform; final error, first-step mass in span(e_A) and |G_Z| vs p. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_phen_util.h"
#include "gfl_problem.h"


gfl_status gfl_phen_distributions(const gfl_phen_opts *o, gfl_phen_result *r)
{
    static const double pf[] = {0, 0.05, 0.1, 0.25, 0.5}, pq[] = {0, 0.5};
    const double *ps = o->quick ? pq : pf;
    int np = o->quick ? 2 : 5, nseeds = 5, d = o->quick ? 16 : 32, m = o->quick ? 128 : 512,
        T = o->quick ? 150 : 400, n = o->quick ? 256 : 512, k = 3;
    double err[5][16], mass[5][16], gn[5][16];
    gfl_status st = GFL_OK;
    for (int i = 0; i < np && st == GFL_OK; i++)
        for (int s = 0; s < nseeds && st == GFL_OK; s++) {
            gfl_config cfg = gfl_phen_config(GFL_CASE_PARITY, d, m, n, T, o->seed0 + (uint64_t)s);
            cfg.p_struct = ps[i];
            gfl_phen_model md;
            if ((st = gfl_phen_train(o->path, &cfg, NULL, NULL, NULL, &md)) != GFL_OK)
                break;
            /* A = first k coordinates; mass of W^(1) in span(e_A); |G_Z| = |w_i^(1)| / (eta1 |a_i^(0)|)
             * by the first-step identity (lam1 = 1/eta1, hinge: l'(0) = -1) */
            double in = 0, tot = 0, g = 0;
            for (int q = 0; q < m; q++) {
                double nq = 0;
                for (int j = 0; j < d; j++) {
                    double wq = md.W1[(size_t)q * d + j];
                    nq += wq * wq;
                    if (j < k)
                        in += wq * wq;
                }
                tot += nq;
                g += sqrt(nq) / (cfg.eta1 * fabs(md.a0[q])) / m;
            }
            err[i][s] = md.test_error;
            mass[i][s] = tot > 0 ? in / tot : NAN;
            gn[i][s] = g;
            gfl_phen_model_clear(&md);
        }
    GFL_TRY(st);
    gfl_phen_md w;
    GFL_TRY(gfl_phen_md_open(&w, r));
    json_t *rows = json_array();
    r->json = json_pack("{s:i,s:i,s:i,s:i,s:i,s:f,s:o}", "d", d, "m", m, "T", T, "seeds", nseeds, "k", k,
                        "isotropic_mass", (double)k / d, "points", rows);
    fprintf(w.f, "| p | test error | first-step mass in span(e_A) | mean \\|G_Z\\| |\n| --- | --- | --- | --- |\n");
    gfl_phen_ci ce[5], cm[5], cg[5];
    double x[5], ye[5], ym[5], yg[5];
    for (int i = 0; i < np; i++) {
        char a[64], b[64], c[64];
        gfl_phen_interval(err[i], nseeds, &ce[i]);
        gfl_phen_interval(mass[i], nseeds, &cm[i]);
        gfl_phen_interval(gn[i], nseeds, &cg[i]);
        gfl_phen_ci_text(a, sizeof a, &ce[i]);
        gfl_phen_ci_text(b, sizeof b, &cm[i]);
        gfl_phen_ci_text(c, sizeof c, &cg[i]);
        fprintf(w.f, "| %g | %s | %s | %s |\n", ps[i], a, b, c);
        json_array_append_new(rows, json_pack("{s:f,s:o,s:o,s:o}", "p", ps[i], "error", gfl_phen_ci_json(&ce[i]),
                                              "mass", gfl_phen_ci_json(&cm[i]), "G_norm", gfl_phen_ci_json(&cg[i])));
        x[i] = ps[i], ye[i] = ce[i].mean, ym[i] = cm[i].mean, yg[i] = cg[i].mean;
    }
    fprintf(w.f, "\nIsotropic mass k/d = %.4f.\n", (double)k / d);
    int ok;
    if (o->quick)
        ok = ce[0].mean - ce[1].mean >= 0.1 && cm[1].mean - cm[0].mean >= 0.1;
    else /* error near 0 at p >= 0.25, high at p = 0; mass rising from k/d */
        ok = ce[3].hi <= 0.05 && ce[4].hi <= 0.05 && ce[0].lo >= 0.20 && cm[4].lo >= cm[0].hi + 0.3 &&
             cm[0].lo <= 2.0 * k / d;
    if (o->figdir) {
        gfl_plot_series se[1] = {{"test error", x, ye, np, "linespoints"}};
        gfl_plot_series sm[2] = {{"mass in span(e_A)", x, ym, np, "linespoints"},
                                 {"mean |G_Z| (first step)", x, yg, np, "linespoints"}};
        gfl_plot_opts pe = {"parity mixture: test error vs p", "p (structured weight)", "test 0-1 error", 0};
        gfl_plot_opts pm = {"parity mixture: first-step gradient features vs p", "p (structured weight)", "", 0};
        st = gfl_phen_figure(o, "distributions_error.png", &pe, se, 1);
        if (st == GFL_OK)
            st = gfl_phen_figure(o, "distributions_features.png", &pm, sm, 2);
        fprintf(w.f, "\nFigures: distributions_error.png, distributions_features.png.\n");
    }
    gfl_phen_md_close(&w);
    r->reproduced = ok;
    return st;
}
