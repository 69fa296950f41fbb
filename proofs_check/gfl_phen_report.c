/* gfl_phen_report: runs the phenomena experiments and writes their report
 * (report.md, report.json, figures) atomically. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gfl_io.h"
#include "gfl_phen_util.h"
#include "gfl_train.h"

typedef struct {
    const char *text;
    size_t len;
} md_ctx;

static gfl_status write_md(FILE *f, void *ctx)
{
    md_ctx *c = ctx;
    fwrite(c->text, 1, c->len, f);
    return GFL_OK;
}

static gfl_status write_json(FILE *f, void *ctx)
{
    return json_dumpf((json_t *)ctx, f, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 ? GFL_OK : GFL_EIO;
}

gfl_status gfl_phen_run(const gfl_path *path, const char *name, int quick, const char *json_path, const char *report_dir,
                        FILE *out, int *all_reproduced)
{
    const gfl_phen_experiment *only = NULL;
    if (name && !(only = gfl_phen_find(name)))
        GFL_ERROR(GFL_EINVAL, "unknown experiment '%s' (beyond-kernel, simplicity-bias, lottery-ticket, "
                              "distributions, feature-matrix)", name);
    char tmpdir[4096] = "";
    if (report_dir)
        GFL_TRY(gfl_io_dir_begin(report_dir, tmpdir, sizeof tmpdir));
    gfl_phen_opts o = {path, quick, report_dir ? tmpdir : NULL, 1, out};
    json_t *doc = json_pack("{s:b,s:[]}", "quick", quick, "experiments");
    char *md = NULL;
    size_t md_len = 0;
    FILE *mf = open_memstream(&md, &md_len);
    gfl_status st = GFL_OK;
    if (!doc || !mf) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory for the report");
        goto done;
    }
    fprintf(mf, "# Phenomena (SPEC 8)%s\n\nEach experiment: claim, anchor, figures with 95%% Student-t "
                "intervals over the seeds, verdict against the thresholds of docs/phenomena.md.\n",
            quick ? " -- quick grids (direction of each effect only)" : "");
    *all_reproduced = 1;
    for (int i = 0; i < gfl_phen_nexperiments; i++) {
        const gfl_phen_experiment *e = &gfl_phen_experiments[i];
        if (only && e != only)
            continue;
        gfl_phen_result r = {0};
        fprintf(out, "== %s ==\n   claim: %s\n   anchor: %s\n", e->name, e->claim, e->anchor);
        double t0 = gfl_clock_seconds(), c0 = (double)clock() / CLOCKS_PER_SEC;
        if ((st = e->run(&o, &r)) != GFL_OK) {
            gfl_phen_result_clear(&r);
            goto done;
        }
        double secs = gfl_clock_seconds() - t0, cpu = (double)clock() / CLOCKS_PER_SEC - c0;
        const char *v = r.reproduced ? "REPRODUCED" : "NOT REPRODUCED";
        fprintf(out, "%.*s", (int)r.md_len, r.md ? r.md : "");
        fprintf(out, "   verdict: %s (%.1f s, cpu %.1f s)\n\n", v, secs, cpu);
        fprintf(mf, "\n## %s: %s\n\n**Claim.** %s\n\n**Anchor.** %s\n\n%.*s\nRun time %.1f s (process CPU %.1f s).\n",
                e->name, v, e->claim, e->anchor, (int)r.md_len, r.md ? r.md : "", secs, cpu);
        json_object_set_new(r.json, "name", json_string(e->name));
        json_object_set_new(r.json, "verdict", json_string(v));
        json_object_set_new(r.json, "seconds", json_real(secs));
        json_object_set_new(r.json, "cpu_seconds", json_real(cpu));
        json_array_append(json_object_get(doc, "experiments"), r.json);
        *all_reproduced &= r.reproduced;
        gfl_phen_result_clear(&r);
    }
    fclose(mf);
    mf = NULL;
    json_object_set_new(doc, "all_reproduced", json_boolean(*all_reproduced));
    if (json_path && (st = gfl_io_write_atomic(json_path, write_json, doc)) != GFL_OK)
        goto done;
    if (report_dir) {
        char p[4200];
        md_ctx c = {md, md_len};
        if ((st = gfl_io_join(p, sizeof p, tmpdir, "report.md")) != GFL_OK ||
            (st = gfl_io_write_atomic(p, write_md, &c)) != GFL_OK ||
            (st = gfl_io_join(p, sizeof p, tmpdir, "report.json")) != GFL_OK ||
            (st = gfl_io_write_atomic(p, write_json, doc)) != GFL_OK ||
            (st = gfl_io_dir_commit(tmpdir, report_dir)) != GFL_OK)
            goto done;
        tmpdir[0] = '\0';
    }
done:
    if (mf)
        fclose(mf);
    free(md);
    if (doc)
        json_decref(doc);
    if (tmpdir[0])
        gfl_io_dir_abort(tmpdir);
    return st;
}
