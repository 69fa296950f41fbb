/* gfl_sweep merge: completeness, results.{csv,json,md}, the delta check
 * (gfl_sweep.h).  Everything written here is a function of the plan and the
 * run results only (sorted by id, no timing, no host), so the same runs merge
 * to the same bytes whatever backend ran them and in whatever order. */
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_check.h"
#include "gfl_io.h"
#include "gfl_stats.h"
#include "gfl_sweep.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Scalars of v as "a.b.c" -> value; array elements are named by their "id"
 * when they have one (links: C1, C2, ...), else by index; arrays of numbers
 * (curves) stay in results.json only. */
static void flatten(const json_t *v, const char *prefix, json_t *out)
{
    char key[512];
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
            flatten(x, key, out);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (!json_is_object(x))
                return;
            json_t *id = json_object_get(x, "id");
            if (json_is_string(id))
                snprintf(key, sizeof key, "%s.%s", prefix, json_string_value(id));
            else
                snprintf(key, sizeof key, "%s.%zu", prefix, i);
            flatten(x, key, out);
        }
    } else
        json_object_set(out, prefix, (json_t *)v);
}

static void csv_field(FILE *f, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v))
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        fprintf(f, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "true" : "false", f);
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strpbrk(s, ",\"\n\r") == NULL)
            fputs(s, f);
        else {
            fputc('"', f);
            for (; *s; s++) {
                if (*s == '"')
                    fputc('"', f);
                fputc(*s, f);
            }
            fputc('"', f);
        }
    }
}

static void md_field(FILE *f, const json_t *v)
{
    if (!v || json_is_null(v))
        fputs("-", f);
    else if (json_is_real(v))
        fprintf(f, "%.4g", json_real_value(v));
    else if (json_is_string(v)) {
        for (const char *s = json_string_value(v); *s; s++)
            fputs(*s == '|' ? "\\|" : (char[2]){*s, 0}, f);
    } else
        csv_field(f, v);
}

typedef struct {
    const gfl_sweep_plan *p;
    json_t *runs;  /* sorted by id */
    json_t *flat;  /* per run: option and figure columns */
    char **ocols, **fcols;
    size_t nocol, nfcol;
    json_t *doc;
    json_t *delta;
    const char *md_delta;
} merge_ctx;

static gfl_status csv_writer(FILE *f, void *p)
{
    const merge_ctx *m = p;
    fputs("id,status,exit", f);
    for (size_t c = 0; c < m->nocol; c++)
        fprintf(f, ",%s", m->ocols[c]);
    for (size_t c = 0; c < m->nfcol; c++)
        fprintf(f, ",%s", m->fcols[c]);
    fputc('\n', f);
    size_t i;
    json_t *r;
    json_array_foreach(m->runs, i, r) {
        json_t *fl = json_array_get(m->flat, i), *opts = json_object_get(json_object_get(r, "config"), "options");
        fprintf(f, "%s,%s,", json_string_value(json_object_get(r, "id")),
                json_string_value(json_object_get(r, "status")));
        csv_field(f, json_object_get(r, "exit"));
        for (size_t c = 0; c < m->nocol; c++) {
            fputc(',', f);
            csv_field(f, json_object_get(opts, m->ocols[c]));
        }
        for (size_t c = 0; c < m->nfcol; c++) {
            fputc(',', f);
            csv_field(f, json_object_get(fl, m->fcols[c]));
        }
        fputc('\n', f);
    }
    return ferror(f) ? GFL_EIO : GFL_OK;
}

/* The markdown table's figures: the check's headline numbers when present. */
static int md_figure(const char *col)
{
    static const char *suffix[] = {"lhs_min_test_loss", "tight_bound", "chain_bound", "apriori_bound", "final_test_loss",
                                   "test_error", NULL};
    const char *dot = strrchr(col, '.');
    const char *last = dot ? dot + 1 : col;
    for (int k = 0; suffix[k]; k++)
        if (strcmp(last, suffix[k]) == 0 && strstr(col, "links") == NULL)
            return 1;
    return strcmp(col, "ok") == 0;
}

