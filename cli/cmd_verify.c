/* gfl verify DIR: an outside implementation's trajectory against the
 * reference (SPEC 12; docs/verify.md).  Parses, calls proofs_check/gfl_verify
 * and prints; exit 0 PASS, 1 FAIL, 2 bad usage or input. */
#include <stdio.h>
#include <string.h>

#include "gfl_cli.h"
#include "gfl_io.h"
#include "gfl_report.h"
#include "gfl_verify.h"

typedef struct {
    const char *dump, *traj, *json, *plot;
} verify_opts;

static void usage(void)
{
    printf("usage: gfl verify DIR [--traj TDIR] [--json FILE] [--plot PDIR]\n\n"
           "Replays the instance dumped in DIR (gfl train --dump DIR) on the ref path and holds the\n"
           "trajectory of an outside implementation to it, step by step (docs/verify.md).\n"
           "  --traj TDIR   the trajectory: meta.json, steps.npy, a.npy, W.npy [, loss.npy] [DIR/outside]\n"
           "  --json FILE   write the report as JSON\n"
           "  --plot PDIR   write verify_drift.png (and its gnuplot script) into PDIR\n"
           "Exit status: 0 PASS, 1 FAIL, 2 bad usage or input, 3 internal error.\n");
}

/* Options by their full names only, each at most once; one positional DIR. */
static gfl_status parse(int argc, char **argv, verify_opts *o, int *help)
{
    static const char *const names[] = {"--traj", "--json", "--plot"};
    const char **slot[] = {&o->traj, &o->json, &o->plot};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = 1;
            return GFL_OK;
        }
        int k = 0;
        size_t len = 0;
        const char *eq = strchr(a, '=');
        while (k < 3) { /* --name VALUE or --name=VALUE */
            len = strlen(names[k]);
            if (strncmp(a, names[k], len) == 0 && (a[len] == '\0' || a + len == eq))
                break;
            k++;
        }
        if (k < 3) {
            if (!a[len] && i + 1 >= argc)
                GFL_ERROR(GFL_EINVAL, "verify: option %s needs a value", a);
            if (*slot[k])
                GFL_ERROR(GFL_EINVAL, "verify: option %s given twice", names[k]);
            *slot[k] = a[len] ? a + len + 1 : argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            GFL_ERROR(GFL_EINVAL, "verify: unknown option '%s' (try 'gfl verify --help')", a);
        } else if (o->dump) {
            GFL_ERROR(GFL_EINVAL, "verify: one dump directory, not '%s' as well", a);
        } else {
            o->dump = a;
        }
    }
    if (!o->dump)
        GFL_ERROR(GFL_EINVAL, "verify: no dump directory given (gfl verify DIR; try --help)");
    return GFL_OK;
}

int gfl_cmd_verify(int argc, char **argv)
{
    verify_opts o = {NULL, NULL, NULL, NULL};
    int help = 0, failed = 0;
    char tdir[4096], png[4096];
    const gfl_engine_vt *ref;
    gfl_dump dp;
    gfl_traj tr;
    gfl_verify_result res;
    gfl_status st = parse(argc, argv, &o, &help);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    if (help) {
        usage();
        return 0;
    }
    if (!o.traj && (st = gfl_io_join(tdir, sizeof tdir, o.dump, "outside")) != GFL_OK)
        return gfl_cli_fail(st);
    if (!o.traj)
        o.traj = tdir;
    if ((st = gfl_cli_engine("ref", &ref)) != GFL_OK ||
        (o.json && (st = gfl_cli_check_output_file(o.json)) != GFL_OK) ||
        (o.plot && (st = gfl_cli_check_figure_dir(o.plot)) != GFL_OK))
        return gfl_cli_fail(st);
    if ((st = gfl_dump_read(o.dump, &dp)) != GFL_OK)
        return gfl_cli_fail(st);
    if ((st = gfl_traj_read(o.traj, dp.cfg.m, dp.cfg.d, dp.cfg.T, &tr)) != GFL_OK) {
        gfl_dump_clear(&dp);
        return gfl_cli_fail(st);
    }
    if (o.plot && (st = gfl_cli_make_figure_dir(o.plot)) != GFL_OK)
        goto done;
    if ((st = gfl_verify_run(&dp, &tr, ref, &res)) != GFL_OK)
        goto done;
    gfl_verify_print(stdout, &dp, &tr, o.traj, &res);
    fflush(stdout);
    failed = res.verdict != GFL_VERIFY_PASS;
    if (o.plot) {
        int png_new;
        if ((st = gfl_io_join(png, sizeof png, o.plot, "verify_drift.png")) == GFL_OK) {
            png_new = gfl_cli_is_new(png);
            if ((st = gfl_verify_plot(o.plot, &res, png, sizeof png)) == GFL_OK)
                gfl_cli_note_figure(png, png_new, png_new);
        }
    }
    if (st == GFL_OK && o.json) {
        json_t *doc = gfl_verify_json(&dp, &tr, o.traj, &res);
        st = gfl_report_write_json(o.json, doc);
        json_decref(doc);
    }
    gfl_verify_clear(&res);
done:
    gfl_traj_clear(&tr);
    gfl_dump_clear(&dp);
    if (st != GFL_OK)
        return gfl_cli_fail(st);
    return failed ? 1 : 0;
}
