/* gfl_npy: NumPy .npy files of little-endian float64 in C order (SPEC 10).
 *
 * Writers produce exactly the bytes numpy.save would (format 1.0, header
 * padded to a multiple of 64 bytes) and go through gfl_io's temporary file +
 * rename, so a .npy file is either complete or absent.  The reader accepts
 * only '<f8', C order, format 1.0/2.0/3.0, and rejects anything malformed with
 * a one-line GFL_EINVAL message naming the file.
 */
#ifndef GFL_NPY_H
#define GFL_NPY_H

#include <stddef.h>

#include "gfl_status.h"

#define GFL_NPY_MAX_NDIM 8

/* Writes data (prod(shape) values, C order) as a .npy file; ndim in 0..8
 * (ndim 0: a scalar, one value, shape may be NULL). */
gfl_status gfl_npy_write(const char *path, const double *data, int ndim, const size_t *shape);

/* Streaming writer for arrays produced in chunks: open, write the values in C
 * order over any number of calls, then close, which checks that exactly
 * prod(shape) values were written and commits the file atomically.  close and
 * abort always free s; after a failed write, call either (close then fails).
 * Writing more than prod(shape) values, or closing with fewer, is a caller bug:
 * GFL_EINTERNAL, and no file is created. */
typedef struct gfl_npy_stream gfl_npy_stream;
gfl_status gfl_npy_stream_open(gfl_npy_stream **s, const char *path, int ndim, const size_t *shape);
gfl_status gfl_npy_stream_write(gfl_npy_stream *s, const double *data, size_t count);
gfl_status gfl_npy_stream_close(gfl_npy_stream *s);
void gfl_npy_stream_abort(gfl_npy_stream *s);

/* Reads a '<f8' C-order .npy file.  On success *data is a malloc'ed array of
 * prod(shape) values (never NULL, even for an empty array; caller frees),
 * *ndim is in 0..8 and shape[0..*ndim-1] holds the dimensions.  On failure
 * *data is NULL and GFL_EINVAL is returned (GFL_ENOMEM if allocation fails). */
gfl_status gfl_npy_read(const char *path, double **data, int *ndim, size_t shape[GFL_NPY_MAX_NDIM]);

/* Outside input of other dtypes (SPEC 12: trajectories written in float32,
 * step numbers as integers): accept is a mask of GFL_NPY_F8 | F4 | I8 | I4;
 * the values are returned as doubles (exact for f4 and i4; i8 beyond 2^53
 * rounds), *dtype is the one found.  Otherwise as gfl_npy_read. */
#define GFL_NPY_F8 1u
#define GFL_NPY_F4 2u
#define GFL_NPY_I8 4u
#define GFL_NPY_I4 8u
#define GFL_NPY_ANY 15u
gfl_status gfl_npy_read_as_double(const char *path, unsigned accept, double **data, int *ndim,
                                  size_t shape[GFL_NPY_MAX_NDIM], unsigned *dtype);

#endif
