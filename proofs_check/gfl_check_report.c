/* The check's report model: the console text, report.json, report.md and
 * the figures of `gfl check` (gfl_check_report.h). */
#include "gfl_check_report.h"
#include "gfl_data_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_plot.h"
#include "gfl_report.h"

/* A figure for people: "-" where there is none (NaN: a link without such a
 * side, an N/A bound), "unbounded" for an infinite bound (SPEC 6: never a
 * number, never PASS), else %.5g. */
static void fmt_num(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (isinf(v))
        snprintf(buf, len, "%sunbounded", v < 0 ? "-" : "");
    else
        snprintf(buf, len, "%.5g", v);
}

/* fmt_num into one of a few rotating buffers, for several figures in one
 * printf; num4 with 4 significant digits, for the summary's columns. */
static const char *num_prec(double v, int digits)
{
    static char ring[8][32];
    static int next;
    char *b = ring[next];
    next = (next + 1) % 8;
    if (isfinite(v))
        snprintf(b, sizeof ring[0], "%.*g", digits, v);
    else
        fmt_num(b, sizeof ring[0], v);
    return b;
}

static const char *num(double v) { return num_prec(v, 5); }
static const char *num4(double v) { return num_prec(v, 4); }

/* What the theorem-form chain's comparator optimized (docs/proofs.md C4). */
static const char *comparator_line(const gfl_chain_result *ch)
{
    static char line[400];
    char head[120];
    if (ch->cmp.optimized)
        snprintf(head, sizeof head, "optimized weights over %d neurons (support %d)", ch->cmp.neurons,
                 ch->cmp.support);
    else
        snprintf(head, sizeof head, "uniform over the K = %d best neurons per witness neuron", ch->cmp.K);
    snprintf(line, sizeof line,
             "comparator: convex weights on learned neurons per witness neuron, chosen to minimize the "
             "theorem-form bound predicted from the first pass: %s; predicted %s (best uniform K %s, "
             "optimized %s)", head, num4(ch->cmp.chosen_bound), num4(ch->cmp.uniform_bound),
             num4(ch->cmp.optimized_bound));
    return line;
}

/* One line: the triple the a-priori form was evaluated at (SPEC 6; docs/features.md). */
static void apriori_line(FILE *f, const gfl_chain_result *ch, const char *end)
{
    const gfl_apriori_parts *a = &ch->apriori;
    if (isnan(ch->apriori_bound)) {
        fprintf(f, "a-priori triple: N/A (OPT_hat is not available)%s", end);
        return;
    }
    fprintf(f, "a-priori triple: %s p = %g, gamma = %.4g, B_G = %.4g gives %s", a->optimized ? "searched" : "configured",
            a->p, a->gamma, a->B_G, num(ch->apriori_bound));
    if (a->optimized)
        fprintf(f, " (best of %d points, each claim at level %.6g); configured gamma = %g, B_G = %g gives %s%s",
                a->grid_points, a->level_each, a->configured_gamma, a->configured_B_G, num(a->configured_bound), end);
    else
        fprintf(f, "; %s%s", a->grid_points == 0 ? "no search"
                             : a->searched_found ? "no searched point is smaller"
                                                 : "no searched point has every witness feature a member", end);
}

