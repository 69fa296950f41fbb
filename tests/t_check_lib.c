/* gfl check as a library call (proofs_check/gfl_check.h): the same request
 * through the library and through the CLI gives the same report, and the
 * check's own defaults (sigma_a, mog's m, the presets of --path both) are
 * applied by the library, with the values SPEC 6 and 7 and the presets of
 * core/gfl_config.c fix as the oracle. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfl_check_report.h"
#include "gfl_paths.h"
#include "gfl_report.h"
#include "gfl_test.h"
#include "gfl_train.h"

/* The file's bytes with every "seconds" value (wall-clock timings, the only
 * figures two runs may differ in) replaced by 0. */
static char *read_masked(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *out = malloc(len + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = buf; *p;) {
        static const char key[] = "\"seconds\": ";
        if (strncmp(p, key, sizeof key - 1) == 0) {
            memcpy(o, key, sizeof key - 1);
            o += sizeof key - 1;
            p += sizeof key - 1;
            *o++ = '0';
            while (*p && *p != ',' && *p != '\n')
                p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static int run_cli(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        dup2(nul, 1);
        gfl_test_exec_gfl(args);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* `gfl check --case mog --T 12 --n-pop 1024 --json F` (both paths, each on its
 * own preset) against the same request built in code. */
static void test_library_equals_cli(void)
{
    char cli[512], lib[512];
    snprintf(cli, sizeof cli, "%s/check_cli.json", gfl_test_scratch());
    snprintf(lib, sizeof lib, "%s/check_lib.json", gfl_test_scratch());
    const char *args[] = {"check", "--case", "mog", "--T", "12", "--n-pop", "1024", "--json", cli, NULL};
    int rc = run_cli(args);
    CHECK(rc == 0, "CLI check exit %d", rc);

    gfl_settings set;
    gfl_settings_init(&set);
    CU_ASSERT_FATAL(gfl_settings_add(&set, "T", "12") == GFL_OK);
    gfl_check_request rq;
    gfl_check_report rep;
    gfl_check_request_init(&rq, gfl_paths);
    rq.case_id = GFL_CASE_MOG;
    rq.settings = &set;
    CU_ASSERT_FATAL(gfl_check_param_set(&rq.params, "n-pop", "1024") == GFL_OK);
    CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK);
    CU_ASSERT_FATAL(gfl_check_execute(&rq, &rep, NULL, NULL) == GFL_OK);
    CHECK(rep.ok == (rc == 0), "library ok %d, CLI exit %d", rep.ok, rc);
    json_t *doc = gfl_check_report_json(&rq, &rep);
    CU_ASSERT_FATAL(gfl_report_write_json(lib, doc) == GFL_OK);
    json_decref(doc);
    gfl_check_report_clear(&rep);

    char *a = read_masked(cli), *b = read_masked(lib);
    CU_ASSERT_FATAL(a && b);
    CHECK(strlen(a) > 1000 && strcmp(a, b) == 0, "library and CLI reports differ (%s, %s)", cli, lib);
    free(a);
    free(b);
}

/* The plan's configurations: the options on each path's preset, then the
 * check's defaults only where an option is absent. */
static void test_plan_defaults(void)
{
    gfl_config small, dflt;
    gfl_config_defaults(&small, GFL_CASE_MOG, GFL_PRESET_SMALL);
    gfl_config_defaults(&dflt, GFL_CASE_MOG, GFL_PRESET_DEFAULT);
    gfl_settings set;
    gfl_settings_init(&set);
    gfl_check_request rq;
    gfl_check_report rep;
    gfl_check_request_init(&rq, gfl_paths);
    rq.case_id = GFL_CASE_MOG;
    rq.settings = &set;
    CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK);
    CU_ASSERT_EQUAL_FATAL(rep.n, 2);
    /* SPEC 7: sigma_a = 4; SPEC 6 C3: mog needs m >= 128 on the small preset */
    CHECK(rep.path[0] == gfl_path_find("ref") && rep.cfg[0].preset == GFL_PRESET_SMALL &&
              rep.cfg[0].d == small.d && rep.cfg[0].T == small.T && rep.cfg[0].sigma_a == 4.0 && rep.cfg[0].m == 128,
          "ref: preset %d d %d T %d sigma_a %g m %d", rep.cfg[0].preset, rep.cfg[0].d, rep.cfg[0].T,
          rep.cfg[0].sigma_a, rep.cfg[0].m);
    CHECK(rep.path[1] == gfl_path_find("fast") && rep.cfg[1].preset == GFL_PRESET_DEFAULT &&
              rep.cfg[1].d == dflt.d && rep.cfg[1].sigma_a == 4.0 && rep.cfg[1].m == (dflt.m < 128 ? 128 : dflt.m),
          "fast: preset %d d %d sigma_a %g m %d", rep.cfg[1].preset, rep.cfg[1].d, rep.cfg[1].sigma_a, rep.cfg[1].m);
    gfl_check_report_clear(&rep);

    /* given options win; a given preset holds for both paths; one path */
    CU_ASSERT_FATAL(gfl_settings_add(&set, "sigma-a", "2") == GFL_OK);
    CU_ASSERT_FATAL(gfl_settings_add(&set, "m", "64") == GFL_OK);
    gfl_settings_set_preset(&set, GFL_PRESET_SMALL);
    rq.path = gfl_path_find("fast");
    CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK);
    CU_ASSERT_EQUAL_FATAL(rep.n, 1);
    CHECK(rep.path[0] == gfl_path_find("fast") && rep.cfg[0].preset == GFL_PRESET_SMALL && rep.cfg[0].d == small.d &&
              rep.cfg[0].sigma_a == 2.0 && rep.cfg[0].m == 64,
          "given: preset %d d %d sigma_a %g m %d", rep.cfg[0].preset, rep.cfg[0].d, rep.cfg[0].sigma_a, rep.cfg[0].m);
    gfl_check_report_clear(&rep);

    /* a path without the default preset of --path both: the default preset */
    gfl_settings_init(&set);
    rq.path = gfl_path_find("ref");
    CU_ASSERT_FATAL(gfl_check_plan(&rq, &rep) == GFL_OK);
    CHECK(rep.n == 1 && rep.cfg[0].preset == GFL_PRESET_DEFAULT && rep.cfg[0].d == dflt.d, "ref alone: preset %d",
          rep.cfg[0].preset);
    gfl_check_report_clear(&rep);
}

/* The parameter ranges the CLI used to check alone. */
static void test_param_ranges(void)
{
    static const char *const bad[][2] = {{"seeds", "0"},  {"seeds", "1.5"},   {"n-pop", "2e7"}, {"delta", "1"},
                                         {"delta0", "0"}, {"level", "0.4"},   {"level", "1"},   {"c-n", "-1"},
                                         {"eps", "-0.5"}, {"eps", "nan"},     {"nosuch", "1"}};
    gfl_check_params p;
    gfl_check_defaults(&p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gfl_error_clear();
        gfl_status st = gfl_check_param_set(&p, bad[i][0], bad[i][1]);
        CHECK(st == GFL_EINVAL && gfl_test_count_lines(gfl_error_message()) == 0, "--%s %s: status %d '%s'",
              bad[i][0], bad[i][1], st, gfl_error_message());
    }
    gfl_error_clear();
    CU_ASSERT(gfl_check_param_set(&p, "seeds", "3") == GFL_OK && p.seeds == 3);
    CU_ASSERT(gfl_check_param_set(&p, "level", "0.5") == GFL_OK && p.cp.level == 0.5);
    CU_ASSERT(gfl_check_param_set(&p, "eps", "0") == GFL_OK && p.cp.eps == 0.0);
    /* the same ranges hold for a request built in code */
    gfl_check_request rq;
    gfl_check_report rep;
    gfl_check_request_init(&rq, gfl_paths);
    rq.params.seeds = 0;
    CU_ASSERT(gfl_check_plan(&rq, &rep) == GFL_EINVAL);
    gfl_error_clear();
}

/* The registry: every path is found by its own name, a descriptor's fields
 * agree with what its engine says of itself, and an unknown name is one line
 * naming the choices. */
static void test_registry(void)
{
    int n = 0;
    for (int i = 0; gfl_paths[i]; i++, n++) {
        const gfl_path *p = gfl_paths[i];
        CHECK(gfl_path_find(p->name) == p, "find('%s')", p->name);
        if (p->engine)
            CHECK(strcmp(p->engine->name, p->name) == 0, "path '%s' holds engine '%s'", p->name, p->engine->name);
        /* unit roundoff: 2^-prec at prec bits, or 2^-53 whatever prec for a double path */
        CHECK(p->unit(113) == (p->at_prec ? 0x1p-113 : 0x1p-53), "unit of '%s'", p->name);
    }
    CU_ASSERT(n >= 2);
    CU_ASSERT(gfl_path_reference()->agreement_bits != NULL && gfl_path_tested()->bounds != NULL);
    const gfl_path *p = NULL;
    CU_ASSERT(gfl_path_find("nosuch") == NULL && gfl_path_find(NULL) == NULL);
    gfl_error_clear();
    CHECK(gfl_path_lookup("nosuch", &p) == GFL_EINVAL && p == NULL && gfl_test_count_lines(gfl_error_message()) == 0,
          "%s", gfl_error_message());
    for (int i = 0; gfl_paths[i]; i++) /* the message names every choice */
        CHECK(strstr(gfl_error_message(), gfl_paths[i]->name) != NULL, "'%s' not in: %s", gfl_paths[i]->name,
              gfl_error_message());
    gfl_error_clear();
    CU_ASSERT(gfl_path_lookup_engine("fast", &p) == GFL_OK && p == gfl_path_find("fast"));
}

/* gfl_train is the stepper driven T times: a stepper driven by hand ends on
 * the same parameters bit for bit; a step on a batch drawn for another step
 * is refused. */
static void test_stepper(void)
{
    gfl_config cfg;
    gfl_config_defaults(&cfg, GFL_CASE_XOR, GFL_PRESET_SMALL);
    cfg.seed = gfl_test_seed();
    cfg.T = 7;
    gfl_problem pb;
    gfl_run run;
    gfl_stepper sp;
    CU_ASSERT_FATAL(gfl_problem_init(&pb, &cfg) == GFL_OK);
    CU_ASSERT_FATAL(gfl_run_init(&run, &cfg) == GFL_OK);
    const gfl_engine_vt *vt = gfl_path_find("fast")->engine;
    CU_ASSERT_FATAL(gfl_train(vt, &pb, &run, NULL, NULL) == GFL_OK);
    CU_ASSERT_FATAL(gfl_stepper_init(&sp, vt, &pb, NULL, cfg.n) == GFL_OK);
    gfl_step_info info;
    CU_ASSERT(gfl_stepper_step(&sp, &sp, &info) == GFL_EINTERNAL); /* nothing drawn yet */
    gfl_error_clear();
    for (int t = 1; t <= cfg.T; t++) {
        gfl_stepper_draw(&sp);
        CU_ASSERT_FATAL(gfl_stepper_step(&sp, &sp, &info) == GFL_OK);
        CU_ASSERT(info.batch_loss == run.rec[t].batch_loss);
    }
    CU_ASSERT(gfl_stepper_step(&sp, &sp, &info) == GFL_EINTERNAL); /* the batch of step T, not T + 1 */
    gfl_error_clear();
    double *a = malloc((size_t)cfg.m * sizeof(double)), *W = malloc((size_t)cfg.m * cfg.d * sizeof(double));
    CU_ASSERT_FATAL(a && W);
    vt->store(sp.eng, a, W);
    CU_ASSERT(memcmp(a, run.a, (size_t)cfg.m * sizeof(double)) == 0);
    CU_ASSERT(memcmp(W, run.W, (size_t)cfg.m * cfg.d * sizeof(double)) == 0);
    double L, E;
    CU_ASSERT(gfl_stepper_evaluate(&sp, &L, &E) == GFL_OK && L == run.test_loss && E == run.test_error);
    free(a);
    free(W);
    gfl_stepper_clear(&sp);
    gfl_run_clear(&run);
    gfl_problem_clear(&pb);
}

/* 1 if dir/name exists. */
static int exists_in(const char *dir, const char *name)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

/* Every #include "X" of the C files in dir: how many name a header of one of
 * the banned directories; and how many lines name a symbol of `symbols`. */
static int scan_dir(const char *dir, const char *const *banned, const char *const *symbols, char *first, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int bad = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 3 || (strcmp(de->d_name + n - 2, ".c") != 0 && strcmp(de->d_name + n - 2, ".h") != 0))
            continue;
        char p[512], line[1024];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f)) {
            char inc[256];
            int hit = 0;
            if (sscanf(line, " #include \"%255[^\"]\"", inc) == 1)
                for (int b = 0; banned[b] && !hit; b++)
                    hit = exists_in(banned[b], inc);
            const char *code = line + strspn(line, " \t");
            int comment = code[0] == '*' || strncmp(code, "/*", 2) == 0; /* a comment may name a file */
            for (int k = 0; symbols[k] && !hit && !comment; k++)
                hit = strstr(line, symbols[k]) != NULL;
            if (hit && bad++ == 0)
                snprintf(first, len, "%.200s: %.300s", p, line);
        }
        fclose(f);
    }
    closedir(d);
    return bad;
}

