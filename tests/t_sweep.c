/* Sweeps (sweep/gfl_sweep*.c): run ids against the published FNV-1a test
 * vectors, plan expansion against an enumeration of the grid, bad plans and a
 * seeded mutation fuzz of plan files, resume, merge completeness and its
 * byte-identity across worker counts and orders, and the delta check against
 * Clopper-Pearson bounds from GSL's beta quantiles. */
#include <fcntl.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfl_paths.h"
#include "gfl_sweep.h"
#include "gfl_test.h"

/* FNV-1a 64 test vectors (Fowler, Noll, Vo: the reference test suite). */
static void test_fnv_vectors(void)
{
    CHECK(gfl_sweep_fnv1a64("", 0) == 0xcbf29ce484222325ULL, "FNV-1a('')");
    CHECK(gfl_sweep_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a('a')");
    CHECK(gfl_sweep_fnv1a64("foobar", 6) == 0x85944171f73967e8ULL, "FNV-1a('foobar')");
}

static json_t *parse(const char *s)
{
    return json_loads(s, 0, NULL);
}

/* Expansion = the product of the grid, each combination once, ids distinct,
 * and the ids do not depend on the order of keys in the plan's text. */
static void test_expand(void)
{
    json_t *a = parse("{\"command\":\"check\",\"options\":{\"path\":\"fast\",\"strict\":true},"
                      "\"grid\":{\"case\":[\"xor\",\"mog\",\"linear\"],\"m\":[8,16],\"seed\":{\"from\":3,\"to\":6}}}");
    json_t *b = parse("{\"grid\":{\"seed\":{\"to\":6,\"from\":3},\"m\":[8,16],\"case\":[\"xor\",\"mog\",\"linear\"]},"
                      "\"options\":{\"strict\":true,\"path\":\"fast\"},\"command\":\"check\"}");
    json_t *ra = NULL, *rb = NULL;
    CHECK(gfl_sweep_expand(a, &ra) == GFL_OK && gfl_sweep_expand(b, &rb) == GFL_OK, "expand: %s", gfl_error_message());
    CHECK(json_array_size(ra) == 24, "3 cases x 2 m x 4 seeds = 24 runs, got %zu", json_array_size(ra));
    const char *cases[] = {"xor", "mog", "linear"};
    int hit[3][2][4] = {{{0}}};
    for (size_t i = 0; i < json_array_size(ra); i++) {
        json_t *e = json_array_get(ra, i), *o = json_object_get(json_object_get(e, "config"), "options");
        int c = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(json_string_value(json_object_get(o, "case")), cases[k]) == 0)
                c = k;
        int m = (int)json_integer_value(json_object_get(o, "m")) == 16;
        int s = (int)json_integer_value(json_object_get(o, "seed")) - 3;
        CHECK(c >= 0 && s >= 0 && s < 4, "run %zu: a combination outside the grid", i);
        if (c >= 0 && s >= 0 && s < 4)
            hit[c][m][s]++;
        char id[17];
        gfl_sweep_id(json_object_get(e, "config"), id);
        CHECK(strcmp(id, json_string_value(json_object_get(e, "id"))) == 0, "run %zu: id is the config's hash", i);
        CHECK(strcmp(id, json_string_value(json_object_get(json_array_get(rb, i), "id"))) == 0,
              "run %zu: the id depends on the order of keys in the plan", i);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(json_string_value(json_object_get(json_array_get(ra, j), "id")), id) != 0, "ids %zu, %zu equal",
                  j, i);
        /* flag options take no value; the line is the argv */
        const char *line = json_string_value(json_object_get(e, "command"));
        CHECK(strstr(line, " --strict") && !strstr(line, "--strict true") && strncmp(line, "gfl check --case ", 17) == 0,
              "command line '%s'", line);
    }
    for (int c = 0; c < 3; c++)
        for (int m = 0; m < 2; m++)
            for (int s = 0; s < 4; s++)
                CHECK(hit[c][m][s] == 1, "combination (%s, %d, %d) appears %d times", cases[c], m, s, hit[c][m][s]);
    json_decref(a), json_decref(b), json_decref(ra), json_decref(rb);
}

static void test_bad_plans(void)
{
    const char *bad[] = {
        "[]", "{\"options\":{}}", "{\"command\":\"sweep\"}", "{\"command\":\"Check me\"}",
        "{\"command\":\"check\",\"extra\":1}", "{\"command\":\"check\",\"options\":{\"json\":\"x\"}}",
        "{\"command\":\"check\",\"options\":{\"case\":\"xor\"},\"grid\":{\"case\":[\"mog\"]}}",
        "{\"command\":\"check\",\"grid\":{\"m\":[]}}", "{\"command\":\"check\",\"grid\":{\"m\":[8,8]}}",
        "{\"command\":\"check\",\"grid\":{\"seed\":{\"from\":5,\"to\":1}}}",
        "{\"command\":\"check\",\"grid\":{\"seed\":{\"from\":1,\"to\":2000000}}}",
        "{\"command\":\"check\",\"options\":{\"m\":{\"a\":1}}}", "{\"command\":\"check\",\"options\":{\"m\":false}}",
        "{\"command\":\"check\",\"options\":{\"x\":\"a\\nb\"}}", "{\"command\":\"check\",\"grid\":{\"m\":[[1]]}}",
        NULL};
    for (int k = 0; bad[k]; k++) {
        json_t *p = parse(bad[k]), *r = NULL;
        gfl_error_clear();
        gfl_status st = p ? gfl_sweep_expand(p, &r) : GFL_EINVAL;
        CHECK(st == GFL_EINVAL && r == NULL, "plan %s accepted", bad[k]);
        CHECK(!p || (strlen(gfl_error_message()) > 0 && !strchr(gfl_error_message(), '\n')),
              "plan %s: one-line message", bad[k]);
        json_decref(p);
        gfl_error_clear();
    }
}