void gfl_check_print_case(const gfl_check_case *c)
{
    const gfl_config *cfg = &c->cfg;
    const gfl_chain_result *ch = &c->chain;
    printf("== %s, path %s, seed %llu (d=%d m=%d n=%d T=%d sigma_a=%g) ==\n", gfl_case_name(cfg->case_id), c->path,
           (unsigned long long)cfg->seed, cfg->d, cfg->m, cfg->n, cfg->T, cfg->sigma_a);
    printf("witness: r=%d B_a1=%.4g B_a2=%.4g B_b=%.4g; %d/%d features in S(p=%g, gamma=%g, B_G=%g)\n", c->opt.r,
           c->opt.Ba1, c->opt.Ba2, c->opt.Bb, c->members, c->feat.nfeat, c->feat.fp.p, c->feat.fp.gamma,
           c->feat.fp.B_G);
    if (c->opt.available)
        printf("OPT_hat = %.5g (%s; witness %.5g%s; class r = %d)\n", c->opt.opt_hat,
               c->opt.exact ? "exact" : "upper confidence bound", c->opt.witness.loss,
               c->opt.refit_done ? ", refit tried" : "", c->opt.r);
    else
        printf("OPT_hat: N/A (%s; witness loss %.5g)\n", c->opt.na_reason, c->opt.witness.loss);
    apriori_line(stdout, ch, "\n");
    printf("%-11s %-12s %12s %12s %12s  %s\n", "link", "verdict", "lhs", "rhs", "slack", "detail");
    for (int k = 0; k < GFL_NLINKS; k++) {
        const gfl_link *l = &ch->link[k];
        char a[32], b[32], s[32];
        fmt_num(a, sizeof a, l->lhs), fmt_num(b, sizeof b, l->rhs), fmt_num(s, sizeof s, l->slack);
        printf("%-11s %-12s %12s %12s %12s  %s\n", l->id, gfl_verdict_name(l->verdict), a, b, s, l->note);
    }
    if (c->seeds > 1)
        printf("%-11s %-12s %12.4g %12.4g %12s  %d of %d seeds with a VIOLATED statistical link; "
               "Clopper-Pearson [%.3g, %.3g]\n", "delta", gfl_verdict_name(c->delta_verdict),
               (double)c->stat_fail / c->seeds, c->delta, "-", c->stat_fail, c->seeds, c->fail_lo, c->fail_hi);
    printf("theorem: min_t L_D(f_t) = %s (t = %d, 0-1 error %.4f) vs the chain bound in population form %s "
           "(tight chain on the batches %s; loosest term: %s) vs the a-priori bound %s (dominant: %s)%s\n\n",
           num(ch->pop_best.loss), ch->pop_best_t, ch->pop_best.err, num(ch->pop_bound), num(ch->tight_bound),
           ch->loosest, num(ch->apriori_bound), ch->apriori_dominant ? ch->apriori_dominant : "N/A",
           ch->chain_bound > 1 ? "; the theorem-form chain is vacuous (above 1) on this instance" : "");
    printf("%s\n\n", comparator_line(ch));
    gfl_data_check_print(c); /* case data: the split, the baselines, OPT_hat on the test part */
}

/* The a-priori form's triple and parts (SPEC 6; gfl_apriori_parts). */
static json_t *apriori_json(const gfl_chain_result *ch)
{
    const gfl_apriori_parts *a = &ch->apriori;
    json_t *o = json_object();
    json_object_set_new(o, "p", gfl_json_real(a->p));
    json_object_set_new(o, "gamma", gfl_json_real(a->gamma));
    json_object_set_new(o, "B_G", gfl_json_real(a->B_G));
    json_object_set_new(o, "conc", gfl_json_real(a->conc));
    json_object_set_new(o, "rbb", gfl_json_real(a->rbb));
    json_object_set_new(o, "opt_hat", gfl_json_real(a->opt_hat));
    json_object_set_new(o, "eps", gfl_json_real(a->eps));
    json_object_set_new(o, "bound", gfl_json_real(ch->apriori_bound));
    json_object_set_new(o, "optimized", json_boolean(a->optimized));
    json_object_set_new(o, "grid_points", json_integer(a->grid_points));
    json_object_set_new(o, "level_each", gfl_json_real(a->level_each));
    json_object_set_new(o, "configured_gamma", gfl_json_real(a->configured_gamma));
    json_object_set_new(o, "configured_B_G", gfl_json_real(a->configured_B_G));
    json_object_set_new(o, "configured_bound", gfl_json_real(a->configured_bound));
    return o;
}

