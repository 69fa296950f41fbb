/* Feature matrix vs average gradient outer product (SPEC 8): M = W^T W and
 * AGOP = (1/N) sum_x grad_x f grad_x f^T (engine member agop, closed form),
 * their uncentered cosine, the Pearson correlation of M with AGOP^(1/2)
 * (LAPACKE eigendecomposition), the initial-weights baseline (W0^T W0 against
 * the final AGOP) and the overlap of M's top eigenvector with the true
 * feature subspace, after step 1 and at the end, on every case. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_io.h"
#include "gfl_phen_util.h"
#include "gfl_problem.h"

static double cosine(const double *A, const double *B, int n)
{
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++)
        ab += A[i] * B[i], aa += A[i] * A[i], bb += B[i] * B[i];
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

static double pearson(const double *A, const double *B, int n)
{
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++)
        ma += A[i] / n, mb += B[i] / n;
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++)
        ab += (A[i] - ma) * (B[i] - mb), aa += (A[i] - ma) * (A[i] - ma), bb += (B[i] - mb) * (B[i] - mb);
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

/* S^(1/2) of a symmetric PSD matrix (negative rounding eigenvalues clamped to 0). */
static gfl_status sqrtm(const double *S, int d, double *R)
{
    double *V = malloc((size_t)d * d * sizeof(double)), *ev = malloc((size_t)d * sizeof(double));
    gfl_status st = GFL_OK;
    if (!V || !ev) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(V, S, (size_t)d * d * sizeof(double));
    if ((st = gfl_phen_eigh(V, d, ev)) != GFL_OK)
        goto done;
    memset(R, 0, (size_t)d * d * sizeof(double));
    for (int q = 0; q < d; q++) {
        double s = sqrt(fmax(ev[q], 0.0));
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                R[(size_t)i * d + j] += s * V[(size_t)q * d + i] * V[(size_t)q * d + j];
    }
done:
    free(V), free(ev);
    return st;
}

/* Orthonormal basis of the case's true feature subspace (rows of B), its dimension. */
static int truth(const gfl_problem *pb, double *B)
{
    int d = pb->cfg.d;
    memset(B, 0, (size_t)d * d * sizeof(double));
    switch (pb->cfg.case_id) {
    case GFL_CASE_MOG:
        for (int j = 0; j < pb->cfg.r; j++)
            B[(size_t)j * d + j] = 1.0;
        return pb->cfg.r;
    case GFL_CASE_XOR:
        B[0] = 1.0, B[d + 1] = 1.0;
        return 2;
    case GFL_CASE_PARITY:
    case GFL_CASE_PARITY_UNIFORM:
        for (int j = 0; j < pb->cfg.k; j++)
            B[(size_t)j * d + pb->A[j]] = 1.0;
        return pb->cfg.k;
    case GFL_CASE_MULTIINDEX:
        memcpy(B, pb->U, (size_t)2 * d * sizeof(double));
        return 2;
    default: /* linear, slabs: the linear direction U row 0 */
        memcpy(B, pb->U, (size_t)d * sizeof(double));
        return 1;
    }
}

enum { F_COS1 = 0, F_COS, F_BASE, F_PEAR, F_TOP, F_ACC, NF };
static const char *const fnames[NF] = {"cosine_step1", "cosine_end", "cosine_init_baseline",
                                       "pearson_sqrt_agop_end", "top_eigvec_in_truth", "test_accuracy"};

static gfl_status agop_of(const gfl_path *path, const gfl_config *cfg, const double *a, const double *W, const double *b,
                          const double *X, int n, double *A)
{
    void *eng;
    const gfl_engine_vt *vt = path->engine;
    GFL_TRY(vt->create(&eng, cfg, 1));
    gfl_status st = vt->load(eng, a, W, b);
    if (st == GFL_OK)
        st = vt->agop(eng, X, n, A);
    vt->destroy(eng);
    return st;
}

static gfl_status one_run(const gfl_path *path, const gfl_config *cfg, double f[NF], double *Mout, double *Aout)
{
    int d = cfg->d, m = cfg->m, dd = d * d;
    gfl_phen_model md;
    gfl_problem pb;
    GFL_TRY(gfl_phen_train(path, cfg, NULL, NULL, NULL, &md));
    gfl_status st = gfl_problem_init(&pb, cfg);
    if (st != GFL_OK) {
        gfl_phen_model_clear(&md);
        return st;
    }
    double *buf = malloc((size_t)6 * dd * sizeof(double));
    if (!buf) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory");
        goto done;
    }
    double *M1 = buf, *A1 = buf + dd, *M = buf + 2 * dd, *A = buf + 3 * dd, *M0 = buf + 4 * dd, *R = buf + 5 * dd;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, m, 1.0, md.W1, d, md.W1, d, 0.0, M1, d);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, m, 1.0, md.W, d, md.W, d, 0.0, M, d);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, m, 1.0, md.W0, d, md.W0, d, 0.0, M0, d);
    if ((st = agop_of(path, cfg, md.a1, md.W1, md.b, md.Xtest, cfg->n_test, A1)) != GFL_OK ||
        (st = agop_of(path, cfg, md.a, md.W, md.b, md.Xtest, cfg->n_test, A)) != GFL_OK || (st = sqrtm(A, d, R)) != GFL_OK)
        goto done;
    f[F_COS1] = cosine(M1, A1, dd);
    f[F_COS] = cosine(M, A, dd);
    f[F_BASE] = cosine(M0, A, dd);
    f[F_PEAR] = pearson(M, R, dd);
    f[F_ACC] = 1.0 - md.test_error;
    double v[4096];
    if ((st = gfl_phen_top_direction(md.W, m, d, v)) != GFL_OK)
        goto done;
    double *B = M1; /* reuse: the truth basis */
    int r = truth(&pb, B), i;
    f[F_TOP] = 0;
    for (i = 0; i < r; i++) {
        double c = 0;
        for (int j = 0; j < d; j++)
            c += B[(size_t)i * d + j] * v[j];
        f[F_TOP] += c * c;
    }
    if (Mout)
        memcpy(Mout, M, (size_t)dd * sizeof(double)), memcpy(Aout, A, (size_t)dd * sizeof(double));