/* Mutated plan texts (byte changes, cuts): never a crash, OK or EINVAL. */
static void test_fuzz_plans(void)
{
    const char *base = "{\"command\":\"check\",\"options\":{\"path\":\"fast\",\"T\":50},"
                       "\"grid\":{\"case\":[\"xor\",\"mog\"],\"seed\":{\"from\":1,\"to\":3,\"step\":1}}}";
    uint64_t s = gfl_test_seed() * 0x9e3779b97f4a7c15ULL + 7;
    const char alphabet[] = "{}[]\":,0123456789-eE.tfn axyz\\";
    int n = 2000 * gfl_test_effort(), ok = 0;
    for (int it = 0; it < n; it++) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", base);
        size_t len = strlen(buf);
        for (int k = 0; k < 3; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t pos = (size_t)(s >> 33) % len;
            buf[pos] = alphabet[(s >> 13) % (sizeof alphabet - 1)];
        }
        if ((s >> 7) % 5 == 0)
            buf[(s >> 40) % len] = 0;
        json_t *p = json_loads(buf, 0, NULL), *r = NULL;
        gfl_status st = p ? gfl_sweep_expand(p, &r) : GFL_OK;
        CHECK(st == GFL_OK || st == GFL_EINVAL, "fuzz %d (seed %llu): status %d on %s", it,
              (unsigned long long)gfl_test_seed(), (int)st, buf);
        ok += p && st == GFL_OK;
        json_decref(p), json_decref(r);
        gfl_error_clear();
    }
    CHECK(ok > 0, "no mutated plan was valid: the fuzz tests nothing");
}

static int run(const char *const *args, const char *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1), dup2(fd, 2);
        gfl_test_exec_gfl(args);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = calloc((size_t)n + 1, 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        b[0] = 0;
    fclose(f);
    return b;
}

static int same_file(const char *a, const char *b)
{
    char *x = slurp(a), *y = slurp(b);
    int same = x && y && strcmp(x, y) == 0;
    free(x), free(y);
    return same;
}

/* End to end through the CLI on tiny train runs: merge identical across worker
 * counts (other order), resume a no-op, and merge refusing a missing run, a
 * stale result and a foreign file. */
