/* gfl_sweep: experiments at scale (docs/sweeps.md).
 *
 * A plan (a small JSON file: a gfl command, fixed options, a grid) expands
 * into DIR/plan.json: one entry per run with its configuration, a stable id
 * (FNV-1a 64 of the canonical configuration) and its command line.  A run is
 * that gfl command, executed as a child process of this binary with --json;
 * its result is wrapped into DIR/runs/<id>.json (written atomically).  A run
 * whose result exists and matches its id is not run again, so every backend
 * resumes.  Backends: local worker processes, GNU parallel, Slurm job arrays.
 * Merge writes DIR/results.{csv,json,md}: sorted by id, with no timing or
 * host, so the same runs merge to the same bytes whatever ran them. */
#ifndef GFL_SWEEP_H
#define GFL_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gfl_check.h"
#include "gfl_status.h"

struct json_t;

typedef struct {
    char id[17];
    struct json_t *config; /* {"command": C, "options": {...}} (borrowed from the plan) */
    char **argv;           /* "CMD", "--opt", "value", ..., NULL */
    char *line;            /* "gfl CMD --opt value ...": the reproduce line */
} gfl_sweep_entry;

typedef struct {
    char *dir;
    struct json_t *doc; /* DIR/plan.json */
    gfl_sweep_entry *runs;
    int nrun;
} gfl_sweep_plan;

/* The canonical configuration's id: FNV-1a 64 of its compact, key-sorted JSON, 16 hex digits. */
void gfl_sweep_id(const struct json_t *config, char out[17]);
uint64_t gfl_sweep_fnv1a64(const void *data, size_t n);

/* Expands the plan file into dir/plan.json (dir is created if needed; an
 * existing plan.json must be the same plan). */
gfl_status gfl_sweep_plan_write(const char *plan_file, const char *dir, int *nrun);
/* The same from a plan document (not stolen). */
gfl_status gfl_sweep_plan_write_doc(const struct json_t *plan, const char *dir, int *nrun);
/* Expands a plan document (no file written): for tests and plan. */
gfl_status gfl_sweep_expand(const struct json_t *plan, struct json_t **runs_out);
gfl_status gfl_sweep_load(const char *dir, gfl_sweep_plan *p);
void gfl_sweep_free(gfl_sweep_plan *p);
int gfl_sweep_find(const gfl_sweep_plan *p, const char *id);

/* State of one run from the files in DIR/runs. */
typedef enum { GFL_RUN_MISSING = 0, GFL_RUN_DONE, GFL_RUN_FAILED } gfl_run_state;
gfl_run_state gfl_sweep_state(const gfl_sweep_plan *p, int i);
/* 1 while a process holds run i's lock (DIR/runs/.<id>.lock: "HOST PID"). */
int gfl_sweep_running(const gfl_sweep_plan *p, int i);

/* Runs run i (a no-op when its result is already there); *done = 1 when it
 * produced (or found) a result, 0 when it failed (DIR/runs/<id>.failed.json). */
gfl_status gfl_sweep_exec(const gfl_sweep_plan *p, int i, int *done);

typedef struct {
    const char *backend; /* local, parallel, slurm */
    int jobs;            /* local/parallel: worker processes (0: all cores) */
    int chunk;           /* slurm: runs per array task (0: plan or 1) */
    int throttle;        /* slurm: array tasks at once (0: plan or 4) */
    const char *time;    /* slurm: per task (NULL: plan or 00:30:00) */
    const char *mem;     /* slurm: per task (NULL: plan or 1G) */
    const char *partition;
    int no_submit;       /* slurm: write the script only */
} gfl_sweep_opts;

/* Runs the pending runs with the backend; *failed counts failed runs (local,
 * parallel).  The slurm backend prints the job id and returns at once. */
gfl_status gfl_sweep_run(const gfl_sweep_plan *p, const gfl_sweep_opts *o, int *failed);
/* Runs chunk k (runs k*size .. k*size+size-1 in plan order): a Slurm array task. */
gfl_status gfl_sweep_exec_chunk(const gfl_sweep_plan *p, int k, int size, int *failed);

/* done / failed / running / missing, with Slurm's view of the submitted
 * arrays when squeue/scontrol answer.  *complete = every run done. */
gfl_status gfl_sweep_status(const gfl_sweep_plan *p, FILE *out, int *complete);

/* DIR/results.{csv,json,md}; *incomplete counts missing runs (then nothing is
 * written and GFL_ECHECK is returned). */
gfl_status gfl_sweep_merge(const gfl_sweep_plan *p, FILE *out, int *nfailed);
/* The same; *delta_bad (may be NULL) = the delta check of a check sweep over
 * seeds is VIOLATED or an exact link did not PASS on every seed. */
gfl_status gfl_sweep_merge_delta(const gfl_sweep_plan *p, FILE *out, int *nfailed, int *delta_bad);

/* The delta check over the seeds of a check sweep (results.json's runs): per
 * configuration without its seed, the fraction of seeds whose statistical
 * links (C2, C3, population) are VIOLATED with its Clopper-Pearson interval
 * against delta, and the exact links' PASS count. */
gfl_status gfl_sweep_delta(const struct json_t *results, double delta, double level, FILE *md, int *bad);

/* gfl check --seeds S --sweep DIR [--backend B] [--jobs N] (docs/sweeps.md). */
typedef struct {
    const char *dir;     /* --sweep: NULL for an in-process check */
    gfl_sweep_opts run;  /* backend (local unless given) and jobs */
    int run_given;       /* --backend or --jobs given */
} gfl_sweep_check_opts;

void gfl_sweep_check_init(gfl_sweep_check_opts *o);
/* One of check's options sweep, backend, jobs (one line, GFL_EINVAL, on a bad
 * value); *known = 0 when name is none of them. */
gfl_status gfl_sweep_check_option(gfl_sweep_check_opts *o, const char *name, const char *value, int *known);
/* The combination: --backend and --jobs need --sweep; --json and --report
 * do not go with it (the results are DIR/results.{json,csv,md}). */
gfl_status gfl_sweep_check_validate(const gfl_sweep_check_opts *o, int json_or_report);
/* The plan of a check request (validated by gfl_check_plan first): the
 * request's options but the seeds, with "seed" from the first seed to
 * first + seeds - 1 in the grid ("case" too under --all).  New reference. */
gfl_status gfl_sweep_check_plan(const gfl_check_request *rq, struct json_t **plan);
/* Writes that plan into o->dir (new, empty, or holding the same plan: it
 * resumes), runs it on the backend, merges and prints the delta check to out;
 * *bad = a run failed, or the delta check failed.  The slurm backend submits
 * and says how to merge. */
gfl_status gfl_sweep_check(const gfl_check_request *rq, const gfl_sweep_check_opts *o, FILE *out, int *bad);

/* The scaling report on a merged check sweep: DIR/scaling/report.md and figures. */
gfl_status gfl_scaling_report(const char *dir, int boot, FILE *out);

/* Shared by the sweep's files: a monotonic clock in seconds, this program's
 * path (/proc/self/exe), and atomic writes of a JSON document (indented,
 * sorted keys) or a text. */
double gfl_sweep_now(void);
gfl_status gfl_sweep_self(char *path, size_t len);
gfl_status gfl_sweep_write_json(const char *path, const struct json_t *doc);
gfl_status gfl_sweep_write_text(const char *path, const char *text);

/* The result without what differs between identical runs: timing ("seconds",
 * "*_seconds"), "host" and "versions" (kept once per merge).  New reference. */
struct json_t *gfl_sweep_strip(const struct json_t *v);

#endif