static gfl_status md_writer(FILE *f, void *p)
{
    const merge_ctx *m = p;
    json_t *plan = json_object_get(m->p->doc, "plan"), *grid = json_object_get(plan, "grid");
    json_t *counts = json_object_get(m->doc, "counts");
    fprintf(f, "# gfl sweep results\n\nCommand `gfl %s`, %zu runs (%" JSON_INTEGER_FORMAT " done, %" JSON_INTEGER_FORMAT
               " failed); every run's reproduce line is in results.json and results.csv has every figure.\n\n",
            json_string_value(json_object_get(plan, "command")), json_array_size(m->runs),
            json_integer_value(json_object_get(counts, "done")), json_integer_value(json_object_get(counts, "failed")));
    fputs("| id |", f);
    for (size_t c = 0; c < m->nocol; c++)
        if (json_object_get(grid, m->ocols[c]))
            fprintf(f, " %s |", m->ocols[c]);
    fputs(" status |", f);
    int nf = 0;
    for (size_t c = 0; c < m->nfcol; c++)
        if (md_figure(m->fcols[c]))
            fprintf(f, " %s |", m->fcols[c]), nf++;
    fputs("\n|---|", f);
    for (size_t c = 0; c < m->nocol; c++)
        if (json_object_get(grid, m->ocols[c]))
            fputs("---|", f);
    fputs("---|", f);
    for (int c = 0; c < nf; c++)
        fputs("---|", f);
    fputc('\n', f);
    size_t i;
    json_t *r;
    json_array_foreach(m->runs, i, r) {
        json_t *fl = json_array_get(m->flat, i), *opts = json_object_get(json_object_get(r, "config"), "options");
        fprintf(f, "| %s |", json_string_value(json_object_get(r, "id")));
        for (size_t c = 0; c < m->nocol; c++)
            if (json_object_get(grid, m->ocols[c])) {
                fputc(' ', f);
                md_field(f, json_object_get(opts, m->ocols[c]));
                fputs(" |", f);
            }
        fprintf(f, " %s |", json_string_value(json_object_get(r, "status")));
        for (size_t c = 0; c < m->nfcol; c++)
            if (md_figure(m->fcols[c])) {
                fputc(' ', f);
                md_field(f, json_object_get(fl, m->fcols[c]));
                fputs(" |", f);
            }
        fputc('\n', f);
    }
    int head = 0;
    json_array_foreach(m->runs, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "status")), "failed") == 0) {
            if (!head++)
                fputs("\n## Failed runs (reproduce lines)\n\n", f);
            fprintf(f, "- %s (exit %" JSON_INTEGER_FORMAT "): `%s`\n", json_string_value(json_object_get(r, "id")),
                    json_integer_value(json_object_get(r, "exit")), json_string_value(json_object_get(r, "command")));
        }
    }
    if (m->md_delta)
        fputs(m->md_delta, f);
    return ferror(f) ? GFL_EIO : GFL_OK;
}

static int is_hex16(const char *s)
{
    return strspn(s, "0123456789abcdef") == 16;
}

/* Every entry of DIR/runs is a planned run's result: anything else is named. */
static gfl_status scan_runs_dir(const gfl_sweep_plan *p, FILE *out, int *foreign)
{
    char d[PATH_MAX];
    GFL_TRY(gfl_io_join(d, sizeof d, p->dir, "runs"));
    DIR *dh = opendir(d);
    if (!dh)
        GFL_ERROR(GFL_EIO, "cannot read '%s'", d);
    struct dirent *e;
    *foreign = 0;
    while ((e = readdir(dh))) {
        const char *n = e->d_name;
        if (n[0] == '.') {
            if (strcmp(n, ".") && strcmp(n, ".."))
                fprintf(out, "merge: note: '%s/%s' is a run in progress or a leftover of a killed one\n", d, n);
            continue;
        }
        int ok = is_hex16(n) && (strcmp(n + 16, ".json") == 0 || strcmp(n + 16, ".failed.json") == 0);
        char id[17];
        snprintf(id, sizeof id, "%.16s", n);
        int i = ok ? gfl_sweep_find(p, id) : -1;
        const char *why = !ok ? "foreign file" : i < 0 ? "result of a run this plan does not have" : NULL;
        if (!why) {
            gfl_run_state s = gfl_sweep_state(p, i);
            int failed_name = strcmp(n + 16, ".failed.json") == 0;
            if (s == GFL_RUN_MISSING)
                why = "stale: its id or configuration is not the plan's";
            else if (failed_name && s == GFL_RUN_DONE)
                continue; /* an older failure of a run since done: superseded, ignored */
        }
        if (why) {
            fprintf(out, "merge: %s/%s: %s\n", d, n, why);
            ++*foreign;
        }
    }
    closedir(dh);
    return GFL_OK;
}