static void test_cli_sweep(void)
{
    const char *t = gfl_test_scratch();
    char plan[512], d1[512], d2[512], path[700], p2[800], log[600];
    snprintf(plan, sizeof plan, "%s/sweep_plan.json", t);
    snprintf(d1, sizeof d1, "%s/sw1", t), snprintf(d2, sizeof d2, "%s/sw2", t);
    snprintf(log, sizeof log, "%s/sweep.log", t);
    FILE *f = fopen(plan, "w");
    fprintf(f, "{\"command\":\"train\",\"options\":{\"path\":\"fast\",\"preset\":\"small\",\"T\":5,\"m\":8,\"n\":16,"
               "\"threads\":1},\"grid\":{\"case\":[\"xor\",\"linear\"],\"seed\":{\"from\":1,\"to\":2}}}\n");
    fclose(f);
    const char *p1[] = {"sweep", "plan", plan, "--out", d1, NULL}, *pp2[] = {"sweep", "plan", plan, "--out", d2, NULL};
    CHECK(run(p1, NULL) == 0 && run(pp2, NULL) == 0, "sweep plan");
    CHECK(run(p1, NULL) == 0, "the same plan again into the same directory is accepted");
    const char *r1[] = {"sweep", "run", d1, "--jobs", "2", NULL}, *r2[] = {"sweep", "run", d2, "--jobs", "1", NULL};
    CHECK(run(r1, NULL) == 0 && run(r2, NULL) == 0, "sweep run");
    const char *m1[] = {"sweep", "merge", d1, NULL}, *m2[] = {"sweep", "merge", d2, NULL};
    CHECK(run(m1, NULL) == 0 && run(m2, NULL) == 0, "sweep merge");
    const char *files[] = {"results.json", "results.csv", "results.md"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", d1, files[k]), snprintf(p2, sizeof p2, "%s/%s", d2, files[k]);
        CHECK(same_file(path, p2), "%s differs between 2 workers and 1", files[k]);
    }
    /* resume: every result is there, nothing runs (results untouched) */
    gfl_sweep_plan p;
    CHECK(gfl_sweep_load(d1, &p) == GFL_OK && p.nrun == 4, "load: %s", gfl_error_message());
    snprintf(path, sizeof path, "%s/runs/%s.json", d1, p.runs[0].id);
    struct stat before, after;
    stat(path, &before);
    CHECK(run(r1, NULL) == 0, "rerun");
    stat(path, &after);
    CHECK(before.st_ino == after.st_ino && before.st_mtime == after.st_mtime, "a done run was run again");
    /* missing: merge and status refuse */
    snprintf(p2, sizeof p2, "%s/kept_result.json", t);
    rename(path, p2);
    const char *st1[] = {"sweep", "status", d1, NULL};
    CHECK(run(st1, log) == 1, "status of an incomplete sweep exits 1");
    char *out = slurp(log);
    CHECK(out && strstr(out, "3 done, 0 failed, 0 running, 1 missing"), "status: '%s'", out ? out : "");
    free(out);
    CHECK(run(m1, NULL) == 1, "merge of an incomplete sweep exits 1");
    /* stale: a result whose configuration is not its id's */
    char *txt = slurp(p2);
    char *at = txt ? strstr(txt, "\"seed\": ") : NULL;
    CHECK(at != NULL, "result has a seed");
    if (at) {
        at[8] = at[8] == '1' ? '7' : '1';
        f = fopen(path, "w");
        fputs(txt, f);
        fclose(f);
        CHECK(run(m1, log) == 2, "merge accepted a stale result");
        out = slurp(log);
        CHECK(out && strstr(out, "stale"), "merge names the stale result: '%s'", out ? out : "");
        free(out);
    }
    free(txt);
    rename(p2, path);
    snprintf(p2, sizeof p2, "%s/runs/notes.txt", d1);
    f = fopen(p2, "w");
    fclose(f);
    CHECK(run(m1, log) == 2, "merge accepted a foreign file");
    unlink(p2);
    CHECK(run(m1, NULL) == 0, "merge once the directory is clean again");
    /* exec: not a run of the plan */
    const char *ex[] = {"sweep", "exec", d1, "0123456789abcdef", NULL};
    CHECK(run(ex, NULL) == 2, "exec of an id the plan does not have");
    gfl_sweep_free(&p);
}

/* Random option words for gfl sweep and gfl scaling: exit 0, 1 or 2 with at
 * most one line on stderr, never a signal (exit >= 128) or a crash. */
static void test_fuzz_options(void)
{
    const char *t = gfl_test_scratch();
    char dir[512], plan[600], err[600];
    snprintf(dir, sizeof dir, "%s/swf", t), snprintf(plan, sizeof plan, "%s/swf_plan.json", t);
    snprintf(err, sizeof err, "%s/swf.err", t);
    FILE *f = fopen(plan, "w");
    fprintf(f, "{\"command\":\"train\",\"options\":{\"T\":2,\"m\":4,\"n\":8,\"preset\":\"small\"},"
               "\"grid\":{\"case\":[\"xor\"]}}\n");
    fclose(f);
    const char *mk[] = {"sweep", "plan", plan, "--out", dir, NULL};
    CHECK(run(mk, NULL) == 0, "plan for the option fuzz");
    const char *words[] = {"plan", "run", "exec", "status", "merge", dir, plan, "--backend", "local", "slurm", "bogus",
                           "--jobs", "0", "-1", "3", "1e9", "--chunk", "--chunk-size", "--throttle", "--time",
                           "--mem", "x'y", "--no-submit", "--out", "--boot", "5", "", "--help", "0123456789abcdef", "%n"};
    size_t nw = sizeof words / sizeof words[0];
    uint64_t s = gfl_test_seed() * 0x2545f4914f6cdd1dULL + 3;
    for (int it = 0; it < 40 * gfl_test_effort(); it++) {
        const char *args[8];
        int n = 0;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        args[n++] = (s >> 60) % 4 == 0 ? "scaling" : "sweep";
        int k = 1 + (int)((s >> 20) % 5);
        for (int j = 0; j < k; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *w = words[(s >> 33) % nw];
            /* never a real run of the backends: those are tested above */
            if (!strcmp(w, "slurm") || !strcmp(w, "run") || !strcmp(w, "exec"))
                w = "--no-submit";
            args[n++] = w;
        }
        args[n] = NULL;
        int rc = run(args, err);
        char *e = slurp(err);
        /* stdout and stderr share the file: --help's usage (exit 0) is many lines */
        CHECK(rc <= 2 && (rc != 2 || gfl_test_count_lines(e ? e : "") <= 1), "gfl %s %s %s ... (seed %llu, step %d): exit %d, '%s'",
              args[0], args[1], n > 2 ? args[2] : "", (unsigned long long)gfl_test_seed(), it, rc, e ? e : "");
        free(e);
    }
}