static json_t *case_json(const gfl_check_case *c)
{
    const gfl_chain_result *ch = &c->chain;
    json_t *o = json_object(), *w = json_object(), *links = json_array(), *terms = json_object();
    json_object_set_new(o, "case", json_string(gfl_case_name(c->cfg.case_id)));
    json_object_set_new(o, "path", json_string(c->path));
    json_object_set_new(o, "config", gfl_report_config(&c->cfg, c->path));
    /* SPEC 5: null, with the reason, when a witness feature is not a member of S */
    json_object_set_new(o, "opt_hat", c->opt.available ? gfl_json_real(c->opt.opt_hat) : json_null());
    json_object_set_new(o, "opt_hat_na_reason", c->opt.available ? json_null() : json_string(c->opt.na_reason));
    json_object_set_new(o, "opt_r", json_integer(c->opt.r));
    json_object_set_new(o, "opt_hat_exact", json_boolean(c->opt.exact));
    json_object_set_new(o, "opt_witness_loss", gfl_json_real(c->opt.witness.loss));
    json_object_set_new(o, "opt_refit_loss", c->opt.refit_done ? gfl_json_real(c->opt.refit.loss) : json_null());
    json_object_set_new(o, "opt_refit_neurons", json_integer(c->opt.refit_done ? c->opt.r_refit : 0));
    json_object_set_new(w, "r", json_integer(c->opt.r));
    json_object_set_new(w, "B_a1", gfl_json_real(c->opt.Ba1));
    json_object_set_new(w, "B_a2", gfl_json_real(c->opt.Ba2));
    json_object_set_new(w, "B_b", gfl_json_real(c->opt.Bb));
    json_object_set_new(w, "features", json_integer(c->feat.nfeat));
    json_object_set_new(w, "members", json_integer(c->members));
    json_object_set_new(w, "p", json_real(c->feat.fp.p));
    json_object_set_new(w, "gamma", json_real(c->feat.fp.gamma));
    json_object_set_new(w, "B_G", json_real(c->feat.fp.B_G));
    json_object_set_new(o, "witness", w);
    for (int k = 0; k < GFL_NLINKS; k++) {
        const gfl_link *l = &ch->link[k];
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string(l->id));
        json_object_set_new(e, "verdict", json_string(gfl_verdict_name(l->verdict)));
        json_object_set_new(e, "lhs", gfl_json_real(l->lhs));
        json_object_set_new(e, "rhs", gfl_json_real(l->rhs));
        json_object_set_new(e, "slack", gfl_json_real(l->slack));
        json_object_set_new(e, "level", gfl_json_real(l->level));
        json_object_set_new(e, "note", json_string(l->note));
        json_array_append_new(links, e);
    }
    if (c->seeds > 1) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_string("delta"));
        json_object_set_new(e, "verdict", json_string(gfl_verdict_name(c->delta_verdict)));
        json_object_set_new(e, "lhs", json_real((double)c->stat_fail / c->seeds));
        json_object_set_new(e, "rhs", json_real(c->delta));
        json_object_set_new(e, "slack", json_real(c->delta - c->fail_hi));
        json_object_set_new(e, "level", json_real(c->level));
        char note[200];
        snprintf(note, sizeof note, "%d of %d seeds with a VIOLATED statistical link; Clopper-Pearson [%.3g, %.3g]",
                 c->stat_fail, c->seeds, c->fail_lo, c->fail_hi);
        json_object_set_new(e, "note", json_string(note));
        json_array_append_new(links, e);
    }
    json_object_set_new(o, "links", links);
    json_object_set_new(terms, "lstar", gfl_json_real(ch->lstar));
    json_object_set_new(terms, "approx", gfl_json_real(ch->approx));
    json_object_set_new(terms, "drift", gfl_json_real(ch->drift));
    json_object_set_new(terms, "reg", gfl_json_real(ch->reg));
    json_object_set_new(terms, "regret", gfl_json_real(ch->regret));
    json_object_set_new(terms, "stat", gfl_json_real(ch->stat));
    json_object_set_new(terms, "stat_kind", ch->stat_kind ? json_string(ch->stat_kind) : json_null());
    json_object_set_new(terms, "comparator", gfl_json_real(ch->comp));
    json_object_set_new(o, "terms", terms);
    json_object_set_new(o, "K", json_integer(ch->K));
    json_object_set_new(o, "chain_bound", gfl_json_real(ch->chain_bound));
    /* the theorem-form chain's comparator (docs/proofs.md C4): bounds predicted from the first pass */
    json_t *cmp = json_object();
    json_object_set_new(cmp, "kind", json_string(ch->cmp.optimized ? "optimized" : "uniform"));
    json_object_set_new(cmp, "K", json_integer(ch->cmp.K));
    json_object_set_new(cmp, "support", json_integer(ch->cmp.support));
    json_object_set_new(cmp, "neurons", json_integer(ch->cmp.neurons));
    json_object_set_new(cmp, "uniform_bound", gfl_json_real(ch->cmp.uniform_bound));
    json_object_set_new(cmp, "optimized_bound", gfl_json_real(ch->cmp.optimized_bound));
    json_object_set_new(cmp, "chosen_bound", gfl_json_real(ch->cmp.chosen_bound));
    json_object_set_new(cmp, "qp_gap", gfl_json_real(ch->cmp.qp_gap));
    json_object_set_new(o, "comparator", cmp);
    json_object_set_new(o, "tight_bound", gfl_json_real(ch->tight_bound));
    json_object_set_new(o, "population_bound", gfl_json_real(ch->pop_bound));
    json_object_set_new(o, "apriori_bound", gfl_json_real(ch->apriori_bound));
    json_object_set_new(o, "loosest_term", json_string(ch->loosest));
    json_object_set_new(o, "apriori_dominant", ch->apriori_dominant ? json_string(ch->apriori_dominant) : json_null());
    json_object_set_new(o, "apriori", apriori_json(ch));
    json_object_set_new(o, "min_batch_loss", gfl_json_real(ch->min_batch_loss));
    json_object_set_new(o, "lhs_min_test_loss", gfl_json_real(ch->pop_best.loss));
    json_object_set_new(o, "lhs_min_test_loss_se", gfl_json_real(ch->pop_best.loss_se));
    json_object_set_new(o, "lhs_t", json_integer(ch->pop_best_t));
    json_object_set_new(o, "test_error_at_lhs", gfl_json_real(ch->pop_best.err));
    json_object_set_new(o, "seconds", json_real(c->seconds));
    gfl_data_check_json(o, c);
    return o;
}

