/* fuzz_npy: libFuzzer target for the .npy reader (core/gfl_npy.c, SPEC 10).
 *
 * gfl_npy_read takes a path, so each input is put behind two: a memfd (a
 * regular file, where the reader checks the size against the header before it
 * allocates) and, when it fits, a pipe (no size known: the reader grows its
 * buffer as data arrive).  Beyond the sanitizers' crash checks, it asserts:
 *   - both readings agree (status, shape, values bit for bit);
 *   - a failure returns GFL_EINVAL with a one-line message and *data NULL;
 *   - a success has 0 <= ndim <= 8, shape entries whose product times 8 is
 *     exactly the data size, and unused shape entries 0;
 *   - an array read back after gfl_npy_write is the same array.
 * Build and run: make fuzz-npy (docs/fuzzing.md).
 */
#define _GNU_SOURCE /* memfd_create, F_SETPIPE_SZ */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gfl_npy.h"
#include "fuzz_common.h"
#include "gfl_status.h"

#define PIPE_CAP (1 << 20)

static int mem_fd = -1;
static char dir[64];


typedef struct {
    gfl_status st;
    double *data;
    int ndim;
    size_t shape[GFL_NPY_MAX_NDIM];
    size_t count;
} reading;

static void read_path(const char *path, reading *r)
{
    memset(r, 0, sizeof *r);
    r->data = (double *)1; /* must be overwritten with NULL on failure */
    gfl_error_clear();
    r->st = gfl_npy_read(path, &r->data, &r->ndim, r->shape);
    if (r->st != GFL_OK) {
        REQUIRE(r->st == GFL_EINVAL || r->st == GFL_ENOMEM);
        REQUIRE(r->data == NULL);
        REQUIRE_ONE_LINE_ERROR();
        return;
    }
    REQUIRE(r->data != NULL);
    REQUIRE(r->ndim >= 0 && r->ndim <= GFL_NPY_MAX_NDIM);
    r->count = 1;
    for (int i = 0; i < GFL_NPY_MAX_NDIM; i++) {
        if (i < r->ndim)
            r->count *= r->shape[i];
        else
            REQUIRE(r->shape[i] == 0);
    }
}

static void same(const reading *a, const reading *b)
{
    REQUIRE(a->st == b->st);
    if (a->st != GFL_OK)
        return;
    REQUIRE(a->ndim == b->ndim);
    REQUIRE(memcmp(a->shape, b->shape, sizeof a->shape) == 0);
    REQUIRE(a->count == b->count);
    REQUIRE(a->count == 0 || memcmp(a->data, b->data, a->count * sizeof(double)) == 0);
}

static void cleanup(void)
{
    char out[96];
    snprintf(out, sizeof out, "%s/a.npy", dir);
    unlink(out);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    mem_fd = memfd_create("fuzz_npy", 0);
    strcpy(dir, "/tmp/gfl_fuzz_npy.XXXXXX");
    if (mem_fd < 0 || !mkdtemp(dir)) {
        perror("fuzz_npy: setup");
        exit(1);
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    char path[64], out[96];
    reading file, pipe_r, back;

    /* the input as a regular file */
    REQUIRE(ftruncate(mem_fd, 0) == 0);
    REQUIRE(pwrite(mem_fd, in, size, 0) == (ssize_t)size);
    snprintf(path, sizeof path, "/proc/self/fd/%d", mem_fd);
    read_path(path, &file);

    /* the input as a pipe, written in full before reading (it must fit) */
    int p[2];
    REQUIRE(pipe(p) == 0);
    if (fcntl(p[1], F_SETPIPE_SZ, PIPE_CAP) >= (int)size || size <= 4096) {
        REQUIRE(size == 0 || write(p[1], in, size) == (ssize_t)size);
        close(p[1]);
        snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
        read_path(path, &pipe_r);
        same(&file, &pipe_r);
        if (pipe_r.st == GFL_OK)
            free(pipe_r.data);
    } else {
        close(p[1]);
    }
    close(p[0]);

    /* what was read, written and read again, is the same array */
    if (file.st == GFL_OK) {
        snprintf(out, sizeof out, "%s/a.npy", dir);
        gfl_error_clear();
        REQUIRE(gfl_npy_write(out, file.data, file.ndim, file.shape) == GFL_OK);
        read_path(out, &back);
        same(&file, &back);
        free(back.data);
        free(file.data);
    }
    return 0;
}
