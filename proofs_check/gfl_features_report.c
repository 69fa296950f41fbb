/* The gradient features' report model: console text, JSON and figure of
 * `gfl features` (gfl_features_report.h). */
#include "gfl_features_report.h"

#include <math.h>
#include <stdio.h>

#include "gfl_output.h"
#include "gfl_plot.h"
#include "gfl_report.h"

void gfl_features_print(const gfl_config *cfg, const gfl_witness *wit, const gfl_features_result *r,
                         const char *path)
{
    const gfl_features_params *fp = &r->fp;
    printf("gfl features: case %s, path %s, seed %llu (d=%d m=%d n=%d)\n", gfl_case_name(cfg->case_id),
           path, (unsigned long long)cfg->seed, cfg->d, cfg->m, cfg->n);
    printf("oracles: G %s, B_x1 %s, B_x2 %s, L_D %s\n",
           gfl_oracle_kind_name(gfl_oracle_kind_of(cfg->case_id, GFL_Q_G)),
           gfl_oracle_kind_name(r->mom.kind_Bx1), gfl_oracle_kind_name(r->mom.kind_Bx2),
           gfl_oracle_kind_name(gfl_oracle_kind_of(cfg->case_id, GFL_Q_LOSS)));
    printf("B_x1 = %.6g (Monte Carlo E|x| = %.6g +- %.2g), B_x2 = %.6g\n", r->mom.Bx1, r->mom.Bx1_mc,
           r->mom.Bx1_se, r->mom.Bx2);
    printf("|G(w,b)| over %d init draws: median %.4g, max %.4g\n", fp->n_init, r->G_norm_median,
           r->G_norm_max);
    if (cfg->case_id == GFL_CASE_PARITY_UNIFORM)
        printf("contrast: median |G| is %.3g here vs %.3g for the structured parity at the same d, k and "
               "draws (%.0fx smaller): the first step carries almost no signal (SPEC 8)\n",
               r->G_norm_median, r->contrast_G_median, r->contrast_G_median / r->G_norm_median);
    printf("witness features in S(p=%g, gamma=%g, B_G=%g), Clopper-Pearson %g%%:\n", fp->p, fp->gamma,
           fp->B_G, 100 * fp->level);
    for (int f = 0; f < r->nfeat; f++) {
        const gfl_feature_stat *s = &r->feat[f];
        int rep = wit->feat_rep[f];
        printf("  feature %d (neuron %d, sign %+d): p_hat %.4f [%.4f, %.4f]  %s\n", f, rep,
               wit->bstar[rep] > 0 ? 1 : -1, s->p_hat, s->p_lo, s->p_hi, s->member ? "member" : "NOT member");
    }
    const gfl_feature_search *sr = &r->search;
    double coef = gfl_features_conc_coef(1.0, r->mom.Bx2, cfg->n);
    if (r->best_pt >= 0) {
        double g = sr->gamma[r->best_pt / sr->nb], bg = sr->B_G[r->best_pt % sr->nb];
        printf("best triple for the a-priori form (c_n = 1, n = %d): p = %g, gamma = %.4g, B_G = %.4g: "
               "2 gamma + conc = %.4g + %.4g (configured: %.4g + %.4g); %d points searched, each claim at level %.6g\n",
               cfg->n, fp->p, g, bg, 2 * g, coef / bg, 2 * fp->gamma, fp->B_G > 0 ? coef / fp->B_G : INFINITY,
               sr->ng * sr->nb, sr->level_each);
        for (int f = 0; f < r->nfeat; f++)
            printf("  feature %d at the best triple: %ld of %ld draws, lower end %.4f\n", f, r->feat[f].best_count,
                   sr->n, r->feat[f].best_p_lo);
    } else
        printf("best triple: none of the %d searched points has every witness feature a member at level %.6g\n",
               sr->ng * sr->nb, sr->level_each);
    printf("p_hat of feature 0 over (gamma, B_G):\n%10s", "gamma\\B_G");
    for (int bi = 0; bi < GFL_GRID_B; bi++)
        printf(" %9.3g", r->grid_BG[bi]);
    printf("\n");
    for (int gi = 0; gi < GFL_GRID_G; gi++) {
        printf("%10.3g", r->grid_gamma[gi]);
        for (int bi = 0; bi < GFL_GRID_B; bi++)
            printf(" %9.4f", r->grid_p[(size_t)gi * GFL_GRID_B + bi]);
        printf("\n");
    }
    double mg = 0, mgz = 0, md = 0, cmean = 0;
    int inactive = 0;
    for (int i = 0; i < r->m; i++) {
        mg += r->neuron[i].norm_G / r->m;
        mgz += r->neuron[i].norm_GZ / r->m;
        md = fmax(md, r->neuron[i].dist_GZ_G);
        cmean += fabs(r->neuron[i].cos) / r->m;
        inactive += r->neuron[i].best < 0;
    }
    printf("learned neurons after step 1: mean |G| %.4g, mean |G_Z| %.4g, max |G_Z - G| %.3g, "
           "mean |cos| to best witness %.3f, inactive %d\n", mg, mgz, md, cmean, inactive);
    printf("mirror pairs within a witness cone (gamma=%g): %.1f%%\n", fp->gamma, 100 * r->frac_pairs_aligned);
}