/* Figures: the test-loss curve with OPT_hat and the bounds, and the chain's terms. */
static gfl_status figures(const char *dir, const gfl_check_case *c)
{
    const gfl_chain_result *ch = &c->chain;
    char png[4096], title[256];
    const char *cs = gfl_case_name(c->cfg.case_id);
    int n = ch->neval;
    double x[2] = {0, (double)c->cfg.T}, yo[2] = {c->opt.opt_hat, c->opt.opt_hat};
    double yc[2] = {ch->chain_bound, ch->chain_bound}, yt[2] = {ch->tight_bound, ch->tight_bound};
    double tx[n > 0 ? n : 1];
    for (int i = 0; i < n; i++)
        tx[i] = ch->eval_t[i];
    gfl_plot_series s[4] = {{"test loss", tx, ch->eval_test_loss, n, "linespoints"},
                            {"chain bound (theorem form)", x, yc, 2, NULL},
                            {"tight chain bound", x, yt, 2, NULL},
                            {"OPT_hat", x, yo, 2, NULL}};
    int ns = c->opt.opt_hat > 0 ? 4 : 3; /* a zero has no place on a log scale: said in the title */
    if (snprintf(png, sizeof png, "%s/%s_%s_loss.png", dir, cs, c->path) >= (int)sizeof png)
        GFL_ERROR(GFL_EINVAL, "path too long: '%s'", dir);
    snprintf(title, sizeof title, "%s (%s path): test loss, OPT_hat%s and the chain bounds", cs, c->path,
             ns == 4 ? "" : c->opt.available ? " (= 0, off the log scale)" : " (N/A: a witness feature is not in S)");
    /* log scale: the bounds and the loss differ by orders of magnitude (an
     * exact OPT_hat = 0 has no point on it) */
    gfl_plot_opts po = {title, "step t", "loss (log scale)", 1};
    GFL_TRY(gfl_plot_xy(png, &po, s, ns));
    const char *labels[] = {"L_Z(f*)", "approx", "drift", "reg", "regret", "stat"};
    double v[] = {ch->lstar, ch->approx, ch->drift, ch->reg, ch->regret, ch->stat};
    if (snprintf(png, sizeof png, "%s/%s_%s_terms.png", dir, cs, c->path) >= (int)sizeof png)
        GFL_ERROR(GFL_EINVAL, "path too long: '%s'", dir);
    if (ch->cmp.optimized)
        snprintf(title, sizeof title, "%s (%s path): terms of the chain bound (optimized weights)", cs, c->path);
    else
        snprintf(title, sizeof title, "%s (%s path): terms of the chain bound (K = %d)", cs, c->path, ch->K);
    gfl_plot_opts pb = {title, "term", "value", 0};
    return gfl_plot_bars(png, &pb, labels, v, 6);
}

