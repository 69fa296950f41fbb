/* gfl_sweep backends (local processes, GNU parallel, Slurm job arrays) and
 * the status of a sweep (gfl_sweep.h, docs/sweeps.md). */
#include <errno.h>
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
#include "gfl_sweep.h"

static void progress(int done, int failed, int total, int resumed, double t0, int started, int final)
{
    double el = gfl_sweep_now() - t0;
    int fresh = done + failed - resumed;
    char eta[32] = "?";
    if (fresh > 0 && started > 0) {
        double left = el / fresh * (total - done - failed);
        snprintf(eta, sizeof eta, "%dm%02ds", (int)(left / 60), (int)left % 60);
    }
    int tty = isatty(2);
    fprintf(stderr, "%ssweep: %d/%d done, %d failed, %d resumed, elapsed %.0fs, ETA %s%s", tty ? "\r" : "", done,
            total, failed, resumed, el, final ? "0s" : eta, tty && !final ? "   " : "\n");
    fflush(stderr);
}

static int ncores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static gfl_status run_local(const gfl_sweep_plan *p, int jobs, int *nfailed)
{
    int done = 0, failed = 0, resumed = 0, total = p->nrun;
    int *pending = malloc(((size_t)p->nrun + 1) * sizeof *pending), np = 0;
    for (int i = 0; i < p->nrun; i++) {
        if (gfl_sweep_state(p, i) == GFL_RUN_DONE)
            done++, resumed++;
        else
            pending[np++] = i;
    }
    double t0 = gfl_sweep_now(), last = 0;
    pid_t *slot = calloc((size_t)jobs, sizeof *slot);
    int next = 0, running = 0;
    gfl_status st = GFL_OK;
    progress(done, failed, total, resumed, t0, 0, 0);
    while ((next < np || running > 0) && st == GFL_OK) {
        while (running < jobs && next < np) {
            int i = pending[next++];
            fflush(NULL);
            pid_t pid = fork();
            if (pid < 0) {
                GFL_SET_ERROR(st, GFL_EINTERNAL, "fork: %s", strerror(errno));
                break;
            }
            if (pid == 0) {
                int ok = 0;
                gfl_status s = gfl_sweep_exec(p, i, &ok);
                if (s != GFL_OK)
                    fprintf(stderr, "\ngfl: sweep: run %s: %s\n", p->runs[i].id, gfl_error_message());
                _exit(s != GFL_OK ? 3 : ok ? 0 : 1);
            }
            gfl_io_track_child(pid);
            for (int k = 0; k < jobs; k++)
                if (!slot[k]) {
                    slot[k] = pid;
                    break;
                }
            running++;
        }
        int ws;
        pid_t pid = wait(&ws);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        gfl_io_untrack_child(pid);
        for (int k = 0; k < jobs; k++)
            if (slot[k] == pid)
                slot[k] = 0, running--;
        if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
            done++;
        else
            failed++;
        if (gfl_sweep_now() - last > (isatty(2) ? 0.2 : 10.0) || (next >= np && running == 0)) {
            progress(done, failed, total, resumed, t0, 1, next >= np && running == 0);
            last = gfl_sweep_now();
        }
    }
    if (np == 0)
        progress(done, failed, total, resumed, t0, 1, 1);
    free(slot);
    free(pending);
    *nfailed = failed;
    return st;
}