/* The layering of docs/design.md, "one door": proofs_check/ and cli/ include
 * no ref/ or fast/ header and name no engine, oracle or path object; core/
 * includes nothing above it.  Only the registry (paths/) names the paths. */
static void test_one_door(void)
{
    static const char *const paths_only[] = {"ref", "fast", NULL};
    static const char *const above_core[] = {"ref", "fast", "paths", "proofs_check", "cli", NULL};
    static const char *const objects[] = {"gfl_ref_engine", "gfl_fast_engine", "gfl_ref_oracle", "gfl_fast_oracle",
                                          "gfl_ref_path", "gfl_fast_path", NULL};
    static const char *const none[] = {NULL};
    static const struct {
        const char *dir;
        const char *const *banned, *const *symbols;
    } rules[] = {{"proofs_check", paths_only, objects}, {"cli", paths_only, objects}, {"core", above_core, objects}};
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        char first[1024] = "";
        int bad = scan_dir(rules[r].dir, rules[r].banned, rules[r].symbols, first, sizeof first);
        CHECK(bad == 0, "%s/: %d line(s) reach past the door, first %s", rules[r].dir, bad, first);
    }
    /* the scan itself finds what it looks for */
    char first[1024] = "";
    CU_ASSERT(scan_dir("paths", paths_only, none, first, sizeof first) >= 2);
}

void t_check_lib_register(void)
{
    CU_pSuite s = CU_add_suite("check_lib", NULL, NULL);
    CU_add_test(s, "the library and the CLI give the same report", test_library_equals_cli);
    CU_add_test(s, "the check's defaults and presets live in the library", test_plan_defaults);
    CU_add_test(s, "parameter ranges", test_param_ranges);
    s = CU_add_suite("check_lib_door", NULL, NULL);
    CU_add_test(s, "the path registry", test_registry);
    CU_add_test(s, "Algorithm 1 as a stepper", test_stepper);
    CU_add_test(s, "one door: the layers include and name only what they may", test_one_door);
}