/* One of check's parameters as the plan's options give it (a number, or its
 * text as gfl check --sweep writes it); the default when absent or invalid
 * (the runs themselves refuse an invalid one). */
static void plan_param(const json_t *po, const char *name, gfl_check_params *cp)
{
    json_t *v = json_object_get(po, name);
    char buf[40];
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    if (json_is_number(v)) {
        snprintf(buf, sizeof buf, "%.17g", json_number_value(v));
        t = buf;
    }
    if (t && gfl_check_param_set(cp, name, t) != GFL_OK)
        gfl_error_clear();
}

gfl_status gfl_sweep_merge(const gfl_sweep_plan *p, FILE *out, int *nfailed)
{
    return gfl_sweep_merge_delta(p, out, nfailed, NULL);
}

gfl_status gfl_sweep_merge_delta(const gfl_sweep_plan *p, FILE *out, int *nfailed, int *delta_bad)
{
    int foreign = 0, missing = 0, failed = 0;
    *nfailed = 0;
    if (delta_bad)
        *delta_bad = 0;
    GFL_TRY(scan_runs_dir(p, out, &foreign));
    if (foreign)
        GFL_ERROR(GFL_EINVAL, "merge: %d file(s) in %s/runs do not belong to this plan (listed above)", foreign,
                  p->dir);
    char **ids = malloc(((size_t)p->nrun + 1) * sizeof *ids);
    for (int i = 0; i < p->nrun; i++)
        ids[i] = (char *)p->runs[i].id;
    qsort(ids, (size_t)p->nrun, sizeof *ids, cmp_str);
    json_t *runs = json_array(), *flat = json_array(), *ocol = json_object(), *fcol = json_object(),
           *vers = json_object();
    gfl_status st = GFL_OK;
    for (int k = 0; k < p->nrun && st == GFL_OK; k++) {
        int i = gfl_sweep_find(p, ids[k]);
        gfl_run_state s = gfl_sweep_state(p, i);
        if (s == GFL_RUN_MISSING) {
            if (missing++ < 5)
                fprintf(out, "merge: missing %s: %s\n", p->runs[i].id, p->runs[i].line);
            continue;
        }
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/runs/%s%s", p->dir, p->runs[i].id, s == GFL_RUN_DONE ? ".json" : ".failed.json");
        json_t *res = json_load_file(path, 0, NULL);
        if (!res) {
            GFL_SET_ERROR(st, GFL_EIO, "cannot read '%s'", path);
            break;
        }
        json_t *e = json_pack("{s:s,s:O,s:O,s:s,s:O}", "id", p->runs[i].id, "config", p->runs[i].config, "command",
                              json_object_get(res, "command"), "status", s == GFL_RUN_DONE ? "done" : "failed",
                              "exit", json_object_get(res, "exit"));
        json_t *fl = json_object();
        if (s == GFL_RUN_DONE) {
            json_t *fig = gfl_sweep_strip(json_object_get(res, "result"));
            flatten(fig, "", fl);
            json_object_set_new(e, "figures", fig);
            char *vs = json_dumps(json_object_get(res, "versions"), JSON_COMPACT | JSON_SORT_KEYS);
            if (vs)
                json_object_set(vers, vs, json_object_get(res, "versions"));
            free(vs);
        } else {
            failed++;
            fprintf(out, "merge: failed %s (exit %" JSON_INTEGER_FORMAT "): %s\n", p->runs[i].id,
                    json_integer_value(json_object_get(res, "exit")), p->runs[i].line);
        }
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(p->runs[i].config, "options"), key, v) json_object_set_new(ocol, key,
                                                                                                      json_true());
        json_object_foreach(fl, key, v) json_object_set_new(fcol, key, json_true());
        json_array_append_new(runs, e);
        json_array_append_new(flat, fl);
        json_decref(res);
    }
    free(ids);
    if (st == GFL_OK && missing)
        GFL_SET_ERROR(st, GFL_ECHECK, "merge: %d of %d runs missing (first ones listed above): run the sweep again "
                                      "to complete it", missing, p->nrun);
    merge_ctx m = {p, runs, flat, NULL, NULL, 0, 0, NULL, NULL, NULL};
    char *md_delta = NULL;
    if (st == GFL_OK) {
        m.nocol = json_object_size(ocol), m.nfcol = json_object_size(fcol);
        m.ocols = malloc((m.nocol + 1) * sizeof *m.ocols), m.fcols = malloc((m.nfcol + 1) * sizeof *m.fcols);
        size_t a = 0, b = 0;
        const char *key;
        json_t *v;
        json_object_foreach(ocol, key, v) m.ocols[a++] = (char *)key;
        json_object_foreach(fcol, key, v) m.fcols[b++] = (char *)key;
        qsort(m.ocols, m.nocol, sizeof *m.ocols, cmp_str);
        qsort(m.fcols, m.nfcol, sizeof *m.fcols, cmp_str);
        json_t *vlist = json_array();
        char **vk = malloc((json_object_size(vers) + 1) * sizeof *vk);
        size_t nv = 0;
        json_object_foreach(vers, key, v) vk[nv++] = (char *)key;
        qsort(vk, nv, sizeof *vk, cmp_str);
        for (size_t k = 0; k < nv; k++)
            json_array_append(vlist, json_object_get(vers, vk[k]));
        free(vk);
        m.doc = json_pack("{s:s,s:O,s:o,s:{s:i,s:i,s:i},s:O}", "format", "gfl-sweep-results 1", "plan",
                          json_object_get(p->doc, "plan"), "versions", vlist, "counts", "total", p->nrun, "done",
                          p->nrun - failed, "failed", failed, "runs", runs);
        /* the delta check, for a check sweep over seeds */
        const char *cmd = json_string_value(json_object_get(json_object_get(p->doc, "plan"), "command"));
        if (strcmp(cmd, "check") == 0 && json_object_get(json_object_get(json_object_get(p->doc, "plan"), "grid"),
                                                         "seed")) {
            gfl_check_params cp;
            gfl_check_defaults(&cp);
            json_t *po = json_object_get(json_object_get(p->doc, "plan"), "options");
            plan_param(po, "delta", &cp);
            plan_param(po, "level", &cp);
            double delta = cp.delta, level = cp.cp.level;
            size_t len = 0;
            FILE *mf = open_memstream(&md_delta, &len);
            int bad = 0;
            if (mf) {
                st = gfl_sweep_delta(m.doc, delta, level, mf, &bad);
                fclose(mf);
            }
            if (delta_bad)
                *delta_bad = bad;
            m.md_delta = md_delta;
        }
        char path[PATH_MAX];
        if (st == GFL_OK && (st = gfl_io_join(path, sizeof path, p->dir, "results.json")) == GFL_OK)
            st = gfl_sweep_write_json(path, m.doc);
        if (st == GFL_OK && (st = gfl_io_join(path, sizeof path, p->dir, "results.csv")) == GFL_OK)
            st = gfl_io_write_atomic(path, csv_writer, &m);
        if (st == GFL_OK && (st = gfl_io_join(path, sizeof path, p->dir, "results.md")) == GFL_OK)
            st = gfl_io_write_atomic(path, md_writer, &m);
        if (st == GFL_OK)
            fprintf(out, "merged %d runs (%d failed) into %s/results.{json,csv,md}\n%s", p->nrun, failed, p->dir,
                    md_delta ? md_delta : "");
    }
    free(md_delta);
    free(m.ocols);
    free(m.fcols);
    json_decref(m.doc);
    json_decref(runs);
    json_decref(flat);
    json_decref(ocol);
    json_decref(fcol);
    json_decref(vers);
    *nfailed = failed;
    return st;
}

