/* gfl_sweep: plans, run ids, one run as a child process, resume (gfl_sweep.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gfl_io.h"
#include "gfl_report.h"
#include "gfl_sweep.h"

#define MAX_RUNS 1000000

uint64_t gfl_sweep_fnv1a64(const void *data, size_t n)
{
    const unsigned char *b = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static char *canonical(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
}

void gfl_sweep_id(const json_t *config, char out[17])
{
    char *s = canonical(config);
    uint64_t h = s ? gfl_sweep_fnv1a64(s, strlen(s)) : 0;
    free(s);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static int name_ok(const char *s, int dash)
{
    if (!*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || (dash && *s == '-')))
            return 0;
    return 1;
}

/* A grid or option value: a string, an integer, a finite real, or true (a flag). */
static gfl_status value_ok(const char *key, const json_t *v)
{
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 1024 &&
        !strchr(json_string_value(v), '\n'))
        return GFL_OK;
    if (json_is_integer(v) || json_is_real(v) || json_is_true(v))
        return GFL_OK;
    GFL_ERROR(GFL_EINVAL, "plan: option '%s': a value must be a non-empty one-line string, a number or true", key);
}

/* The values of one grid axis: an array, or {"from": a, "to": b, "step": s} over integers. */
static gfl_status axis_values(const char *key, const json_t *g, json_t **out)
{
    *out = NULL;
    if (json_is_array(g)) {
        if (json_array_size(g) == 0)
            GFL_ERROR(GFL_EINVAL, "plan: grid '%s' is empty", key);
        size_t i;
        json_t *v;
        json_array_foreach(g, i, v) GFL_TRY(value_ok(key, v));
        *out = json_incref((json_t *)g);
        return GFL_OK;
    }
    json_t *f = json_object_get(g, "from"), *t = json_object_get(g, "to"), *s = json_object_get(g, "step");
    if (!json_is_object(g) || !json_is_integer(f) || !json_is_integer(t) || (s && !json_is_integer(s)) ||
        json_object_size(g) != 2u + (s != NULL))
        GFL_ERROR(GFL_EINVAL, "plan: grid '%s' must be a list or {\"from\": A, \"to\": B[, \"step\": S]} of integers",
                  key);
    json_int_t a = json_integer_value(f), b = json_integer_value(t), st = s ? json_integer_value(s) : 1;
    if (st < 1 || b < a || (b - a) / st >= MAX_RUNS)
        GFL_ERROR(GFL_EINVAL, "plan: grid '%s': need from <= to, step >= 1 and at most %d values", key, MAX_RUNS);
    json_t *arr = json_array();
    for (json_int_t x = a; x <= b; x += st)
        json_array_append_new(arr, json_integer(x));
    *out = arr;
    return GFL_OK;
}

static void append_value(json_t *argv, const json_t *v)
{
    char buf[64];
    if (json_is_string(v))
        json_array_append_new(argv, json_string(json_string_value(v)));
    else if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        json_array_append_new(argv, json_string(buf));
    } else {
        snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        json_array_append_new(argv, json_string(buf));
    }
}

/* One run's entry: id, config, argv, command (the reproduce line). */
static json_t *make_entry(const char *cmd, json_t *opts)
{
    json_t *config = json_pack("{s:s,s:O}", "command", cmd, "options", opts);
    json_t *argv = json_array();
    json_array_append_new(argv, json_string(cmd));
    const char **keys = malloc(json_object_size(opts) * sizeof *keys + 1);
    size_t nk = 0;
    const char *k;
    json_t *v;
    json_object_foreach(opts, k, v) keys[nk++] = k;
    for (size_t i = 1; i < nk; i++) /* sorted: the command line is canonical too */
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1], keys[j - 1] = t;
        }
    for (size_t i = 0; i < nk; i++) {
        char flag[80];
        snprintf(flag, sizeof flag, "--%s", keys[i]);
        json_array_append_new(argv, json_string(flag));
        v = json_object_get(opts, keys[i]);
        if (!json_is_true(v))
            append_value(argv, v);
    }
    free(keys);
    /* the reproduce line, each word quoted for a POSIX shell when it needs it */
    size_t cap = 16, n = 0;
    char *line = malloc(cap);
    size_t i;
    json_t *w;
    n = (size_t)snprintf(line, cap, "gfl");
    json_array_foreach(argv, i, w) {
        const char *s = json_string_value(w);
        int plain = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/=+:") == strlen(s);
        size_t need = n + 4 * strlen(s) + 4;
        if (need > cap)
            line = realloc(line, cap = 2 * need);
        line[n++] = ' ';
        if (!plain)
            line[n++] = '\'';
        for (; *s; s++) {
            if (*s == '\'' && !plain) {
                memcpy(line + n, "'\\''", 4);
                n += 4;
            } else
                line[n++] = *s;
        }
        if (!plain)
            line[n++] = '\'';
        line[n] = 0;
    }
    char id[17];
    gfl_sweep_id(config, id);
    json_t *e = json_pack("{s:s,s:o,s:o,s:s}", "id", id, "config", config, "argv", argv, "command", line);
    free(line);
    return e;
}