/* delta check: 10 seeds, 3 with a statistical link VIOLATED, one with an exact FAIL. */
static void test_delta(void)
{
    json_t *runs = json_array();
    for (int s = 1; s <= 10; s++) {
        const char *c2 = s <= 3 ? "VIOLATED" : "CONSISTENT", *c1 = s == 10 ? "FAIL" : "PASS";
        json_t *links = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "id", "C1", "verdict", c1, "id", "C2", "verdict",
                                  c2, "id", "population", "verdict", "CONSISTENT");
        const char *more[] = {"C4", "C5", "C5g", "C6", "chain", "tight"};
        for (int k = 0; k < 6; k++) /* the other exact links: PASS (chain N/A on seed 5) */
            json_array_append_new(links, json_pack("{s:s,s:s}", "id", more[k], "verdict",
                                                   s == 5 && k == 4 ? "N/A" : "PASS"));
        json_t *r = json_pack("{s:s,s:{s:{s:s,s:i}},s:{s:[{s:s,s:s,s:o}]}}", "status", "done", "config", "options",
                              "case", "xor", "seed", s, "figures", "cases", "case", "xor", "path", "fast", "links", links);
        json_array_append_new(runs, r);
    }
    json_t *doc = json_pack("{s:o}", "runs", runs);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    int bad = 0;
    CHECK(gfl_sweep_delta(doc, 0.1, 0.95, f, &bad) == GFL_OK, "delta");
    fclose(f);
    /* two-sided 95% Clopper-Pearson upper bound for 3 of 10: Beta(0.975; 4, 7) */
    double hi = gsl_cdf_beta_Pinv(0.975, 4, 7);
    char want[128];
    snprintf(want, sizeof want, "| 10 | 3 | 0.3000 | %.4f | VIOLATED |", hi);
    double lo = gsl_cdf_beta_Pinv(0.025, 3, 8);
    CHECK(lo > 0.1 ? strstr(md, want) != NULL : strstr(md, "| 10 | 3 | 0.3000 |") != NULL, "delta row: want '%s' in %s",
          want, md);
    CHECK(strstr(md, "| 9/10 | 1 |") != NULL && bad, "exact links: 9 of 10 seeds all PASS, and the check is bad: %s", md);
    free(md);
    json_decref(doc);
}

/* ---- gfl scaling on hand-written results: known power laws and floors ---- */

static const double grid_m[3] = {32, 64, 128}, grid_n[3] = {64, 128, 256}, grid_T[3] = {50, 100, 200};
enum { FIX_SEEDS = 4 };

/* Multiplicative noise in [0.95, 1.05], a function of (test seed, run, slot). */
static double wobble(int run, int slot)
{
    uint64_t z = gfl_test_seed() * 0x9e3779b97f4a7c15ULL + (uint64_t)run * 0xbf58476d1ce4e5b9ULL + (uint64_t)slot;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return 1 + 0.05 * (2.0 * (double)(z >> 11) / 9007199254740992.0 - 1);
}

/* the concentration term's law in the fixtures: c sqrt(log n / n) */
static double conc_law(double n)
{
    return 0.5 * sqrt(log(n) / n);
}

/* Fixture kinds: 'A' a floor (approx constant in m, n, T; regret T^-1/2) with
 * both new objects; 'B' a clean power law 200 m^-1/2 n^-1/4 T^-1/2 with a
 * uniform comparator and no a-priori form; 'C' A's values as an older gfl check
 * wrote them (no new objects; the a-priori parts in the link's note). */
