#include "gfl_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_msg[512];
static _Thread_local char err_where[128];
static _Thread_local int err_set;

gfl_status gfl_error_at(gfl_status st, const char *file, int line, const char *fmt, ...)
{
    if (!err_set) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err_msg, sizeof err_msg, fmt, ap);
        va_end(ap);
        /* a message is one line: bytes of outside input it quotes (a parser's
         * excerpt of a broken file, say) cannot break it */
        for (char *q = err_msg; *q; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                *q = '?';
        snprintf(err_where, sizeof err_where, "%s:%d", file, line);
        err_set = 1;
    }
    return st;
}

const char *gfl_error_message(void) { return err_set ? err_msg : ""; }
const char *gfl_error_where(void) { return err_set ? err_where : ""; }

void gfl_error_clear(void)
{
    err_set = 0;
    err_msg[0] = '\0';
    err_where[0] = '\0';
}

const char *gfl_status_name(gfl_status st)
{
    switch (st) {
    case GFL_OK: return "ok";
    case GFL_EINVAL: return "invalid input";
    case GFL_EIO: return "i/o error";
    case GFL_ENUMERIC: return "numerical failure";
    case GFL_ECHECK: return "check failed";
    case GFL_ENOMEM: return "out of memory";
    case GFL_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

int gfl_status_exit_code(gfl_status st)
{
    switch (st) {
    case GFL_OK: return 0;
    case GFL_ENUMERIC:
    case GFL_ECHECK: return 1;
    case GFL_EINVAL:
    case GFL_EIO: return 2;
    case GFL_ENOMEM:
    case GFL_EINTERNAL: return 3;
    }
    return 3;
}

void gfl_reason_add(char *reason, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(reason);
    if (len + 3 >= cap)
        return;
    if (len) {
        strcat(reason, "; ");
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason + len, cap - len, fmt, ap);
    va_end(ap);
}