/* The searched best triple at c_n = 1 and the case's n (gfl_features_search), null if none. */
static json_t *best_json(const gfl_config *cfg, const gfl_features_result *r)
{
    const gfl_feature_search *sr = &r->search;
    if (r->best_pt < 0)
        return json_null();
    json_t *o = json_object(), *cnt = json_array(), *lo = json_array();
    double bg = sr->B_G[r->best_pt % sr->nb];
    json_object_set_new(o, "p", json_real(sr->p));
    json_object_set_new(o, "gamma", json_real(sr->gamma[r->best_pt / sr->nb]));
    json_object_set_new(o, "B_G", json_real(bg));
    json_object_set_new(o, "conc", gfl_json_real(gfl_features_conc_coef(1.0, r->mom.Bx2, cfg->n) / bg));
    json_object_set_new(o, "grid_points", json_integer(sr->ng * sr->nb));
    json_object_set_new(o, "level_each", json_real(sr->level_each));
    for (int f = 0; f < r->nfeat; f++) {
        json_array_append_new(cnt, json_integer(r->feat[f].best_count));
        json_array_append_new(lo, json_real(r->feat[f].best_p_lo));
    }
    json_object_set_new(o, "counts", cnt);
    json_object_set_new(o, "p_lo", lo);
    return o;
}

