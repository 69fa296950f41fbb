/* fuzz_csv: libFuzzer target for the table reader of case data
 * (core/gfl_data_read.c: libcsv and zlib, SPEC 11).
 *
 * The first input byte picks the reading options (header mode, label column,
 * --classes / --positive, --drop-constant); the rest is the file, put behind
 * a memfd twice: as it is and gzip-compressed (zlib), since the reader
 * accepts both.  Beyond the sanitizers' crash checks, it asserts:
 *   - both readings agree (status; on success N, d, every value bit for bit);
 *   - a failure returns GFL_EINVAL with a one-line message and owns nothing;
 *   - a success has N >= 2, d >= 1, finite features, labels in {-1, +1} with
 *     both present, and no constant feature column.
 * Build and run: make fuzz-csv (docs/fuzzing.md).
 */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "gfl_data.h"
#include "fuzz_common.h"
#include "gfl_status.h"


typedef struct {
    gfl_status st;
    gfl_table t;
} reading;

static int plain_fd = -1, gz_fd = -1;

static void put(int fd, const uint8_t *data, size_t size)
{
    REQUIRE(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
    REQUIRE(size == 0 || write(fd, data, size) == (ssize_t)size);
}

static void read_fd(int fd, const gfl_read_opts *proto, reading *r)
{
    char path[64];
    gfl_read_opts o = *proto;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    o.path = path;
    gfl_error_clear();
    r->st = gfl_table_read(&r->t, &o);
    if (r->st != GFL_OK) {
        REQUIRE(r->st == GFL_EINVAL);
        REQUIRE(r->t.X == NULL && r->t.Y == NULL);
        REQUIRE_ONE_LINE_ERROR();
        return;
    }
    const gfl_table *t = &r->t;
    REQUIRE(t->N >= 1 && t->d >= 1);
    int pos = 0, neg = 0;
    for (int k = 0; k < t->N; k++) {
        REQUIRE(t->Y[k] == 1.0 || t->Y[k] == -1.0);
        pos += t->Y[k] > 0, neg += t->Y[k] < 0;
    }
    REQUIRE(pos > 0 && neg > 0);
    for (int j = 0; j < t->d; j++) {
        int constant = 1;
        for (int k = 0; k < t->N; k++) {
            REQUIRE(isfinite(t->X[(size_t)k * t->d + j]));
            constant &= t->X[(size_t)k * t->d + j] == t->X[j];
        }
        REQUIRE(!constant);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (plain_fd < 0) {
        plain_fd = memfd_create("fuzz_csv", 0);
        gz_fd = memfd_create("fuzz_csv_gz", 0);
        REQUIRE(plain_fd >= 0 && gz_fd >= 0);
    }
    if (size < 1)
        return 0;
    static const char *const labels[] = {"", "1", "y", "2"};
    static const char *const lists[] = {"", "0,1", "a,b", "1"};
    uint8_t sel = data[0];
    gfl_read_opts o = {NULL, "", (gfl_header_mode)(sel % 3), labels[(sel >> 2) & 3],
                       (sel & 0x40) ? lists[(sel >> 4) & 3] : "", (sel & 0x40) ? "" : lists[(sel >> 4) & 3],
                       (sel >> 7) & 1};
    data++, size--;
    put(plain_fd, data, size);
    uLongf zlen = compressBound(size) + 32;
    uint8_t *z = malloc(zlen);
    REQUIRE(z != NULL);
    /* a gzip stream (windowBits 16 + 15), as gzopen writes */
    z_stream s;
    memset(&s, 0, sizeof s);
    REQUIRE(deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)size;
    s.next_out = z;
    s.avail_out = (uInt)zlen;
    REQUIRE(deflate(&s, Z_FINISH) == Z_STREAM_END);
    put(gz_fd, z, zlen - s.avail_out);
    deflateEnd(&s);
    free(z);
    reading a, b;
    read_fd(plain_fd, &o, &a);
    read_fd(gz_fd, &o, &b);
    REQUIRE(a.st == b.st);
    if (a.st == GFL_OK) {
        REQUIRE(a.t.N == b.t.N && a.t.d == b.t.d);
        REQUIRE(memcmp(a.t.X, b.t.X, (size_t)a.t.N * a.t.d * sizeof(double)) == 0);
        REQUIRE(memcmp(a.t.Y, b.t.Y, (size_t)a.t.N * sizeof(double)) == 0);
    }
    gfl_table_clear(&a.t);
    gfl_table_clear(&b.t);
    return 0;
}