static const char *link_verdict(const json_t *c, const char *id)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(c, "links"), i, l) {
        if (strcmp(json_string_value(json_object_get(l, "id")) ? json_string_value(json_object_get(l, "id")) : "", id) == 0)
            return json_string_value(json_object_get(l, "verdict"));
    }
    return NULL;
}

gfl_status gfl_sweep_delta(const json_t *results, double delta, double level, FILE *md, int *bad)
{
    static const char *stat[] = {"C2", "C3", "population"};
    static const char *exact[] = {"C1", "C4", "C5", "C5g", "C6", "chain", "tight"};
    json_t *groups = json_object();
    size_t i;
    json_t *r;
    *bad = 0;
    json_array_foreach(json_object_get(results, "runs"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "status")), "done") != 0)
            continue;
        json_t *opts = json_deep_copy(json_object_get(json_object_get(r, "config"), "options"));
        json_object_del(opts, "seed");
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(json_object_get(r, "figures"), "cases"), k, c) {
            json_object_set_new(opts, "case", json_incref(json_object_get(c, "case")));
            json_object_set_new(opts, "path", json_incref(json_object_get(c, "path")));
            char *key = json_dumps(opts, JSON_COMPACT | JSON_SORT_KEYS);
            json_t *g = json_object_get(groups, key);
            if (!g) {
                g = json_pack("{s:i,s:i,s:i,s:i,s:O}", "seeds", 0, "stat_fail", 0, "exact_pass", 0, "exact_na", 0,
                              "options", opts);
                json_object_set_new(groups, key, g);
            }
            free(key);
            int sf = 0, ep = 1, na = 0;
            for (int s = 0; s < 3; s++) {
                const char *v = link_verdict(c, stat[s]);
                sf |= v && strcmp(v, "VIOLATED") == 0;
            }
            for (int s = 0; s < 7; s++) {
                const char *v = link_verdict(c, exact[s]);
                na |= v && strcmp(v, "N/A") == 0;
                ep &= v && (strcmp(v, "PASS") == 0 || strcmp(v, "N/A") == 0);
            }
            json_object_set_new(g, "seeds", json_integer(json_integer_value(json_object_get(g, "seeds")) + 1));
            json_object_set_new(g, "stat_fail", json_integer(json_integer_value(json_object_get(g, "stat_fail")) + sf));
            json_object_set_new(g, "exact_pass", json_integer(json_integer_value(json_object_get(g, "exact_pass")) + ep));
            json_object_set_new(g, "exact_na", json_integer(json_integer_value(json_object_get(g, "exact_na")) + na));
        }
        json_decref(opts);
    }
    size_t ng = json_object_size(groups), a = 0;
    char **keys = malloc((ng + 1) * sizeof *keys);
    const char *key;
    json_t *g;
    json_object_foreach(groups, key, g) keys[a++] = (char *)key;
    qsort(keys, ng, sizeof *keys, cmp_str);
    fprintf(md, "\n## The delta check over seeds\n\nPer configuration (every option but the seed): the fraction of "
                "seeds whose statistical links (C2, C3, population) are VIOLATED, with its two-sided Clopper-Pearson "
                "interval at level %g, against delta = %g (VIOLATED when the interval lies above delta), and how "
                "many seeds have every exact link (C1, C4, C5, C5g, C6, chain, tight) PASS (N/A counts as a pass "
                "and is shown apart).\n\n| configuration | seeds | stat. fail | fraction | CP upper | verdict | "
                "exact all PASS | of which N/A |\n|---|---|---|---|---|---|---|---|\n",
            level, delta);
    for (size_t k = 0; k < ng; k++) {
        g = json_object_get(groups, keys[k]);
        long s = (long)json_integer_value(json_object_get(g, "seeds")),
             f = (long)json_integer_value(json_object_get(g, "stat_fail")),
             e = (long)json_integer_value(json_object_get(g, "exact_pass")),
             na = (long)json_integer_value(json_object_get(g, "exact_na"));
        double lo, hi;
        gfl_stats_clopper_pearson(f, s, level, &lo, &hi);
        const char *v = lo > delta ? "VIOLATED" : hi <= delta ? "CONSISTENT (upper bound below delta)"
                                                              : "CONSISTENT (interval contains delta)";
        *bad |= lo > delta || e != s;
        char *cfg = json_dumps(json_object_get(g, "options"), JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(md, "| `%s` | %ld | %ld | %.4f | %.4f | %s | %ld/%ld | %ld |\n", cfg, s, f, (double)f / (double)s, hi,
                v, e, s, na);
        free(cfg);
    }
    free(keys);
    json_decref(groups);
    return ferror(md) ? GFL_EIO : GFL_OK;
}