gfl_status gfl_sweep_expand(const json_t *plan, json_t **runs_out)
{
    *runs_out = NULL;
    if (!json_is_object(plan))
        GFL_ERROR(GFL_EINVAL, "plan: not a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)plan, k, v) {
        if (strcmp(k, "command") && strcmp(k, "options") && strcmp(k, "grid") && strcmp(k, "slurm") &&
            strcmp(k, "description"))
            GFL_ERROR(GFL_EINVAL, "plan: unknown key '%s' (command, options, grid, slurm, description)", k);
    }
    json_t *cmd = json_object_get(plan, "command"), *opts = json_object_get(plan, "options"),
           *grid = json_object_get(plan, "grid");
    if (!json_is_string(cmd) || !name_ok(json_string_value(cmd), 0))
        GFL_ERROR(GFL_EINVAL, "plan: \"command\" must name a gfl command (train, check, features, ...)");
    const char *c = json_string_value(cmd);
    if (!strcmp(c, "sweep") || !strcmp(c, "scaling") || !strcmp(c, "help") || !strcmp(c, "version"))
        GFL_ERROR(GFL_EINVAL, "plan: command '%s' cannot be swept", c);
    if ((opts && !json_is_object(opts)) || (grid && !json_is_object(grid)))
        GFL_ERROR(GFL_EINVAL, "plan: \"options\" and \"grid\" must be objects");
    json_object_foreach(opts, k, v) {
        if (!name_ok(k, 1))
            GFL_ERROR(GFL_EINVAL, "plan: bad option name '%s'", k);
        if (!strcmp(k, "json") || !strcmp(k, "all"))
            GFL_ERROR(GFL_EINVAL, "plan: option '%s' belongs to the sweep (one case per run: grid \"case\")", k);
        GFL_TRY(value_ok(k, v));
    }
    size_t na = json_object_size(grid), total = 1;
    const char *names[na + 1];
    json_t *vals[na + 1];
    size_t a = 0;
    gfl_status st = GFL_OK;
    json_object_foreach(grid, k, v) {
        if (!name_ok(k, 1) || !strcmp(k, "json") || !strcmp(k, "all") || json_object_get(opts, k)) {
            for (size_t j = 0; j < a; j++)
                json_decref(vals[j]);
            GFL_ERROR(GFL_EINVAL, "plan: grid '%s' is not a free option (bad name, or also in \"options\")", k);
        }
        if ((st = axis_values(k, v, &vals[a])) != GFL_OK) {
            for (size_t j = 0; j < a; j++)
                json_decref(vals[j]);
            return st;
        }
        names[a] = k;
        total *= json_array_size(vals[a]);
        a++;
        if (total > MAX_RUNS) {
            for (size_t j = 0; j < a; j++)
                json_decref(vals[j]);
            GFL_ERROR(GFL_EINVAL, "plan: more than %d runs", MAX_RUNS);
        }
    }
    for (size_t i = 1; i < na; i++) /* axes in name order: the expansion is canonical */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *tn = names[j];
            json_t *tv = vals[j];
            names[j] = names[j - 1], vals[j] = vals[j - 1];
            names[j - 1] = tn, vals[j - 1] = tv;
        }
    json_t *runs = json_array(), *seen = json_object();
    for (size_t r = 0; r < total && st == GFL_OK; r++) {
        json_t *o = opts ? json_deep_copy(opts) : json_object();
        size_t rem = r;
        for (size_t j = na; j-- > 0;) {
            size_t nv = json_array_size(vals[j]);
            json_object_set(o, names[j], json_array_get(vals[j], rem % nv));
            rem /= nv;
        }
        json_t *e = make_entry(c, o);
        json_decref(o);
        const char *id = json_string_value(json_object_get(e, "id"));
        if (json_object_get(seen, id))
            GFL_SET_ERROR(st, GFL_EINVAL, "plan: two runs with the same configuration (%s): a repeated grid value",
                          json_string_value(json_object_get(e, "command")));
        json_object_set_new(seen, id, json_true());
        json_array_append_new(runs, e);
    }
    for (size_t j = 0; j < na; j++)
        json_decref(vals[j]);
    json_decref(seen);
    if (st != GFL_OK) {
        json_decref(runs);
        return st;
    }
    *runs_out = runs;
    return GFL_OK;
}