typedef struct {
    const gfl_check_case *cases;
    int n;
} md_ctx;

static gfl_status md_writer(FILE *f, void *p)
{
    const md_ctx *m = p;
    fprintf(f, "# gfl check report\n\nEach case is trained with Algorithm 1 and the explicit proof chain of the "
               "theorem is evaluated link by link (docs/proofs.md explains every link and verdict). "
               "Exact links are certified (PASS) or FAIL; statistical links are CONSISTENT / VIOLATED / "
               "INCONCLUSIVE at the stated level.\n\n");
    fprintf(f, "| case | path | C1 | C2 | C3 | C4 | C5 | C5g | C6 | chain | tight | population | apriori | "
               "min L_D | tight bound | chain bound | a-priori bound |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < m->n; i++) {
        const gfl_check_case *c = &m->cases[i];
        fprintf(f, "| %s | %s |", gfl_case_name(c->cfg.case_id), c->path);
        for (int k = 0; k < GFL_NLINKS; k++)
            fprintf(f, " %s |", gfl_verdict_name(c->chain.link[k].verdict));
        fprintf(f, " %s | %s | %s |", num4(c->chain.pop_best.loss), num4(c->chain.tight_bound),
                num4(c->chain.chain_bound));
        /* N/A: OPT_hat is not available */
        fprintf(f, " %s |\n", isnan(c->chain.apriori_bound) ? "N/A" : num4(c->chain.apriori_bound));
    }
    for (int i = 0; i < m->n; i++) {
        const gfl_check_case *c = &m->cases[i];
        const gfl_chain_result *ch = &c->chain;
        const char *cs = gfl_case_name(c->cfg.case_id);
        fprintf(f, "\n## %s (%s path)\n\nseed %llu, d=%d, m=%d, n=%d, T=%d, sigma_a=%g, loss %s. "
                   "Reproduce: `gfl check --case %s --path %s --preset %s --seed %llu`.\n\n",
                cs, c->path, (unsigned long long)c->cfg.seed, c->cfg.d, c->cfg.m, c->cfg.n, c->cfg.T, c->cfg.sigma_a,
                gfl_loss_name(c->cfg.loss), cs, c->path, c->cfg.preset == GFL_PRESET_SMALL ? "small" : "default",
                (unsigned long long)c->cfg.seed);
        fprintf(f, "Witness: r = %d, B_a1 = %.4g, B_a2 = %.4g, B_b = %.4g; %d of %d witness features are members "
                   "of S(p = %g, gamma = %g, B_G = %g). ",
                c->opt.r, c->opt.Ba1, c->opt.Ba2, c->opt.Bb, c->members, c->feat.nfeat, c->feat.fp.p,
                c->feat.fp.gamma, c->feat.fp.B_G);
        if (c->opt.available)
            fprintf(f, "OPT_hat = %.5g (%s).\n\n", c->opt.opt_hat, c->opt.exact ? "exact" : "upper confidence bound");
        else
            fprintf(f, "OPT_hat: N/A (%s).\n\n", c->opt.na_reason);
        apriori_line(f, ch, ".\n\n");
        fprintf(f, "| link | verdict | lhs | rhs | slack | detail |\n|---|---|---|---|---|---|\n");
        for (int k = 0; k < GFL_NLINKS; k++) {
            const gfl_link *l = &ch->link[k];
            char a[32], b[32], sl[32]; /* "-" where a link has no such side (C1's right) */
            fmt_num(a, sizeof a, l->lhs), fmt_num(b, sizeof b, l->rhs), fmt_num(sl, sizeof sl, l->slack);
            fprintf(f, "| %s | %s | %s | %s | %s | %s |\n", l->id, gfl_verdict_name(l->verdict), a, b, sl, l->note);
        }
        fprintf(f, "\nTheorem: min_t L_D(f_t) = %s (0-1 error %.4f) against the tight chain %s, the "
                   "theorem-form chain %s (loosest term: %s) and the a-priori form %s (dominant: %s).%s%s\n\n",
                num(ch->pop_best.loss), ch->pop_best.err, num(ch->tight_bound), num(ch->chain_bound), ch->loosest,
                num(ch->apriori_bound), ch->apriori_dominant ? ch->apriori_dominant : "N/A",
                ch->chain_bound > 1 ? " The theorem-form chain is vacuous (above 1) here: its Lipschitz steps are "
                                      "loose on an instance this small; the tight chain is what the run certifies."
                                    : "",
                ch->apriori_bound > 1 ? " The a-priori form is vacuous (above 1)." : "");
        fprintf(f, "%s.\n\n", comparator_line(ch));
        fprintf(f, "![loss](%s_%s_loss.png) ![terms](%s_%s_terms.png)\n", cs, c->path, cs, c->path);
    }
    return ferror(f) ? GFL_EIO : GFL_OK;
}

