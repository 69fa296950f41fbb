/* gfl_io: atomic output, so that nothing the tool writes is ever half-written.
 *
 * Files are written to a temporary in the same directory (same file system, so
 * rename() is atomic) and renamed onto the destination only after every byte
 * has been flushed, checked and fsync()ed.  Directories are built under a
 * temporary name and renamed into place the same way.  On failure the
 * temporary is removed and the destination is left exactly as it was.
 */
#ifndef GFL_IO_H
#define GFL_IO_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "gfl_status.h"

/* Writes the whole content to f; returns GFL_OK or an error status (which it
 * records itself).  Write errors it ignores are still caught by the caller
 * through ferror(). */
typedef gfl_status (*gfl_io_writer)(FILE *f, void *ctx);

/* Creates or replaces `path` with what `w` writes: mode 0644 for a new file,
 * the old file's mode when it replaces one (a private 0600 file stays private).
 * GFL_EIO with "cannot write 'PATH': <strerror>" if the file cannot be
 * written (also when `w` returns GFL_EIO without a message of its own); any
 * other non-OK status of `w` is passed through.  On failure `path` is
 * untouched and no temporary file remains. */
gfl_status gfl_io_write_atomic(const char *path, gfl_io_writer w, void *ctx);

/* The building blocks of gfl_io_write_atomic, for writers that produce their
 * output over many calls (e.g. gfl_npy_stream).  Zero-initialize, then:
 *   gfl_io_atomic_open  -> write to a.f -> gfl_io_atomic_commit (or _abort).
 * commit and abort always release everything; abort is a no-op on a zeroed or
 * already released struct. */
typedef struct {
    FILE *f;    /* the temporary, open for writing ("wb") */
    char *path; /* final destination */
    char *tmp;  /* "<path>.tmpXXXXXX" */
} gfl_io_atomic;

gfl_status gfl_io_atomic_open(gfl_io_atomic *a, const char *path);
gfl_status gfl_io_atomic_commit(gfl_io_atomic *a);
void gfl_io_atomic_abort(gfl_io_atomic *a);

/* Atomic output directory.  begin: `dir` must not exist or be an empty
 * directory (else GFL_EIO "refusing to overwrite non-empty 'DIR'" or "'DIR'
 * exists and is not a directory"), and its parent must exist; creates
 * "<dir>.tmpXXXXXX" (returned in tmpdir, of capacity len).  Fill tmpdir, then
 * commit (chmod 0755 and rename onto dir) or abort.  If commit fails, tmpdir is
 * left in place: call gfl_io_dir_abort. */
gfl_status gfl_io_dir_begin(const char *dir, char *tmpdir, size_t len);
gfl_status gfl_io_dir_commit(const char *tmpdir, const char *dir);
/* Best effort: removes the entries of tmpdir (one level) and tmpdir itself. */
void gfl_io_dir_abort(const char *tmpdir);

/* What a run must not leave behind when it fails or is interrupted.
 *
 * A process-wide table of fixed slots (no allocation, so that a signal
 * handler can read it): temporaries (registered by the writers above while
 * they exist), outputs this run created (registered by the caller once they
 * are complete, removed if a later step fails) and child processes (gnuplot).
 * Registration is best effort: a full table or an over-long path is simply
 * not tracked. */
typedef enum {
    GFL_IO_TEMP_FILE = 1,
    GFL_IO_TEMP_DIR,
    GFL_IO_NEW_FILE,
    GFL_IO_NEW_DIR
} gfl_io_kind;

void gfl_io_track(const char *path, gfl_io_kind kind);
void gfl_io_untrack(const char *path);
void gfl_io_track_child(pid_t pid);
void gfl_io_untrack_child(pid_t pid);
/* Async-signal-safe: sends SIGTERM to the tracked children, removes every
 * tracked file and directory (a directory with its entries, one level) and
 * empties the table. */
void gfl_io_cleanup(void);
/* SIGINT, SIGTERM and SIGHUP run gfl_io_cleanup, then the signal's default
 * action (so the exit status still says which signal stopped the run). */
gfl_status gfl_io_install_signal_cleanup(void);

/* out = "dir/name" (no doubled '/'); GFL_EINVAL if it does not fit in len. */
gfl_status gfl_io_join(char *out, size_t len, const char *dir, const char *name);

#endif