json_t *gfl_features_report_json(const gfl_config *cfg, const gfl_witness *wit, const gfl_features_result *r,
                           const char *path)
{
    json_t *o = json_object(), *orc = json_object(), *feats = json_array(), *ns = json_array();
    json_object_set_new(o, "config", gfl_report_config(cfg, path));
    json_object_set_new(o, "B_x1", gfl_json_real(r->mom.Bx1));
    json_object_set_new(o, "B_x1_mc", gfl_json_real(r->mom.Bx1_mc));
    json_object_set_new(o, "B_x1_mc_se", gfl_json_real(r->mom.Bx1_se));
    json_object_set_new(o, "B_x2", gfl_json_real(r->mom.Bx2));
    for (int q = 0; q < GFL_NQ; q++)
        json_object_set_new(orc, gfl_quantity_name((gfl_quantity)q),
                            json_string(gfl_oracle_kind_name(gfl_oracle_kind_of(cfg->case_id, (gfl_quantity)q))));
    json_object_set_new(o, "oracle", orc);
    json_object_set_new(o, "n_init", json_integer(r->fp.n_init));
    json_object_set_new(o, "n_mc", json_integer(r->fp.n_mc));
    json_object_set_new(o, "level", json_real(r->fp.level));
    json_object_set_new(o, "p", json_real(r->fp.p));
    json_object_set_new(o, "G_norm_median", gfl_json_real(r->G_norm_median));
    if (cfg->case_id == GFL_CASE_PARITY_UNIFORM)
        json_object_set_new(o, "parity_G_norm_median", gfl_json_real(r->contrast_G_median));
    for (int f = 0; f < r->nfeat; f++) {
        const gfl_feature_stat *s = &r->feat[f];
        int rep = wit->feat_rep[f];
        json_t *e = json_object(), *dir = json_array(), *grid = json_array();
        for (int j = 0; j < wit->d; j++)
            json_array_append_new(dir, json_real(wit->D[(size_t)rep * wit->d + j]));
        for (int gi = 0; gi < GFL_GRID_G; gi++)
            for (int bi = 0; bi < GFL_GRID_B; bi++) {
                json_t *g = json_object();
                json_object_set_new(g, "gamma", json_real(r->grid_gamma[gi]));
                json_object_set_new(g, "B_G", json_real(r->grid_BG[bi]));
                json_object_set_new(g, "p_hat", json_real(r->grid_p[((size_t)f * GFL_GRID_G + gi) * GFL_GRID_B + bi]));
                json_array_append_new(grid, g);
            }
        json_object_set_new(e, "direction", dir);
        json_object_set_new(e, "sign", json_integer(wit->bstar[rep] > 0 ? 1 : -1));
        json_object_set_new(e, "gamma", json_real(r->fp.gamma));
        json_object_set_new(e, "B_G", json_real(r->fp.B_G));
        json_object_set_new(e, "p_hat", json_real(s->p_hat));
        json_object_set_new(e, "p_lo", json_real(s->p_lo));
        json_object_set_new(e, "p_hi", json_real(s->p_hi));
        json_object_set_new(e, "member", json_boolean(s->member));
        json_object_set_new(e, "grid", grid);
        json_array_append_new(feats, e);
    }
    json_object_set_new(o, "witness_features", feats);
    json_object_set_new(o, "best_triple", best_json(cfg, r));
    for (int i = 0; i < r->m; i++) {
        const gfl_neuron_stat *s = &r->neuron[i];
        json_t *e = json_object();
        json_object_set_new(e, "norm_GZ", gfl_json_real(s->norm_GZ));
        json_object_set_new(e, "norm_G", gfl_json_real(s->norm_G));
        json_object_set_new(e, "G_se", gfl_json_real(s->G_se));
        json_object_set_new(e, "dist_GZ_G", gfl_json_real(s->dist_GZ_G));
        json_object_set_new(e, "best_feature", s->best >= 0 ? json_integer(s->best) : json_null());
        json_object_set_new(e, "cos", gfl_json_real(s->cos));
        json_object_set_new(e, "beta", gfl_json_real(s->beta));
        json_array_append_new(ns, e);
    }
    json_object_set_new(o, "neurons", ns);
    json_object_set_new(o, "frac_pairs_aligned", json_real(r->frac_pairs_aligned));
    json_object_set_new(o, "seconds", json_real(r->seconds));
    return o;
}

gfl_status gfl_features_plot(const char *dir, const gfl_config *cfg, const gfl_features_result *r)
{
    char png[4096], title[200];
    double v[r->m > 0 ? r->m : 1];
    int n = 0;
    for (int i = 0; i < r->m; i++)
        if (r->neuron[i].best >= 0)
            v[n++] = fabs(r->neuron[i].cos);
    snprintf(png, sizeof png, "%s/features_%s.png", dir, gfl_case_name(cfg->case_id));
    snprintf(title, sizeof title, "%s: |cos(w_i^(1), nearest witness direction)| after step 1 (m = %d)",
             gfl_case_name(cfg->case_id), cfg->m);
    gfl_plot_opts po = {title, "|cos|", "neurons", 0};
    int png_new = gfl_output_is_new(png);
    gfl_status st = gfl_plot_histogram(png, &po, v, n, 0.0, 1.0, 40);
    if (st == GFL_OK)
        gfl_output_note_figure(png, png_new, png_new);
    return st;
}

/* The moments bound every later figure: when they overflow double, what
 * follows is not a result but the inputs exceeding the fast path's range. */
gfl_status gfl_features_check_finite(const gfl_features_result *r)
{
    const char *bad = !isfinite(r->mom.Bx1) ? "B_x1" : !isfinite(r->mom.Bx2) ? "B_x2"
                    : !isfinite(r->G_norm_median) ? "median |G|" : NULL;
    if (bad)
        GFL_ERROR(GFL_EINVAL, "%s is not finite (B_x1 = %g, B_x2 = %g): the inputs (--mu, --noise, --d) "
                  "overflow double precision", bad, r->mom.Bx1, r->mom.Bx2);
    return GFL_OK;
}