/* report.json, report.md and the figures, in a temporary directory renamed
 * onto dir when complete (gfl_io_dir_*): an error leaves no half report. */
gfl_status gfl_check_report_write(const char *dir, const json_t *doc, const gfl_check_report *rep)
{
    const gfl_check_case *cases = rep->cases;
    int ncase = rep->ncase;
    char tmp[4096], path[4096];
    md_ctx mc = {cases, ncase};
    GFL_TRY(gfl_io_dir_begin(dir, tmp, sizeof tmp));
    gfl_status st;
    if ((st = gfl_io_join(path, sizeof path, tmp, "report.json")) == GFL_OK &&
        (st = gfl_report_write_json(path, doc)) == GFL_OK &&
        (st = gfl_io_join(path, sizeof path, tmp, "report.md")) == GFL_OK)
        st = gfl_io_write_atomic(path, md_writer, &mc);
    for (int i = 0; i < ncase && st == GFL_OK; i++)
        st = figures(tmp, &cases[i]);
    if (st == GFL_OK && (st = gfl_io_dir_commit(tmp, dir)) == GFL_OK)
        gfl_io_track(dir, GFL_IO_NEW_DIR); /* removed if --json fails after it */
    if (st != GFL_OK)
        gfl_io_dir_abort(tmp);
    return st;
}

void gfl_check_print_summary(const gfl_check_report *rep)
{
    const gfl_check_case *cases = rep->cases;
    int n = rep->ncase;
    printf("summary\n%-15s %-5s", "case", "path");
    const char *ids[] = {"C1", "C2", "C3", "C4", "C5", "C5g", "C6", "chain", "tight", "pop", "apriori"};
    for (int k = 0; k < GFL_NLINKS; k++)
        printf(" %-8s", ids[k]);
    printf(" %9s %9s %9s %9s %7s\n", "min L_D", "tight", "chain", "apriori", "sec");
    for (int i = 0; i < n; i++) {
        const gfl_check_case *c = &cases[i];
        printf("%-15s %-5s", gfl_case_name(c->cfg.case_id), c->path);
        for (int k = 0; k < GFL_NLINKS; k++) {
            const char *v = gfl_verdict_name(c->chain.link[k].verdict);
            printf(" %-8.8s", v);
        }
        /* N/A: OPT_hat is not available; "unbounded": an infinite bound */
        printf(" %9s %9s %9s %9s %7.1f\n", num4(c->chain.pop_best.loss), num4(c->chain.tight_bound),
               num4(c->chain.chain_bound), isnan(c->chain.apriori_bound) ? "N/A" : num4(c->chain.apriori_bound),
               c->seconds);
    }
}

json_t *gfl_check_report_json(const gfl_check_request *rq, const gfl_check_report *rep)
{
    json_t *doc = json_object(), *arr = json_array();
    json_object_set_new(doc, "versions", gfl_path_versions(rq->registry));
    for (int i = 0; i < rep->ncase; i++)
        json_array_append_new(arr, case_json(&rep->cases[i]));
    json_object_set_new(doc, "cases", arr);
    json_object_set_new(doc, "ok", json_boolean(rep->ok));
    return doc;
}
