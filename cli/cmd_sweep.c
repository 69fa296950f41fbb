/* gfl sweep: plans, runs on a backend, status, merge (docs/sweeps.md).
 * Parses the subcommand's options, calls sweep/gfl_sweep and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_sweep.h"

static const char *usage_text =
    "usage: gfl sweep plan PLAN.json --out DIR   expand a plan into DIR/plan.json\n"
    "       gfl sweep run DIR [--backend local|parallel|slurm] [--jobs N]\n"
    "                 [--chunk C] [--throttle T] [--time HH:MM:SS] [--mem M] [--partition P] [--no-submit]\n"
    "       gfl sweep exec DIR ID... | gfl sweep exec DIR --chunk K --chunk-size C   (one run, one array task)\n"
    "       gfl sweep status DIR                  done / failed / running / missing, with Slurm's view\n"
    "       gfl sweep merge DIR                   DIR/results.{csv,json,md} (and the delta check)\n";

static int bad(const char *msg, const char *arg)
{
    fprintf(stderr, "gfl: sweep: %s%s%s%s\n", msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    return 2;
}

static int to_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

static int done_or_fail(gfl_status st, int rc)
{
    return st == GFL_OK ? rc : gfl_cli_fail(st);
}

static int cmd_plan(int argc, char **argv)
{
    const char *plan = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && !plan)
            plan = argv[i];
        else
            return bad("plan: unexpected argument", argv[i]);
    }
    if (!plan || !out)
        return bad("plan: give PLAN.json and --out DIR", NULL);
    int n = 0;
    gfl_status st = gfl_sweep_plan_write(plan, out, &n);
    if (st == GFL_OK)
        printf("%s/plan.json: %d runs\n", out, n);
    return done_or_fail(st, 0);
}

static int cmd_run(gfl_sweep_plan *p, int argc, char **argv)
{
    gfl_sweep_opts o = {"local", 0, 0, 0, NULL, NULL, NULL, 0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int *num = !strcmp(a, "--jobs") ? &o.jobs : !strcmp(a, "--chunk") ? &o.chunk
                 : !strcmp(a, "--throttle") ? &o.throttle : NULL;
        const char **str = !strcmp(a, "--backend") ? &o.backend : !strcmp(a, "--time") ? &o.time
                         : !strcmp(a, "--mem") ? &o.mem : !strcmp(a, "--partition") ? &o.partition : NULL;
        if (!strcmp(a, "--no-submit"))
            o.no_submit = 1;
        else if ((num || str) && !v)
            return bad("run: missing value of", a);
        else if (num && !to_int(v, 1, 100000, num))
            return bad("run: not an integer in [1, 100000]:", v);
        else if (num || str) {
            if (str)
                *str = v;
            i++;
        } else
            return bad("run: unknown option", a);
    }
    if (strcmp(o.backend, "local") && strcmp(o.backend, "parallel") && strcmp(o.backend, "slurm"))
        return bad("run: --backend must be local, parallel or slurm, not", o.backend);
    int failed = 0;
    gfl_status st = gfl_sweep_run(p, &o, &failed);
    if (st == GFL_OK && strcmp(o.backend, "slurm") != 0)
        printf("sweep %s: %d runs, %d failed%s\n", p->dir, p->nrun, failed,
               failed ? " (gfl sweep status DIR lists them with their reproduce lines)" : "");
    return done_or_fail(st, failed ? 1 : 0);
}

static int cmd_exec(gfl_sweep_plan *p, int argc, char **argv)
{
    int chunk = -1, size = 0, failed = 0, nid = 0;
    gfl_status st = GFL_OK;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--chunk") && i + 1 < argc) {
            if (!to_int(argv[++i], 0, 100000000, &chunk))
                return bad("exec: --chunk: not an integer:", argv[i]);
        } else if (!strcmp(argv[i], "--chunk-size") && i + 1 < argc) {
            if (!to_int(argv[++i], 1, 100000000, &size))
                return bad("exec: --chunk-size: not a positive integer:", argv[i]);
        } else if (argv[i][0] != '-' && gfl_sweep_find(p, argv[i]) >= 0)
            nid++;
        else
            return bad("exec: not a run of this plan:", argv[i]);
    }
    if ((chunk >= 0) != (size > 0) || (chunk >= 0 && nid) || (chunk < 0 && !nid))
        return bad("exec: give run ids, or --chunk K with --chunk-size C", NULL);
    if (chunk >= 0)
        return done_or_fail(gfl_sweep_exec_chunk(p, chunk, size, &failed), failed ? 1 : 0);
    for (int i = 0; i < argc && st == GFL_OK; i++) {
        int done = 0;
        st = gfl_sweep_exec(p, gfl_sweep_find(p, argv[i]), &done);
        failed += !done;
    }
    return done_or_fail(st, failed ? 1 : 0);
}

int gfl_cmd_sweep(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "plan"))
        return cmd_plan(argc - 2, argv + 2);
    if (strcmp(sub, "run") && strcmp(sub, "exec") && strcmp(sub, "status") && strcmp(sub, "merge"))
        return bad("unknown subcommand (plan, run, exec, status, merge):", sub);
    if (argc < 3 || argv[2][0] == '-')
        return bad("give the sweep directory after", sub);
    gfl_sweep_plan p;
    gfl_status st = gfl_sweep_load(argv[2], &p);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    int rc = 0, flag = 0;
    if (!strcmp(sub, "run"))
        rc = cmd_run(&p, argc - 3, argv + 3);
    else if (!strcmp(sub, "exec"))
        rc = cmd_exec(&p, argc - 3, argv + 3);
    else if (argc > 3)
        rc = bad("unexpected argument", argv[3]);
    else {
        /* the call first: flag is its output */
        gfl_status st2 = !strcmp(sub, "status") ? gfl_sweep_status(&p, stdout, &flag) : gfl_sweep_merge(&p, stdout, &flag);
        rc = done_or_fail(st2, !strcmp(sub, "status") ? !flag : flag ? 1 : 0);
    }
    gfl_sweep_free(&p);
    return rc;
}