static json_t *fixture_case(char kind, int run, int s, double m, double n, double T, double *chain_out)
{
    double approx, regret, drift = 0, lstar = 0, reg = 0;
    if (kind == 'B') {
        double c = 200 * pow(m, -0.5) * pow(n, -0.25) * pow(T, -0.5) * wobble(run, 0);
        approx = 0.6 * c, regret = 0.4 * c;
    } else {
        approx = 2.0 * wobble(run, 0), regret = 3 * pow(T, -0.5) * wobble(run, 1), drift = 0.01 * sqrt(T);
        lstar = 0.05, reg = 0.001;
    }
    double chain = lstar + approx + drift + reg + regret;
    *chain_out = chain;
    json_t *c = json_pack("{s:s,s:s,s:{s:i,s:f,s:f,s:f},s:{s:f,s:f,s:f,s:f,s:f},s:f,s:f,s:f}", "case", "fix", "path",
                          "fast", "config", "seed", s, "m", m, "n", n, "T", T, "terms", "lstar", lstar, "approx", approx,
                          "drift", drift, "reg", reg, "regret", regret, "chain_bound", chain, "tight_bound", 0.5 * chain,
                          "lhs_min_test_loss", 10 / T);
    if (kind == 'B') {
        json_object_set_new(c, "comparator", json_pack("{s:s,s:i,s:i,s:f,s:f,s:f}", "kind", "uniform", "K", 2, "support",
                                                      2, "uniform_bound", chain, "optimized_bound", chain * 1.01,
                                                      "chosen_bound", chain));
        json_object_set_new(c, "apriori_bound", json_null());
        return c;
    }
    double conc = conc_law(n), rbb = 2 * 2.9 * 2.86, bound = 0.1 + rbb * sqrt(0.02 + conc);
    json_object_set_new(c, "apriori_bound", json_real(bound));
    json_object_set_new(c, "witness", json_pack("{s:f,s:f,s:f}", "p", 0.05, "gamma", 0.1, "B_G", 0.001));
    if (kind == 'A') {
        /* the comparator's two bounds as predicted from pass 1: 2% above the chain, uniform 1.5 x chosen */
        json_object_set_new(c, "comparator", json_pack("{s:s,s:i,s:i,s:f,s:f,s:f}", "kind", "optimized", "K", 3,
                                                      "support", 2, "uniform_bound", 1.5 * 1.02 * chain,
                                                      "optimized_bound", 1.02 * chain, "chosen_bound", 1.02 * chain));
        /* chosen B_G = 2 x configured: the configured triple's concentration is twice as large */
        json_object_set_new(c, "apriori", json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:b,s:i,s:f,s:f,s:f,s:f}", "p",
                                                   0.05, "gamma", 0.01, "B_G", 0.002, "conc", conc, "rbb", rbb,
                                                   "opt_hat", 0.1, "eps", 0.0, "bound", bound, "optimized", 1,
                                                   "grid_points", 35, "level_each", 1 - 0.05 / 35, "configured_gamma",
                                                   0.1, "configured_B_G", 0.001, "configured_bound",
                                                   0.1 + rbb * sqrt(0.2 + 2 * conc)));
    } else {
        char note[400];
        snprintf(note, sizeof note, "OPT_hat %.4g + r B_a1 B_x1 sqrt(2 gamma + c_n sqrt(B_x2 log n)/(B_G sqrt n)) = "
                 "%d * %.3g * %.3g * sqrt(%.3g + %.3g) + eps %.3g; dominant: concentration", 0.1, 2, 2.9, 2.86,
                 0.02, conc, 0.0);
        json_object_set_new(c, "links", json_pack("[{s:s,s:s,s:s}]", "id", "apriori", "verdict", "CONSISTENT", "note",
                                                 note));
    }
    return c;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Writes DIR/results.json for a fixture and returns gfl scaling's report
 * (malloc'd); med[i][j][k] = the test's own median over seeds of the chain. */
static char *fixture_report(char kind, const char *name, double med[3][3][3])
{
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/scal_%s", gfl_test_scratch(), name);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/results.json", dir);
    json_t *runs = json_array();
    int run = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++) {
                double ch[FIX_SEEDS];
                for (int s = 1; s <= FIX_SEEDS; s++, run++) {
                    json_t *c = fixture_case(kind, run, s, grid_m[i], grid_n[j], grid_T[k], &ch[s - 1]);
                    json_array_append_new(runs, json_pack("{s:s,s:{s:[o]}}", "status", "done", "figures", "cases", c));
                }
                qsort(ch, FIX_SEEDS, sizeof *ch, cmp_double);
                med[i][j][k] = 0.5 * (ch[FIX_SEEDS / 2 - 1] + ch[FIX_SEEDS / 2]);
            }
    json_t *doc = json_pack("{s:o}", "runs", runs);
    json_dump_file(doc, path, 0);
    json_decref(doc);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    gfl_status st = gfl_scaling_report(dir, 50, f);
    fclose(f);
    CHECK(st == GFL_OK, "scaling on fixture %s: %s", name, gfl_error_message());
    return md;
}

/* The slope of a table row "| quantity | axis | slope |" (NAN when absent). */
static double row_slope(const char *md, const char *q, const char *axis)
{
    char key[160];
    snprintf(key, sizeof key, "\n| %s | %s | ", q, axis);
    const char *at = md ? strstr(md, key) : NULL;
    double v;
    return at && sscanf(at + strlen(key), "%lf", &v) == 1 ? v : NAN;
}

/* The line of md containing needle (static copy, "" when none). */
static const char *line_with(const char *md, const char *needle)
{
    static char buf[4096];
    const char *at = md ? strstr(md, needle) : NULL;
    buf[0] = 0;
    if (at) {
        const char *b = at, *e = strchr(at, '\n');
        while (b > md && b[-1] != '\n')
            b--;
        size_t n = e ? (size_t)(e - b) : strlen(b);
        snprintf(buf, sizeof buf, "%.*s", (int)(n < sizeof buf - 1 ? n : sizeof buf - 1), b);
    }
    return buf;
}

/* Least squares slope of log conc_law(n) on log n over the grid: a full
 * factorial grid makes it the multivariate fit's n slope. */
static double conc_slope_oracle(void)
{
    double xb = 0, yb = 0, sxy = 0, sxx = 0;
    for (int j = 0; j < 3; j++)
        xb += log(grid_n[j]) / 3, yb += log(conc_law(grid_n[j])) / 3;
    for (int j = 0; j < 3; j++)
        sxy += (log(grid_n[j]) - xb) * (log(conc_law(grid_n[j])) - yb), sxx += pow(log(grid_n[j]) - xb, 2);
    return sxy / sxx;
}

