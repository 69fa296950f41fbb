/* Sweeps (sweep/gfl_sweep*.c): run ids against the published FNV-1a test
 * vectors, plan expansion against an enumeration of the grid, bad plans and a
 * seeded mutation fuzz of plan files, resume, merge completeness and its
 * byte-identity across worker counts and orders, and the delta check against
 * Clopper-Pearson bounds from GSL's beta quantiles. */
#include <fcntl.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
        CHECK(rc <= 2 && gfl_test_count_lines(e ? e : "") <= 1, "gfl %s %s %s ... (seed %llu, step %d): exit %d, '%s'",
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
}
