/* fuzz_traj: libFuzzer target for the readers of gfl verify (core/gfl_traj.c,
 * SPEC 10, 12; docs/formats.md).
 *
 * An input is up to six files separated by the line "--8<--": meta.json,
 * steps.npy, a.npy, W.npy, loss.npy of the trajectory (a missing part: the
 * file is absent) and the dump's trace.json.  They are written to a scratch
 * directory, which also holds a fixed valid dump (d = m = n = 2, T = 4); the
 * trajectory is read for m = 2, d = 2 and T = 4 steps, then the dump.
 * Beyond the sanitizers' checks it asserts:
 *   - a failure is GFL_EINVAL (or GFL_ENOMEM) with a one-line message and
 *     leaves the trajectory empty;
 *   - a success lists 1 to T + 1 steps, strictly increasing in 0..T, finite
 *     a and W, the unit roundoff of the declared dtype, a printable writer;
 *   - the dump reader likewise fails in one line with nothing kept, or reads
 *     a configuration that passes validation and fits the arrays.
 * Build and run: make fuzz-traj (docs/fuzzing.md).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gfl_npy.h"
#include "fuzz_common.h"
#include "gfl_status.h"
#include "gfl_traj.h"

#define M 2
#define D 2
#define TSTEPS 4

static char dir[64];
static const char *const names[] = {"meta.json", "steps.npy", "a.npy", "W.npy", "loss.npy", "trace.json"};
#define NPARTS 6

static void path_of(char *p, size_t len, int k) { snprintf(p, len, "%s/%s", dir, names[k]); }

static void cleanup(void)
{
    char p[128];
    for (int k = 0; k < NPARTS; k++) {
        path_of(p, sizeof p, k);
        unlink(p);
    }
    static const char *const dump[] = {"X.npy", "Y.npy", "a0.npy", "W0.npy", "b.npy"};
    for (int k = 0; k < 5; k++) {
        snprintf(p, sizeof p, "%s/%s", dir, dump[k]);
        unlink(p);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    strcpy(dir, "/tmp/gfl_fuzz_traj.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("fuzz_traj: setup");
        exit(1);
    }
    atexit(cleanup);
    /* the dump's arrays: X (4, 2, 2), Y (4, 2), a0, W0 (2, 2), b */
    double X[16], Y[8], a0[2] = {0.5, -0.5}, W0[4] = {1, 0.5, 1, 0.5}, b[2] = {0.1, 0.1};
    for (int k = 0; k < 16; k++)
        X[k] = 0.25 * (k % 5) - 0.5;
    for (int k = 0; k < 8; k++)
        Y[k] = k % 3 ? 1.0 : -1.0;
    size_t shX[3] = {4, 2, 2}, shY[2] = {4, 2}, sh2[1] = {2}, shW[2] = {2, 2};
    const char *nm[] = {"X.npy", "Y.npy", "a0.npy", "W0.npy", "b.npy"};
    const double *v[] = {X, Y, a0, W0, b};
    int nd[] = {3, 2, 1, 2, 1};
    const size_t *sh[] = {shX, shY, sh2, shW, sh2};
    for (int k = 0; k < 5; k++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, nm[k]);
        if (gfl_npy_write(p, v[k], nd[k], sh[k]) != GFL_OK) {
            fprintf(stderr, "fuzz_traj: setup: %s\n", gfl_error_message());
            exit(1);
        }
    }
    return 0;
}

/* The dump with the input's trace.json: one line and nothing kept, or a
 * configuration that validates and fits the fixed arrays. */
static void check_dump(void)
{
    gfl_dump dp;
    gfl_error_clear();
    gfl_status st = gfl_dump_read(dir, &dp);
    if (st != GFL_OK) {
        REQUIRE(st == GFL_EINVAL || st == GFL_ENOMEM);
        REQUIRE_ONE_LINE_ERROR();
        REQUIRE(dp.X == NULL && dp.Y == NULL && dp.a0 == NULL && dp.W0 == NULL && dp.b == NULL);
        return;
    }
    REQUIRE(gfl_config_validate(&dp.cfg) == GFL_OK);
    REQUIRE(dp.cfg.d == 2 && dp.cfg.m == 2 && dp.cfg.n == 2 && (dp.Tb == 1 || dp.Tb == dp.cfg.T));
    REQUIRE(gfl_dump_X(&dp, dp.cfg.T)[3] == dp.X[(size_t)(dp.Tb - 1) * 4 + 3]);
    gfl_dump_clear(&dp);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static const char sep[] = "\n--8<--\n";
    const size_t seplen = sizeof sep - 1;
    char p[128];
    size_t start = 0;
    for (int k = 0; k < NPARTS; k++) {
        path_of(p, sizeof p, k);
        unlink(p);
        if (start > size)
            continue;
        size_t end = start;
        while (end + seplen <= size && memcmp(in + end, sep, seplen) != 0)
            end++;
        if (end + seplen > size)
            end = size;
        FILE *f = fopen(p, "wb");
        REQUIRE(f != NULL);
        REQUIRE(fwrite(in + start, 1, end - start, f) == end - start);
        fclose(f);
        start = end + seplen;
    }
    check_dump();
    gfl_traj tr;
    gfl_error_clear();
    gfl_status st = gfl_traj_read(dir, M, D, TSTEPS, &tr);
    if (st != GFL_OK) {
        REQUIRE(st == GFL_EINVAL || st == GFL_ENOMEM);
        REQUIRE_ONE_LINE_ERROR();
        REQUIRE(tr.a == NULL && tr.W == NULL && tr.steps == NULL && tr.loss == NULL && tr.S == 0);
        return 0;
    }
    REQUIRE(tr.S >= 1 && tr.S <= TSTEPS + 1 && tr.m == M && tr.d == D);
    for (int s = 0; s < tr.S; s++) {
        REQUIRE(tr.steps[s] >= 0 && tr.steps[s] <= TSTEPS && (s == 0 || tr.steps[s] > tr.steps[s - 1]));
        if (tr.loss)
            REQUIRE(isfinite(tr.loss[s]) || (s == 0 && tr.steps[0] == 0 && isnan(tr.loss[s])));
    }
    for (int e = 0; e < tr.S * M; e++)
        REQUIRE(isfinite(tr.a[e]));
    for (int e = 0; e < tr.S * M * D; e++)
        REQUIRE(isfinite(tr.W[e]));
    REQUIRE(tr.u == (tr.float32 ? 0x1p-24 : 0x1p-53));
    for (const char *c = tr.writer; *c; c++)
        REQUIRE((unsigned char)*c >= 0x20 && *c != 0x7f);
    REQUIRE(gfl_traj_index(&tr, tr.steps[tr.S - 1]) == tr.S - 1);
    gfl_traj_clear(&tr);
    return 0;
}
