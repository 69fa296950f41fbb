/* gfl_status: one status enum and one error macro for the whole project.
 *
 * Library code never exits: it records a one-line message (with the file and
 * line where the error was raised) and returns a status; the command-line front
 * end turns that into a message on stderr and an exit code (see gfl_status_exit_code).
 */
#ifndef GFL_STATUS_H
#define GFL_STATUS_H

#include <stddef.h>

typedef enum {
    GFL_OK = 0,
    GFL_EINVAL,   /* bad option, configuration or data file (exit 2) */
    GFL_EIO,      /* output path cannot be written (exit 2) */
    GFL_ENUMERIC, /* NaN/Inf produced by training (exit 1) */
    GFL_ECHECK,   /* a check failed (exit 1) */
    GFL_ENOMEM,   /* allocation failed (exit 3) */
    GFL_EINTERNAL /* a bug or an unexpected library failure (exit 3) */
} gfl_status;

/* Records a formatted message for `st` (keeps the first error until cleared);
 * control characters in it become '?', so a message is always one line. */
gfl_status gfl_error_at(gfl_status st, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Raise an error: record it and return its status from the current function. */
#define GFL_ERROR(st, ...) return gfl_error_at((st), __FILE__, __LINE__, __VA_ARGS__)
/* Record an error without returning (for functions with a cleanup: label). */
#define GFL_SET_ERROR(var, st, ...) ((var) = gfl_error_at((st), __FILE__, __LINE__, __VA_ARGS__))
/* Propagate a non-OK status. */
#define GFL_TRY(expr) do { gfl_status gfl_try_st_ = (expr); if (gfl_try_st_ != GFL_OK) return gfl_try_st_; } while (0)

const char *gfl_error_message(void);  /* the recorded message, "" if none */
const char *gfl_error_where(void);    /* "file:line" of the recorded error */
void gfl_error_clear(void);
const char *gfl_status_name(gfl_status st);
int gfl_status_exit_code(gfl_status st); /* 0 ok, 1 failed check/numeric, 2 bad input, 3 internal */

/* Appends a formatted clause to the "; "-separated reason text of capacity cap
 * (a verdict's explanation), truncated at cap; nothing is added once it is full. */
void gfl_reason_add(char *reason, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