/* A floor: the plateau is stated with its cause; the slopes of the power-law
 * parts are recovered; the optimization table carries the fixture's values. */
static void test_scaling_floor(void)
{
    double med[3][3][3];
    char *md = fixture_report('A', "floor", med);
    unsigned long long seed = (unsigned long long)gfl_test_seed();
    double r = row_slope(md, "regret", "T"), c = row_slope(md, "a-priori concentration", "n");
    CHECK(fabs(r + 0.5) < 0.03, "regret vs T: %g, its law is T^-1/2 (seed %llu)", r, seed);
    CHECK(fabs(c - conc_slope_oracle()) < 0.002, "concentration vs n: %g, least squares of its law %g", c,
          conc_slope_oracle());
    double a = row_slope(md, "approx", "m");
    CHECK(fabs(a) < 0.03, "approx vs m: %g, its law is flat (seed %llu)", a, seed);
    /* uniform = 1.5 x chosen: the same slopes */
    for (int ax = 0; ax < 3; ax++) {
        const char *an = ax == 0 ? "m" : ax == 1 ? "n" : "T";
        double u = row_slope(md, "theorem-form chain, uniform comparator", an), ch = row_slope(md, "theorem-form chain", an);
        CHECK(!isnan(u) && fabs(u - ch) < 1e-2 * fmax(1e-3, fabs(ch)) + 1e-9, "uniform vs chosen slope in %s: %g, %g", an, u, ch);
    }
    const char *l = line_with(md, "**plateau**: the theorem-form chain does not fall with m");
    CHECK(*l && strstr(l, "largest term is approx (C4)") && strstr(l, "sets the form's floor along m"),
          "plateau of the chain in m, caused by approx: '%s' (seed %llu)", l, seed);
    l = line_with(md, "**plateau**: the a-priori form does not fall with T");
    CHECK(*l != 0, "the a-priori form is constant in T: a plateau line expected");
    /* the largest grid point's row: the test's own medians */
    char want[200];
    snprintf(want, sizeof want, "| 128 | 256 | 200 | optimized 4/4 | 3 | 2 | %.3g | %.3g | 1.5 | (0.01, 0.002) |",
             med[2][2][2], 1.5 * 1.02 * med[2][2][2]);
    CHECK(strstr(md, want) != NULL, "optimization row '%s' not in the report (seed %llu)", want, seed);
    /* the a-priori form's gain at n = 256: the configured triple's form over the chosen one's */
    double cn = conc_law(256), rbb = 2 * 2.9 * 2.86;
    snprintf(want, sizeof want, "the optimization divides the theorem-form chain by 1.5 (slopes uniform -> chosen: m ");
    CHECK(strstr(md, want) != NULL, "'%s' not in the report", want);
    snprintf(want, sizeof want, "; the a-priori form by %.3g (slopes configured -> chosen: m ",
             (0.1 + rbb * sqrt(0.2 + 2 * cn)) / (0.1 + rbb * sqrt(0.02 + cn)));
    CHECK(strstr(md, want) != NULL, "'%s' not in the report", want);
    CHECK(strstr(md, "| (0.1, 0.001) |") && strstr(md, "chosen over a grid of 35 points") &&
          strstr(md, "chosen in 108 of 108 runs"), "configured triple and the counts in the report");
    free(md);
}

/* A clean power law: slopes recovered, no plateau stated, the measured
 * crossover where the test's own medians first fall below 1. */
static void test_scaling_power_law(void)
{
    double med[3][3][3];
    char *md = fixture_report('B', "power", med);
    unsigned long long seed = (unsigned long long)gfl_test_seed();
    double bm = row_slope(md, "theorem-form chain", "m"), bn = row_slope(md, "theorem-form chain", "n"),
           bt = row_slope(md, "theorem-form chain", "T");
    CHECK(fabs(bm + 0.5) < 0.03 && fabs(bn + 0.25) < 0.03 && fabs(bt + 0.5) < 0.03,
          "chain slopes %g %g %g, the law's -0.5 -0.25 -0.5 (seed %llu)", bm, bn, bt, seed);
    CHECK(md && !strstr(md, "plateau"), "a clean power law has no plateau (seed %llu)", seed);
    char want[200] = "none";
    for (int i = 0; i < 3 && !strcmp(want, "none"); i++)
        for (int j = 0; j < 3 && !strcmp(want, "none"); j++)
            for (int k = 0; k < 3 && !strcmp(want, "none"); k++)
                if (med[i][j][k] < 1)
                    snprintf(want, sizeof want, "- theorem-form chain: **measured** below 1 (median over seeds) at m = %g, "
                             "n = %g, T = %g.", grid_m[i], grid_n[j], grid_T[k]);
    CHECK(strstr(md, want) != NULL, "crossover '%s' not in the report (seed %llu)", want, seed);
    CHECK(strstr(md, "Not in these results (no run reports it): ") && strstr(line_with(md, "Not in these results"), "a-priori form"),
          "the absent a-priori form is named");
    CHECK(strstr(md, "the best uniform-K one chosen in 108"), "uniform comparator counted");
    free(md);
}