static gfl_status json_writer(FILE *f, void *ctx)
{
    if (json_dumpf((const json_t *)ctx, f, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII) != 0)
        return GFL_EIO;
    fputc('\n', f);
    return ferror(f) ? GFL_EIO : GFL_OK;
}

gfl_status gfl_sweep_write_json(const char *path, const json_t *doc)
{
    return gfl_io_write_atomic(path, json_writer, (void *)doc);
}

static gfl_status text_writer(FILE *f, void *ctx)
{
    fputs((const char *)ctx, f);
    return ferror(f) ? GFL_EIO : GFL_OK;
}

gfl_status gfl_sweep_write_text(const char *path, const char *text)
{
    return gfl_io_write_atomic(path, text_writer, (void *)text);
}

gfl_status gfl_sweep_self(char *self, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", self, len - 1);
    if (n <= 0)
        GFL_ERROR(GFL_EINTERNAL, "cannot find this program (/proc/self/exe): %s", strerror(errno));
    self[n] = 0;
    return GFL_OK;
}

static gfl_status mkdir_p1(const char *d)
{
    if (mkdir(d, 0755) != 0 && errno != EEXIST)
        GFL_ERROR(GFL_EIO, "cannot create '%s': %s", d, strerror(errno));
    struct stat sb;
    if (stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "'%s' is not a directory", d);
    return GFL_OK;
}

gfl_status gfl_sweep_plan_write_doc(const json_t *plan, const char *dir, int *nrun)
{
    json_t *runs = NULL;
    json_error_t je;
    GFL_TRY(gfl_sweep_expand(plan, &runs));
    json_t *doc = json_pack("{s:s,s:O,s:o}", "format", "gfl-sweep-plan 1", "plan", plan, "runs", runs);
    *nrun = (int)json_array_size(runs);
    char path[PATH_MAX], sub[PATH_MAX];
    gfl_status st;
    if ((st = mkdir_p1(dir)) == GFL_OK && (st = gfl_io_join(path, sizeof path, dir, "plan.json")) == GFL_OK &&
        (st = gfl_io_join(sub, sizeof sub, dir, "runs")) == GFL_OK) {
        json_t *old = json_load_file(path, 0, &je);
        if (old && !json_equal(old, doc))
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s' holds another plan: give a new directory", dir);
        else if (!old && access(path, F_OK) == 0)
            GFL_SET_ERROR(st, GFL_EINVAL, "'%s' is not a sweep plan (%s)", path, je.text);
        else if (!old)
            st = gfl_sweep_write_json(path, doc);
        json_decref(old);
        if (st == GFL_OK)
            st = mkdir_p1(sub);
        if (st == GFL_OK && (st = gfl_io_join(sub, sizeof sub, dir, "logs")) == GFL_OK)
            st = mkdir_p1(sub);
    }
    json_decref(doc);
    return st;
}

gfl_status gfl_sweep_plan_write(const char *plan_file, const char *dir, int *nrun)
{
    json_error_t je;
    json_t *plan = json_load_file(plan_file, JSON_REJECT_DUPLICATES, &je);
    if (!plan)
        GFL_ERROR(GFL_EINVAL, "plan '%s': %s (line %d)", plan_file, je.text, je.line);
    gfl_status st = gfl_sweep_plan_write_doc(plan, dir, nrun);
    json_decref(plan);
    return st;
}

void gfl_sweep_free(gfl_sweep_plan *p)
{
    for (int i = 0; i < p->nrun; i++) {
        free(p->runs[i].argv);
        free(p->runs[i].line);
    }
    free(p->runs);
    free(p->dir);
    json_decref(p->doc);
    memset(p, 0, sizeof *p);
}