/* fork/exec argv with stdout to out_fd (-1: inherited); returns the exit code (or -1). */
static int spawn(char *const argv[], int out_fd, char *capture, size_t cap)
{
    int pfd[2] = {-1, -1};
    if (capture && pipe(pfd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (capture)
            dup2(pfd[1], 1), close(pfd[0]), close(pfd[1]);
        else if (out_fd >= 0)
            dup2(out_fd, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    gfl_io_track_child(pid);
    if (capture) {
        close(pfd[1]);
        size_t n = 0;
        ssize_t k;
        while (n + 1 < cap && (k = read(pfd[0], capture + n, cap - 1 - n)) != 0) {
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                break;
            n += (size_t)k;
        }
        capture[n] = 0;
        close(pfd[0]);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    gfl_io_untrack_child(pid);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static gfl_status mkdir_in(const gfl_sweep_plan *p, const char *name, char *out, size_t len)
{
    GFL_TRY(gfl_io_join(out, len, p->dir, name));
    if (mkdir(out, 0755) != 0 && errno != EEXIST)
        GFL_ERROR(GFL_EIO, "cannot create '%s': %s", out, strerror(errno));
    return GFL_OK;
}

static gfl_status run_parallel(const gfl_sweep_plan *p, int jobs, int *nfailed)
{
    char self[PATH_MAX], pdir[PATH_MAX], ids[PATH_MAX], joblog[PATH_MAX], j[32];
    GFL_TRY(gfl_sweep_self(self, sizeof self));
    GFL_TRY(mkdir_in(p, "parallel", pdir, sizeof pdir));
    GFL_TRY(gfl_io_join(ids, sizeof ids, pdir, "ids"));
    GFL_TRY(gfl_io_join(joblog, sizeof joblog, pdir, "joblog"));
    /* every id in plan order: the joblog's sequence numbers stay the same on a rerun */
    char *text = malloc((size_t)p->nrun * 17 + 1);
    for (int i = 0; i < p->nrun; i++)
        memcpy(text + 17 * i, p->runs[i].id, 16), text[17 * i + 16] = '\n';
    text[17 * p->nrun] = 0;
    gfl_status st = gfl_sweep_write_text(ids, text);
    free(text);
    GFL_TRY(st);
    snprintf(j, sizeof j, "%d", jobs);
    char *argv[] = {(char *)"parallel", (char *)"--will-cite", (char *)"--joblog", joblog, (char *)"--resume-failed",
                    (char *)"-j", j, (char *)(isatty(2) ? "--eta" : "--halt=never"), self, (char *)"sweep", (char *)"exec", p->dir,
                    (char *)"{}", (char *)"::::", ids, NULL};
    int rc = spawn(argv, 2, NULL, 0); /* parallel's own output (--eta) to stderr */
    if (rc < 0 || rc == 255)
        GFL_ERROR(GFL_EINTERNAL, "GNU parallel could not run (is it installed? tools/deps.sh)");
    *nfailed = 0;
    for (int i = 0; i < p->nrun; i++)
        *nfailed += gfl_sweep_state(p, i) != GFL_RUN_DONE;
    return GFL_OK;
}

/* "0-3,5,9-12" from the sorted array task indices. */
static char *ranges(const int *idx, int n)
{
    char *s = malloc((size_t)n * 24 + 1);
    size_t len = 0;
    s[0] = 0;
    for (int i = 0; i < n;) {
        int k = i;
        while (k + 1 < n && idx[k + 1] == idx[k] + 1)
            k++;
        len += (size_t)sprintf(s + len, "%s%d", len ? "," : "", idx[i]);
        if (k > i)
            len += (size_t)sprintf(s + len, "-%d", idx[k]);
        i = k + 1;
    }
    return s;
}

static const char *plan_slurm_str(const gfl_sweep_plan *p, const char *key, const char *opt, const char *def)
{
    if (opt)
        return opt;
    json_t *v = json_object_get(json_object_get(json_object_get(p->doc, "plan"), "slurm"), key);
    return json_is_string(v) ? json_string_value(v) : def;
}

static int plan_slurm_int(const gfl_sweep_plan *p, const char *key, int opt, int def)
{
    if (opt > 0)
        return opt;
    json_t *v = json_object_get(json_object_get(json_object_get(p->doc, "plan"), "slurm"), key);
    return json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000000
               ? (int)json_integer_value(v) : def;
}

static int safe_word(const char *s)
{
    return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+") == strlen(s);
}

static gfl_status run_slurm(const gfl_sweep_plan *p, const gfl_sweep_opts *o)
{
    int chunk = plan_slurm_int(p, "chunk", o->chunk, 1), throttle = plan_slurm_int(p, "throttle", o->throttle, 4);
    const char *tm = plan_slurm_str(p, "time", o->time, "00:30:00"), *mem = plan_slurm_str(p, "mem", o->mem, "1G");
    const char *part = plan_slurm_str(p, "partition", o->partition, NULL);
    if (!safe_word(tm) || !safe_word(mem) || (part && !safe_word(part)))
        GFL_ERROR(GFL_EINVAL, "slurm: time, mem and partition must be plain words (e.g. 00:30:00, 1G)");
    char self[PATH_MAX], sdir[PATH_MAX], script[PATH_MAX], jobs[PATH_MAX];
    GFL_TRY(gfl_sweep_self(self, sizeof self));
    if (strchr(self, '\'') || strchr(p->dir, '\'') || strchr(p->dir, '\n'))
        GFL_ERROR(GFL_EINVAL, "slurm: the sweep directory's path must not contain quotes or newlines");
    GFL_TRY(mkdir_in(p, "slurm", sdir, sizeof sdir));
    int nchunk = (p->nrun + chunk - 1) / chunk, *idx = malloc(((size_t)nchunk + 1) * sizeof *idx), n = 0;
    for (int k = 0; k < nchunk; k++)
        for (int i = k * chunk; i < (k + 1) * chunk && i < p->nrun; i++)
            if (gfl_sweep_state(p, i) != GFL_RUN_DONE) {
                idx[n++] = k;
                break;
            }
    if (n == 0) {
        free(idx);
        fprintf(stderr, "sweep: every run is done; nothing to submit\n");
        return GFL_OK;
    }
    if (idx[n - 1] > 1000) {
        free(idx);
        GFL_ERROR(GFL_EINVAL, "slurm: %d array tasks exceed Slurm's default MaxArraySize (1001): raise --chunk",
                  nchunk);
    }
    char *arr = ranges(idx, n);
    free(idx);
    int sub = 0;
    for (;; sub++) {
        if (snprintf(script, sizeof script, "%s/array-%d.sbatch", sdir, sub) >= (int)sizeof script) {
            free(arr);
            GFL_ERROR(GFL_EINVAL, "path too long: '%s'", sdir);
        }
        if (access(script, F_OK) != 0)
            break;
    }
    size_t cap = strlen(arr) + 3 * PATH_MAX + 1024;
    char *text = malloc(cap);
    snprintf(text, cap,
             "#!/bin/sh\n"
             "# gfl sweep: %d runs of %s/plan.json, %d per array task (task k runs k*%d .. k*%d+%d)\n"
             "#SBATCH --job-name=gfl-sweep\n#SBATCH --array=%s%%%d\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
             "#SBATCH --time=%s\n#SBATCH --mem=%s\n%s%s%s#SBATCH --output=%s/%%A_%%a.out\n"
             "export OPENBLAS_NUM_THREADS=1\n"
             "exec '%s' sweep exec '%s' --chunk \"$SLURM_ARRAY_TASK_ID\" --chunk-size %d\n",
             p->nrun, p->dir, chunk, chunk, chunk, chunk - 1, arr, throttle, tm, mem, part ? "#SBATCH --partition=" : "",
             part ? part : "", part ? "\n" : "", sdir, self, p->dir, chunk);
    free(arr);
    gfl_status st = gfl_sweep_write_text(script, text);
    free(text);
    GFL_TRY(st);
    if (o->no_submit) {
        printf("wrote %s (not submitted)\n", script);
        return GFL_OK;
    }
    char out[256];
    char *argv[] = {(char *)"sbatch", (char *)"--parsable", script, NULL};
    int rc = spawn(argv, -1, out, sizeof out);
    long jobid = strtol(out, NULL, 10);
    if (rc != 0 || jobid <= 0)
        GFL_ERROR(GFL_EINTERNAL, "sbatch failed (exit %d) on '%s'%s", rc, script,
                  rc == 127 ? ": sbatch not found (tools/deps.sh installs slurm-wlm)" : "");
    /* jobs: one line per submission, "JOBID CHUNK": status maps array tasks back to runs */
    GFL_TRY(gfl_io_join(jobs, sizeof jobs, sdir, "jobs"));
    FILE *f = fopen(jobs, "a");
    if (!f || fprintf(f, "%ld %d\n", jobid, chunk) < 0 || fclose(f) != 0)
        GFL_ERROR(GFL_EIO, "cannot write '%s'", jobs);
    printf("%ld\n", jobid);
    fprintf(stderr, "sweep: submitted Slurm job %ld (%s); follow it with 'gfl sweep status %s'\n", jobid, script,
            p->dir);
    return GFL_OK;
}

gfl_status gfl_sweep_run(const gfl_sweep_plan *p, const gfl_sweep_opts *o, int *failed)
{
    int jobs = o->jobs > 0 ? o->jobs : ncores();
    *failed = 0;
    if (!o->backend || strcmp(o->backend, "local") == 0)
        return run_local(p, jobs, failed);
    if (strcmp(o->backend, "parallel") == 0)
        return run_parallel(p, jobs, failed);
    if (strcmp(o->backend, "slurm") == 0)
        return run_slurm(p, o);
    GFL_ERROR(GFL_EINVAL, "--backend: unknown '%s' (local, parallel or slurm)", o->backend);
}

/* Slurm's view of one submitted array: "TASK STATE" lines from squeue
 * (pending, running) and scontrol (finished tasks the controller still holds). */
static void slurm_report(const gfl_sweep_plan *p, long jobid, int chunk, FILE *out)
{
    char buf[65536], jid[32];
    snprintf(jid, sizeof jid, "%ld", jobid);
    char *sq[] = {(char *)"squeue", (char *)"-h", (char *)"-r", (char *)"-j", jid, (char *)"-o", (char *)"%K %T", NULL};
    char *sc[] = {(char *)"scontrol", (char *)"-o", (char *)"show", (char *)"job", jid, NULL};
    int counts[8] = {0};
    static const char *names[] = {"pending", "running", "completed", "cancelled", "failed", "timeout",
                                  "out_of_memory", "other"};
    char lost[4096] = "";
    size_t ll = 0;
    int seen = 0;
    int rq = spawn(sq, -1, buf, sizeof buf);
    char *qbuf = strdup(buf);
    int rs = spawn(sc, -1, buf, sizeof buf);
    /* scontrol: one line per array task, "ArrayTaskId=K ... JobState=S" */
    for (char *line = strtok(buf, "\n"); rs == 0 && line; line = strtok(NULL, "\n")) {
        char *a = strstr(line, "ArrayTaskId="), *s = strstr(line, "JobState=");
        if (!a || !s)
            continue;
        char *end;
        long k = strtol(a + 12, &end, 10);
        if (*end != ' ' && *end != 0) /* a pending range "3-7%2": squeue lists those */
            continue;
        char state[32] = "";
        sscanf(s + 9, "%31[A-Z_]", state);
        if (!strcmp(state, "PENDING") || !strcmp(state, "RUNNING"))
            continue;
        int c = !strcmp(state, "COMPLETED") ? 2 : !strcmp(state, "CANCELLED") ? 3 : !strcmp(state, "FAILED") ? 4
              : !strcmp(state, "TIMEOUT") ? 5 : !strcmp(state, "OUT_OF_MEMORY") ? 6 : 7;
        counts[c]++, seen++;
        if (c >= 3) {
            int missing = 0;
            for (long i = k * chunk; i < (k + 1) * chunk && i < p->nrun; i++)
                missing += gfl_sweep_state(p, (int)i) != GFL_RUN_DONE;
            if (ll + 64 < sizeof lost)
                ll += (size_t)snprintf(lost + ll, sizeof lost - ll, "%s task %ld %s (%d of its runs not done)",
                                       ll ? ";" : "", k, state, missing);
        }
    }
    for (char *line = strtok(qbuf, "\n"); rq == 0 && line; line = strtok(NULL, "\n")) {
        char state[32] = "";
        long k;
        if (sscanf(line, "%ld %31s", &k, state) == 2)
            counts[!strcmp(state, "RUNNING") ? 1 : !strcmp(state, "PENDING") ? 0 : 7]++, seen++;
    }
    free(qbuf);
    if (rq != 0 && rs != 0) {
        fprintf(out, "slurm job %ld: Slurm does not answer (squeue/scontrol); the results directory says the rest\n",
                jobid);
        return;
    }
    fprintf(out, "slurm job %ld:", jobid);
    for (int c = 0; c < 8; c++)
        if (counts[c])
            fprintf(out, " %s %d", names[c], counts[c]);
    fprintf(out, "%s%s%s\n", seen ? "" : " no longer known to the controller", ll ? ";" : "", lost);
}

gfl_status gfl_sweep_status(const gfl_sweep_plan *p, FILE *out, int *complete)
{
    int n[3] = {0}, running = 0, running_failed = 0, running_missing = 0;
    for (int i = 0; i < p->nrun; i++) {
        gfl_run_state s = gfl_sweep_state(p, i);
        n[s]++;
        if (s != GFL_RUN_DONE && gfl_sweep_running(p, i)) /* a rerun of a failed run counts as running */
            running++, running_failed += s == GFL_RUN_FAILED, running_missing += s == GFL_RUN_MISSING;
    }
    fprintf(out, "sweep %s: %d runs: %d done, %d failed, %d running, %d missing\n",
            p->dir, p->nrun, n[GFL_RUN_DONE], n[GFL_RUN_FAILED] - running_failed, running, n[GFL_RUN_MISSING] - running_missing);
    char jobs[PATH_MAX];
    GFL_TRY(gfl_io_join(jobs, sizeof jobs, p->dir, "slurm/jobs"));
    FILE *f = fopen(jobs, "r");
    if (f) {
        long jobid;
        int chunk;
        while (fscanf(f, "%ld %d", &jobid, &chunk) == 2)
            if (chunk > 0)
                slurm_report(p, jobid, chunk, out);
        fclose(f);
    }
    for (int i = 0; i < p->nrun; i++)
        if (gfl_sweep_state(p, i) == GFL_RUN_FAILED)
            fprintf(out, "failed %s: %s\n", p->runs[i].id, p->runs[i].line);
    *complete = n[GFL_RUN_DONE] == p->nrun;
    return GFL_OK;
}