/* Results of an older gfl check: the a-priori parts from the note, the
 * optimization stated as not reported, nothing invented. */
static void test_scaling_older_results(void)
{
    double med[3][3][3];
    char *md = fixture_report('C', "older", med);
    double c = row_slope(md, "a-priori concentration", "n");
    /* the note rounds the term to 3 digits */
    CHECK(fabs(c - conc_slope_oracle()) < 0.005, "concentration vs n from the note: %g, oracle %g", c,
          conc_slope_oracle());
    CHECK(md && strstr(md, "the comparator is not in these results") && strstr(md, "the triple is not in these results"),
          "older results: the optimization is said to be absent");
    CHECK(md && isnan(row_slope(md, "theorem-form chain, uniform comparator", "m")) &&
          isnan(row_slope(md, "a-priori form, configured (gamma, B_G)", "n")), "no before rows without data");
    CHECK(md && strstr(line_with(md, "Floor without any concentration"), "at check's configured (gamma, B_G)"),
          "the floor is at check's triple");
    free(md);
}

/* gfl check --seeds 3 --sweep DIR against the same seeds in-process: the same
 * verdicts per seed and link, and the same delta count. */
static void test_check_sweep(void)
{
    static const char *cases[] = {"xor", "parity"};
    for (int ci = 0; ci < 2; ci++) {
        char dir[600], res[700], log[700];
        snprintf(dir, sizeof dir, "%s/chk_%s", gfl_test_scratch(), cases[ci]);
        snprintf(res, sizeof res, "%s/results.json", dir);
        snprintf(log, sizeof log, "%s/chk_%s.log", gfl_test_scratch(), cases[ci]);
        const char *args[] = {"check", "--case", cases[ci], "--path", "fast", "--preset", "small", "--T", "30",
                              "--n-pop", "1024", "--seeds", "3", "--sweep", dir, "--jobs", "2", "--delta",
                              ci ? "0.3" : "0.1", NULL};
        int rc = run(args, log);
        CHECK(rc == 0 || rc == 1, "gfl check --sweep (%s): exit %d", cases[ci], rc);
        json_t *doc = json_load_file(res, 0, NULL);
        CHECK(doc && json_array_size(json_object_get(doc, "runs")) == 3, "%s: 3 runs merged", res);
        gfl_settings set;
        gfl_settings_init(&set);
        gfl_settings_set_preset(&set, GFL_PRESET_SMALL);
        gfl_settings_add(&set, "T", "30");
        gfl_check_request rq;
        gfl_check_report rep;
        gfl_check_request_init(&rq, gfl_paths);
        rq.path = gfl_path_find("fast");
        gfl_case_from_name(cases[ci], &rq.case_id);
        rq.settings = &set;
        gfl_check_param_set(&rq.params, "n-pop", "1024");
        /* the plan the sweep ran: the request's options, seeds 1..3 in the grid */
        json_t *plan = NULL;
        rq.params.seeds = 3;
        CHECK(gfl_sweep_check_plan(&rq, &plan) == GFL_OK, "plan: %s", gfl_error_message());
        json_t *seedg = json_object_get(json_object_get(plan, "grid"), "seed");
        CHECK(json_integer_value(json_object_get(seedg, "from")) == 1 && json_integer_value(json_object_get(seedg, "to")) == 3 &&
              !json_object_get(json_object_get(plan, "options"), "seeds") &&
              json_integer_value(json_object_get(json_object_get(plan, "options"), "n-pop")) == 1024,
              "plan: seeds 1..3 in the grid, n-pop kept, no seeds option");
        json_decref(plan);
        /* in-process, all three seeds: the delta count */
        CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK && gfl_check_execute(&rq, &rep, NULL, NULL) == GFL_OK);
        int stat_fail = rep.cases[0].stat_fail;
        gfl_check_report_clear(&rep);
        char want[120];
        snprintf(want, sizeof want, "| 3 | %d |", stat_fail);
        char *out = slurp(log);
        CHECK(out && strstr(out, want), "%s: the sweep's delta row has %d of 3 seeds failing: %s", cases[ci], stat_fail,
              out ? out : "");
        CHECK(out && strstr(out, ci ? "against delta = 0.3 " : "against delta = 0.1 "), "%s: the delta given", cases[ci]);
        free(out);
        /* in-process, one seed at a time: every link's verdict */
        rq.params.seeds = 1;
        for (int s = 1; s <= 3 && doc; s++) {
            char sv[16];
            snprintf(sv, sizeof sv, "%d", s);
            gfl_settings one = set;
            gfl_settings_add(&one, "seed", sv);
            rq.settings = &one;
            CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK && gfl_check_execute(&rq, &rep, NULL, NULL) == GFL_OK);
            json_t *links = NULL, *r;
            size_t i;
            json_array_foreach(json_object_get(doc, "runs"), i, r) {
                json_t *o = json_object_get(json_object_get(r, "config"), "options");
                if (json_integer_value(json_object_get(o, "seed")) == s)
                    links = json_object_get(json_array_get(json_object_get(json_object_get(r, "figures"), "cases"), 0),
                                            "links");
            }
            CHECK(json_array_size(links) == GFL_NLINKS, "%s seed %d: %zu links in the sweep's result", cases[ci], s,
                  json_array_size(links));
            for (int k = 0; k < GFL_NLINKS && k < (int)json_array_size(links); k++) {
                const gfl_link *l = &rep.cases[0].chain.link[k];
                const char *v = json_string_value(json_object_get(json_array_get(links, (size_t)k), "verdict"));
                CHECK(v && strcmp(v, gfl_verdict_name(l->verdict)) == 0, "%s seed %d link %s: in-process %s, sweep %s",
                      cases[ci], s, l->id, gfl_verdict_name(l->verdict), v ? v : "?");
            }
            gfl_check_report_clear(&rep);
        }
        rq.settings = &set;
        json_decref(doc);
    }
}