gfl_status gfl_sweep_load(const char *dir, gfl_sweep_plan *p)
{
    memset(p, 0, sizeof *p);
    char path[PATH_MAX];
    GFL_TRY(gfl_io_join(path, sizeof path, dir, "plan.json"));
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *runs = NULL;
    if (!doc)
        GFL_ERROR(GFL_EINVAL, "'%s': %s (make one with 'gfl sweep plan PLAN --out DIR')", path, je.text);
    /* the entries are re-expanded from the plan, never trusted as written */
    gfl_status st = gfl_sweep_expand(json_object_get(doc, "plan"), &runs);
    if (st == GFL_OK && !json_equal(runs, json_object_get(doc, "runs")))
        GFL_SET_ERROR(st, GFL_EINVAL, "'%s': its runs are not the expansion of its plan (edited by hand?)", path);
    json_decref(runs);
    if (st != GFL_OK) {
        json_decref(doc);
        return st;
    }
    char *rp = realpath(dir, NULL);
    p->dir = rp ? rp : strdup(dir);
    p->doc = doc;
    runs = json_object_get(doc, "runs");
    p->nrun = (int)json_array_size(runs);
    p->runs = calloc((size_t)p->nrun + 1, sizeof *p->runs);
    for (int i = 0; i < p->nrun; i++) {
        json_t *e = json_array_get(runs, (size_t)i), *av = json_object_get(e, "argv");
        gfl_sweep_entry *r = &p->runs[i];
        snprintf(r->id, sizeof r->id, "%s", json_string_value(json_object_get(e, "id")));
        r->config = json_object_get(e, "config");
        r->argv = calloc(json_array_size(av) + 1, sizeof *r->argv);
        for (size_t k = 0; k < json_array_size(av); k++)
            r->argv[k] = (char *)json_string_value(json_array_get(av, k));
        r->line = strdup(json_string_value(json_object_get(e, "command")));
    }
    return GFL_OK;
}

int gfl_sweep_find(const gfl_sweep_plan *p, const char *id)
{
    for (int i = 0; i < p->nrun; i++)
        if (strcmp(p->runs[i].id, id) == 0)
            return i;
    return -1;
}

static gfl_status run_path(const gfl_sweep_plan *p, const char *id, const char *suffix, char *out, size_t len)
{
    if (snprintf(out, len, "%s/runs/%s%s", p->dir, id, suffix) >= (int)len)
        GFL_ERROR(GFL_EINVAL, "path too long: '%s'", p->dir);
    return GFL_OK;
}

/* A result file that belongs to run i: its id and configuration are the plan's. */
static int result_valid(const gfl_sweep_plan *p, int i, const char *suffix, const char *status)
{
    char path[PATH_MAX];
    if (run_path(p, p->runs[i].id, suffix, path, sizeof path) != GFL_OK) {
        gfl_error_clear();
        return 0;
    }
    json_t *r = json_load_file(path, 0, NULL);
    char id[17] = "";
    if (r)
        gfl_sweep_id(json_object_get(r, "config"), id);
    int ok = r && strcmp(id, p->runs[i].id) == 0 && json_equal(json_object_get(r, "config"), p->runs[i].config) &&
             json_is_string(json_object_get(r, "id")) &&
             strcmp(json_string_value(json_object_get(r, "id")), p->runs[i].id) == 0 &&
             json_is_string(json_object_get(r, "status")) &&
             strcmp(json_string_value(json_object_get(r, "status")), status) == 0;
    json_decref(r);
    return ok;
}

gfl_run_state gfl_sweep_state(const gfl_sweep_plan *p, int i)
{
    if (result_valid(p, i, ".json", "done"))
        return GFL_RUN_DONE;
    if (result_valid(p, i, ".failed.json", "failed"))
        return GFL_RUN_FAILED;
    return GFL_RUN_MISSING;
}

static char *tail_of(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    long from = n > (long)max ? n - (long)max : 0;
    fseek(f, from, SEEK_SET);
    char *b = calloc(max + 1, 1);
    size_t got = fread(b, 1, max, f);
    b[got] = 0;
    fclose(f);
    return b;
}

double gfl_sweep_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

