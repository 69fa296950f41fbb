/* fuzz_traj: libFuzzer target for the trajectory reader (core/gfl_traj.c,
 * SPEC 12; docs/formats.md).
 *
 * An input is up to five files separated by the line "--8<--": meta.json,
 * steps.npy, a.npy, W.npy, loss.npy (a missing part: the file is absent).
 * They are written to a scratch directory and read for a network of width
 * m = 2, d = 2 and T = 4 steps.  Beyond the sanitizers' checks it asserts:
 *   - a failure is GFL_EINVAL (or GFL_ENOMEM) with a one-line message and
 *     leaves the trajectory empty;
 *   - a success lists 1 to T + 1 steps, strictly increasing in 0..T, finite
 *     a and W, the unit roundoff of the declared dtype, a printable writer.
 * Build and run: make fuzz-traj (docs/fuzzing.md).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gfl_status.h"
#include "gfl_traj.h"

#define M 2
#define D 2
#define T 4

static char dir[64];
static const char *const names[] = {"meta.json", "steps.npy", "a.npy", "W.npy", "loss.npy"};

#define REQUIRE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_traj: %s:%d: property violated: %s\n", __FILE__,     \
                    __LINE__, #cond);                                                  \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static void path_of(char *p, size_t len, int k) { snprintf(p, len, "%s/%s", dir, names[k]); }

static void cleanup(void)
{
    char p[128];
    for (int k = 0; k < 5; k++) {
        path_of(p, sizeof p, k);
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
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static const char sep[] = "\n--8<--\n";
    const size_t seplen = sizeof sep - 1;
    char p[128];
    size_t start = 0;
    for (int k = 0; k < 5; k++) {
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
    gfl_traj tr;
    gfl_error_clear();
    gfl_status st = gfl_traj_read(dir, M, D, T, &tr);
    if (st != GFL_OK) {
        const char *msg = gfl_error_message();
        REQUIRE(st == GFL_EINVAL || st == GFL_ENOMEM);
        REQUIRE(msg[0] != '\0' && strchr(msg, '\n') == NULL);
        REQUIRE(tr.a == NULL && tr.W == NULL && tr.steps == NULL && tr.loss == NULL && tr.S == 0);
        return 0;
    }
    REQUIRE(tr.S >= 1 && tr.S <= T + 1 && tr.m == M && tr.d == D);
    for (int s = 0; s < tr.S; s++) {
        REQUIRE(tr.steps[s] >= 0 && tr.steps[s] <= T && (s == 0 || tr.steps[s] > tr.steps[s - 1]));
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