done:
    free(buf);
    gfl_problem_clear(&pb);
    gfl_phen_model_clear(&md);
    return st;
}

gfl_status gfl_phen_feature_matrix(const gfl_phen_opts *o, gfl_phen_result *r)
{
    int nseeds = 5, d = o->quick ? 8 : 16, m = o->quick ? 64 : 512;
    int ncase = o->quick ? 1 : GFL_NCASES;
    gfl_phen_md w;
    GFL_TRY(gfl_phen_md_open(&w, r));
    json_t *rows = json_array();
    r->json = json_pack("{s:i,s:i,s:i,s:o}", "d", d, "m", m, "seeds", nseeds, "cases", rows);
    fprintf(w.f, "| case | cosine after step 1 | cosine at the end | baseline (W0^T W0) | Pearson(M, AGOP^1/2) | "
                 "top eigenvector in truth | test accuracy |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    gfl_status st = GFL_OK;
    int ok = 1;
    double tx[GFL_NCASES], ty[3][GFL_NCASES]; /* the table as a figure: case index vs cosines */
    double *Mh = malloc((size_t)2 * d * d * sizeof(double));
    if (!Mh)
        st = GFL_ENOMEM;
    for (int c = 0; c < ncase && st == GFL_OK; c++) {
        gfl_case_id cid = o->quick ? GFL_CASE_PARITY : (gfl_case_id)c;
        double f[NF][16];
        for (int s = 0; s < nseeds && st == GFL_OK; s++) {
            gfl_config cfg = gfl_phen_config(cid, d, m, 512, 0, o->seed0 + (uint64_t)s);
            gfl_config def;
            gfl_config_defaults(&def, cid, GFL_PRESET_DEFAULT);
            cfg.T = o->quick ? 100 : def.T;
            cfg.eval_every = cfg.T;
            cfg.n_test = 2048;
            double one[NF];
            st = one_run(o->path, &cfg, one, s == 0 && cid == GFL_CASE_PARITY ? Mh : NULL, Mh + d * d);
            for (int q = 0; q < NF; q++)
                f[q][s] = one[q];
        }
        if (st != GFL_OK)
            break;
        gfl_phen_ci ci[NF];
        json_t *row = json_pack("{s:s}", "case", gfl_case_name(cid));
        fprintf(w.f, "| %s |", gfl_case_name(cid));
        for (int q = 0; q < NF; q++) {
            char t[64];
            gfl_phen_interval(f[q], nseeds, &ci[q]);
            gfl_phen_ci_text(t, sizeof t, &ci[q]);
            fprintf(w.f, " %s |", t);
            json_object_set_new(row, fnames[q], gfl_phen_ci_json(&ci[q]));
        }
        fprintf(w.f, "\n");
        json_array_append_new(rows, row);
        tx[c] = c + 1, ty[0][c] = ci[F_COS1].mean, ty[1][c] = ci[F_COS].mean, ty[2][c] = ci[F_BASE].mean;
        gfl_phen_log(o, "  feature-matrix %s: cosine end %.3f baseline %.3f\n", gfl_case_name(cid), ci[F_COS].mean,
                     ci[F_BASE].mean);
        if (o->quick)
            ok &= ci[F_COS].mean >= ci[F_BASE].mean + 0.2;
        else if (cid == GFL_CASE_PARITY || cid == GFL_CASE_MULTIINDEX)
            ok &= ci[F_COS].lo >= 0.9 && ci[F_PEAR].lo >= 0.9 && ci[F_BASE].mean <= ci[F_COS].mean - 0.3;
    }
    if (st == GFL_OK && o->figdir) {
        gfl_plot_series sp[3] = {{"cosine(M, AGOP) after step 1", tx, ty[0], ncase, "linespoints"},
                                 {"cosine(M, AGOP) at the end", tx, ty[1], ncase, "linespoints"},
                                 {"baseline: cosine(W0^T W0, AGOP)", tx, ty[2], ncase, "linespoints"}};
        gfl_plot_opts pt = {"feature matrix vs AGOP per case (1 = first row of the table)", "case (table row)",
                            "uncentered cosine", 0};
        st = gfl_phen_figure(o, "feature_matrix_table.png", &pt, sp, 3);
        fprintf(w.f, "\nFigure: feature_matrix_table.png (rows of the table in order).\n");
    }
    if (st == GFL_OK && o->figdir) {
        char path[4096];
        if ((st = gfl_io_join(path, sizeof path, o->figdir, "feature_matrix_heatmap.png")) == GFL_OK)
        {
            gfl_plot_opts po = {"parity, first seed: M = W^T W (left) and AGOP (right), each / max |entry|", "j",
                                "i", 0};
            st = gfl_plot_heatmap2(path, &po, Mh, Mh + d * d, d);
        }
        fprintf(w.f, "\nFigure: feature_matrix_heatmap.png (parity, first seed).\n");
    }
    free(Mh);
    gfl_phen_md_close(&w);
    r->reproduced = ok;
    return st;
}