/* The plan of a check request: --all becomes a case axis over every case
 * study, --seed 5 --seeds 4 the seeds 5..8, check's parameters only where they
 * are not the defaults; its expansion is the runs the in-process check does. */
static void test_check_plan(void)
{
    gfl_settings set;
    gfl_settings_init(&set);
    gfl_settings_set_preset(&set, GFL_PRESET_SMALL);
    gfl_settings_add(&set, "T", "20");
    gfl_settings_add(&set, "seed", "5");
    gfl_settings_add(&set, "fixed-batch", NULL);
    gfl_check_request rq;
    gfl_check_request_init(&rq, gfl_paths);
    rq.path = gfl_path_find("fast");
    rq.all = 1;
    rq.settings = &set;
    rq.strict = 1;
    rq.params.seeds = 4;
    gfl_check_param_set(&rq.params, "delta", "0.2");
    json_t *plan = NULL, *runs = NULL;
    CU_ASSERT_FATAL(gfl_sweep_check_plan(&rq, &plan) == GFL_OK);
    json_t *o = json_object_get(plan, "options"), *g = json_object_get(plan, "grid");
    CHECK(json_array_size(json_object_get(g, "case")) == GFL_NCASES, "--all: every case study in the grid");
    CHECK(json_integer_value(json_object_get(json_object_get(g, "seed"), "from")) == 5 &&
          json_integer_value(json_object_get(json_object_get(g, "seed"), "to")) == 8, "seeds 5..8");
    CHECK(!json_object_get(o, "seed") && !json_object_get(o, "seeds") && !json_object_get(o, "level") &&
          !strcmp(json_string_value(json_object_get(o, "delta")), "0.2") && json_is_true(json_object_get(o, "strict")) &&
          json_is_true(json_object_get(o, "fixed-batch")) &&
          !strcmp(json_string_value(json_object_get(o, "preset")), "small") &&
          !strcmp(json_string_value(json_object_get(o, "path")), "fast") &&
          !strcmp(json_string_value(json_object_get(o, "T")), "20"), "plan options");
    CU_ASSERT_FATAL(gfl_sweep_expand(plan, &runs) == GFL_OK);
    CHECK(json_array_size(runs) == 4 * GFL_NCASES, "%zu runs, want %d", json_array_size(runs), 4 * GFL_NCASES);
    const char *line = json_string_value(json_object_get(json_array_get(runs, 0), "command"));
    CHECK(line && strstr(line, " --fixed-batch ") && strstr(line, " --strict") && strstr(line, " --delta 0.2 ") &&
          !strstr(line, "--seeds"), "run line '%s'", line ? line : "");
    json_decref(plan), json_decref(runs);
    /* a request the check refuses is refused before any plan */
    gfl_settings_add(&set, "m", "0");
    plan = NULL;
    CHECK(gfl_sweep_check_plan(&rq, &plan) == GFL_EINVAL && plan == NULL, "an invalid request gives no plan");
    gfl_error_clear();
}

void t_sweep_register(void)
{
    CU_pSuite s = CU_add_suite("sweep", NULL, NULL);
    CU_add_test(s, "FNV-1a test vectors", test_fnv_vectors);
    CU_add_test(s, "plan expansion = the grid's product", test_expand);
    CU_add_test(s, "bad plans: one line, EINVAL", test_bad_plans);
    CU_add_test(s, "mutated plans never crash", test_fuzz_plans);
    CU_add_test(s, "merge identical across workers; resume; refusals", test_cli_sweep);
    CU_add_test(s, "delta check against Clopper-Pearson", test_delta);
    CU_add_test(s, "random options of sweep and scaling", test_fuzz_options);
    CU_add_test(s, "scaling: a floor, its plateau and cause, the optimization table", test_scaling_floor);
    CU_add_test(s, "scaling: a clean power law, no plateau, measured crossover", test_scaling_power_law);
    CU_add_test(s, "scaling: older results (the a-priori note)", test_scaling_older_results);
    CU_add_test(s, "check request -> plan", test_check_plan);
    CU_add_test(s, "check --seeds --sweep = in-process, per seed and link", test_check_sweep);
}