gfl_status gfl_sweep_exec(const gfl_sweep_plan *p, int i, int *done)
{
    const gfl_sweep_entry *r = &p->runs[i];
    *done = 0;
    if (gfl_sweep_state(p, i) == GFL_RUN_DONE) {
        *done = 1;
        return GFL_OK; /* resume: already there */
    }
    char self[PATH_MAX], tmp[PATH_MAX], log[PATH_MAX], out[PATH_MAX], failed[PATH_MAX];
    GFL_TRY(gfl_sweep_self(self, sizeof self));
    GFL_TRY(run_path(p, r->id, ".json", out, sizeof out));
    GFL_TRY(run_path(p, r->id, ".failed.json", failed, sizeof failed));
    if (snprintf(tmp, sizeof tmp, "%s/runs/.%s.part%ld.json", p->dir, r->id, (long)getpid()) >= (int)sizeof tmp ||
        snprintf(log, sizeof log, "%s/logs/%s.log", p->dir, r->id) >= (int)sizeof log)
        GFL_ERROR(GFL_EINVAL, "path too long: '%s'", p->dir);
    int argc = 0;
    while (r->argv[argc])
        argc++;
    char *av[argc + 5];
    av[0] = self;
    for (int k = 0; k < argc; k++)
        av[k + 1] = r->argv[k];
    av[argc + 1] = (char *)"--json", av[argc + 2] = tmp, av[argc + 3] = NULL;
    char lock[PATH_MAX], host[256] = "";
    gethostname(host, sizeof host - 1);
    if (snprintf(lock, sizeof lock, "%s/runs/.%s.lock", p->dir, r->id) >= (int)sizeof lock)
        GFL_ERROR(GFL_EINVAL, "path too long: '%s'", p->dir);
    /* the lock says "HOST PID" while the run is in progress (gfl sweep status) */
    FILE *lf = fopen(lock, "w");
    if (lf) {
        fprintf(lf, "%s %ld\n", host, (long)getpid());
        fclose(lf);
        gfl_io_track(lock, GFL_IO_TEMP_FILE);
    }
    fflush(NULL);
    double t0 = gfl_sweep_now();
    gfl_io_track(tmp, GFL_IO_TEMP_FILE);
    pid_t pid = fork();
    if (pid < 0)
        GFL_ERROR(GFL_EINTERNAL, "fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1), dup2(fd, 2);
            close(fd);
        }
        /* several runs share the cores: one BLAS thread each unless told otherwise */
        setenv("OPENBLAS_NUM_THREADS", getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "1", 1);
        /* this very binary, even if bin/gfl was rebuilt meanwhile */
        execv("/proc/self/exe", av);
        execv(self, av);
        _exit(127);
    }
    gfl_io_track_child(pid);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    gfl_io_untrack_child(pid);
    double secs = gfl_sweep_now() - t0;
    int rc = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    json_t *res = (rc == 0 || rc == 1) ? json_load_file(tmp, 0, NULL) : NULL;
    unlink(tmp);
    gfl_io_untrack(tmp);
    json_t *doc = json_pack("{s:s,s:O,s:s,s:i,s:s}", "id", r->id, "config", r->config, "command", r->line, "exit",
                            rc, "status", res ? "done" : "failed");
    json_object_set_new(doc, "run", json_pack("{s:f,s:s}", "seconds", secs, "host", host));
    gfl_status st;
    if (res) {
        json_t *ver = json_object_get(res, "versions");
        json_object_set_new(doc, "versions", ver ? json_incref(ver) : gfl_report_versions());
        json_object_del(res, "versions");
        json_object_set_new(doc, "result", res);
        if ((st = gfl_sweep_write_json(out, doc)) == GFL_OK)
            unlink(failed);
        *done = st == GFL_OK;
    } else {
        char *t = tail_of(log, 1500);
        json_object_set_new(doc, "stderr_tail", json_string(t));
        free(t);
        st = gfl_sweep_write_json(failed, doc);
    }
    json_decref(doc);
    unlink(lock);
    gfl_io_untrack(lock);
    return st;
}

int gfl_sweep_running(const gfl_sweep_plan *p, int i)
{
    char lock[PATH_MAX], host[256] = "", h[256] = "";
    long pid = 0;
    gethostname(host, sizeof host - 1);
    if (snprintf(lock, sizeof lock, "%s/runs/.%s.lock", p->dir, p->runs[i].id) >= (int)sizeof lock)
        return 0;
    FILE *f = fopen(lock, "r");
    if (!f)
        return 0;
    int ok = fscanf(f, "%255s %ld", h, &pid) == 2;
    fclose(f);
    /* on another host the lock cannot be verified: taken at its word */
    return ok && (strcmp(h, host) != 0 || (pid > 0 && kill((pid_t)pid, 0) == 0));
}

gfl_status gfl_sweep_exec_chunk(const gfl_sweep_plan *p, int k, int size, int *failed)
{
    *failed = 0;
    if (k < 0 || size < 1 || (long)k * size >= p->nrun)
        GFL_ERROR(GFL_EINVAL, "chunk %d of size %d is outside the plan's %d runs", k, size, p->nrun);
    for (long i = (long)k * size; i < (long)(k + 1) * size && i < p->nrun; i++) {
        int done;
        GFL_TRY(gfl_sweep_exec(p, (int)i, &done));
        *failed += !done;
    }
    return GFL_OK;
}

json_t *gfl_sweep_strip(const json_t *v)
{
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            size_t n = strlen(k);
            int timing = strcmp(k, "seconds") == 0 || (n > 8 && strcmp(k + n - 8, "_seconds") == 0);
            if (!timing && strcmp(k, "versions") && strcmp(k, "host"))
                json_object_set_new(o, k, gfl_sweep_strip(x));
        }
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) json_array_append_new(a, gfl_sweep_strip(x));
        return a;
    }
    return json_deep_copy(v);
}
