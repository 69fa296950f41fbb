#include "gfl_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GFL_IO_SUFFIX ".tmpXXXXXX"

/* ------------------------------------------------------------------------ */
/* the cleanup table                                                        */

#define TRACK_SLOTS 64
#define TRACK_PATH 4096
#define TRACK_CHILDREN 8

/* A slot is published by writing its path first and its kind last, and
 * retired by clearing its kind first: a handler that interrupts either step
 * sees a free slot or a complete path, never half of one. */
static struct {
    volatile sig_atomic_t kind; /* 0: free, else a gfl_io_kind */
    char path[TRACK_PATH];
} track_tab[TRACK_SLOTS];
static volatile sig_atomic_t track_pid[TRACK_CHILDREN];

void gfl_io_track(const char *path, gfl_io_kind kind)
{
    size_t n = strlen(path);
    if (n == 0 || n >= TRACK_PATH)
        return; /* untracked: best effort, see gfl_io.h */
    for (int i = 0; i < TRACK_SLOTS; i++)
        if (track_tab[i].kind == 0) {
            memcpy(track_tab[i].path, path, n + 1);
            track_tab[i].kind = (sig_atomic_t)kind;
            return;
        }
}

void gfl_io_untrack(const char *path)
{
    for (int i = 0; i < TRACK_SLOTS; i++)
        if (track_tab[i].kind != 0 && strcmp(track_tab[i].path, path) == 0) {
            track_tab[i].kind = 0;
            return;
        }
}

void gfl_io_track_child(pid_t pid)
{
    for (int i = 0; i < TRACK_CHILDREN; i++)
        if (track_pid[i] == 0) {
            track_pid[i] = (sig_atomic_t)pid;
            return;
        }
}

void gfl_io_untrack_child(pid_t pid)
{
    for (int i = 0; i < TRACK_CHILDREN; i++)
        if (track_pid[i] == (sig_atomic_t)pid)
            track_pid[i] = 0;
}

/* getdents64 records (the kernel's layout): readdir() may allocate, which a
 * signal handler must not. */
struct io_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Removes the entries of dir (files, and empty subdirectories) and dir
 * itself, with async-signal-safe calls only. */
static void io_remove_dir_safe(const char *dir)
{
    static char buf[8192] __attribute__((aligned(8)));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        /* Unlinking while listing may hide entries from the listing:
         * list again until a pass removes nothing. */
        for (int pass = 0, removed = 1; removed && pass < 16; pass++) {
            removed = 0;
            lseek(fd, 0, SEEK_SET);
            long n;
            while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
                for (long off = 0; off < n;) {
                    struct io_dirent64 *e = (struct io_dirent64 *)(buf + off);
                    off += e->d_reclen;
                    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                        continue;
                    if (unlinkat(fd, e->d_name, 0) == 0 || unlinkat(fd, e->d_name, AT_REMOVEDIR) == 0)
                        removed = 1;
                }
            }
        }
        close(fd);
    }
    rmdir(dir);
}

void gfl_io_cleanup(void)
{
    /* Children first, so that gnuplot stops writing into what we remove. */
    for (int i = 0; i < TRACK_CHILDREN; i++) {
        pid_t pid = (pid_t)track_pid[i];
        if (pid > 0) {
            kill(pid, SIGTERM);
            track_pid[i] = 0;
        }
    }
    /* Newest first: a temporary may sit inside a temporary directory. */
    for (int i = TRACK_SLOTS - 1; i >= 0; i--) {
        sig_atomic_t k = track_tab[i].kind;
        if (k == 0)
            continue;
        if (k == GFL_IO_TEMP_DIR || k == GFL_IO_NEW_DIR)
            io_remove_dir_safe(track_tab[i].path);
        else
            unlink(track_tab[i].path);
        track_tab[i].kind = 0;
    }
}

/* LCOV_EXCL_START: runs only when the process receives the signal, and then
 * ends the process by that signal before coverage counters are written;
 * tests/t_cli.c checks its effect on a real run, and gfl_io_cleanup, which
 * does the work, is tested directly */
static void io_on_signal(int sig)
{
    gfl_io_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}
/* LCOV_EXCL_STOP */

gfl_status gfl_io_install_signal_cleanup(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = io_on_signal;
    sigfillset(&sa.sa_mask); /* one cleanup at a time */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0) /* LCOV_EXCL_BR_LINE: valid signal numbers */
            GFL_ERROR(GFL_EINTERNAL, "cannot install a signal handler: %s", strerror(errno)); /* LCOV_EXCL_LINE */
    return GFL_OK;
}

/* Length of `p` without trailing '/' (kept if `p` is only slashes), so that
 * "out/" gets the sibling temporary "out.tmpXXXXXX", not "out/.tmpXXXXXX". */
static size_t io_trimmed_len(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    return n;
}

/* "<p>.tmpXXXXXX" in a fresh allocation (NULL if out of memory). */
static char *io_template(const char *p)
{
    size_t n = io_trimmed_len(p);
    char *t = malloc(n + sizeof GFL_IO_SUFFIX);
    if (t) {
        memcpy(t, p, n);
        memcpy(t + n, GFL_IO_SUFFIX, sizeof GFL_IO_SUFFIX);
    }
    return t;
}

void gfl_io_atomic_abort(gfl_io_atomic *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    if (a->tmp) {
        unlink(a->tmp);
        gfl_io_untrack(a->tmp);
    }
    free(a->tmp);
    free(a->path);
    a->f = NULL;
    a->tmp = NULL;
    a->path = NULL;
}

gfl_status gfl_io_atomic_open(gfl_io_atomic *a, const char *path)
{
    gfl_status st = GFL_OK;
    int fd = -1;
    struct stat old;
    /* Replacing a file keeps its permissions; a new file is shareable. */
    mode_t mode = (stat(path, &old) == 0 && S_ISREG(old.st_mode)) ? (old.st_mode & 07777) : 0644;

    a->f = NULL;
    a->tmp = NULL;
    a->path = NULL;
    size_t n = strlen(path) + 1;
    a->path = malloc(n);
    a->tmp = io_template(path);
    if (!a->path || !a->tmp) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory opening '%s'", path);
        goto cleanup;
    }
    memcpy(a->path, path, n);
    /* Same directory as the destination, so the final rename() is atomic. */
    fd = mkstemp(a->tmp);
    if (fd < 0) {
        GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': %s", path, strerror(errno));
        free(a->tmp); /* nothing was created: do not unlink the template */
        a->tmp = NULL;
        goto cleanup;
    }
    gfl_io_track(a->tmp, GFL_IO_TEMP_FILE);
    /* mkstemp creates 0600: give the temporary the mode the file will keep. */
    /* LCOV_EXCL_START: fchmod and fdopen of the descriptor mkstemp just returned do not fail
     * (no EPERM on our own file, fdopen only allocates inside libc) */
    if (fchmod(fd, mode) != 0) {
        GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    /* LCOV_EXCL_STOP */
    fd = -1; /* now owned by a->f */

cleanup:
    if (fd >= 0)   /* LCOV_EXCL_BR_LINE: only after the fchmod/fdopen failures above */
        close(fd); /* LCOV_EXCL_LINE: as above */
    if (st != GFL_OK)
        gfl_io_atomic_abort(a);
    return st;
}

gfl_status gfl_io_atomic_commit(gfl_io_atomic *a)
{
    gfl_status st = GFL_OK;
    int err = 0;
    FILE *f = a->f;

    if (!f) {
        GFL_SET_ERROR(st, GFL_EINTERNAL, "gfl_io_atomic_commit: no open file");
        goto cleanup;
    }
    /* Every stage can report a deferred write error (e.g. ENOSPC, EDQUOT on
     * NFS at close): check all of them before the rename makes the file
     * visible. */
    if (fflush(f) != 0 || ferror(f))
        err = errno ? errno : EIO; /* LCOV_EXCL_BR_LINE: a failed write(2) always sets errno */
    else if (fsync(fileno(f)) != 0) /* LCOV_EXCL_BR_LINE: after a good flush, only on device errors */
        err = errno;                /* LCOV_EXCL_LINE: as above */
    a->f = NULL; /* fclose releases it even when it fails */
    if (fclose(f) != 0 && !err) /* LCOV_EXCL_BR_LINE: close after fsync fails only on device errors */
        err = errno;            /* LCOV_EXCL_LINE: as above */
    if (!err && rename(a->tmp, a->path) != 0)
        err = errno;
    if (err) {
        GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': %s", a->path, strerror(err));
        goto cleanup;
    }
    gfl_io_untrack(a->tmp);
    free(a->tmp); /* renamed: nothing left to unlink */
    a->tmp = NULL;

cleanup:
    gfl_io_atomic_abort(a);
    return st;
}

gfl_status gfl_io_write_atomic(const char *path, gfl_io_writer w, void *ctx)
{
    gfl_io_atomic a = {0};
    GFL_TRY(gfl_io_atomic_open(&a, path));
    errno = 0; /* so that an ferror() without errno is reported as EIO */
    gfl_status st = w(a.f, ctx);
    if (st != GFL_OK) {
        /* writers return GFL_EIO without a message: only this level knows the path */
        int err = errno ? errno : EIO;
        if (st == GFL_EIO && gfl_error_message()[0] == '\0')
            GFL_SET_ERROR(st, GFL_EIO, "cannot write '%s': %s", path, strerror(err));
        gfl_io_atomic_abort(&a);
        return st;
    }
    return gfl_io_atomic_commit(&a);
}

gfl_status gfl_io_join(char *out, size_t len, const char *dir, const char *name)
{
    size_t dn = strlen(dir);
    const char *sep = (dn > 0 && dir[dn - 1] == '/') ? "" : "/";
    int n = snprintf(out, len, "%s%s%s", dir, sep, name);
    if (n < 0 || (size_t)n >= len) {
        if (len > 0)
            out[0] = '\0';
        GFL_ERROR(GFL_EINVAL, "path too long: '%s/%s'", dir, name);
    }
    return GFL_OK;
}

/* 1 if directory `dir` has an entry other than "." and "..", 0 if not, -1 on
 * error (errno set). */
static int io_dir_nonempty(const char *dir)
{
    DIR *d = opendir(dir);
    /* LCOV_EXCL_BR_START: a directory stat() just saw is unreadable only without permission
     * (never as root, which CI is) */
    if (!d)
        return -1; /* LCOV_EXCL_LINE: as above */
    /* LCOV_EXCL_BR_STOP */
    int found = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            found = 1;
            break;
        }
    }
    int err = errno;
    closedir(d);
    if (!found && err) { /* LCOV_EXCL_BR_LINE: readdir fails only on device or file-system errors */
        errno = err;     /* LCOV_EXCL_LINE: as above */
        return -1;       /* LCOV_EXCL_LINE: as above */
    }
    return found;
}

gfl_status gfl_io_dir_begin(const char *dir, char *tmpdir, size_t len)
{
    gfl_status st = GFL_OK;
    char *t = NULL;
    struct stat sb;

    if (len > 0)
        tmpdir[0] = '\0';
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            GFL_ERROR(GFL_EIO, "'%s' exists and is not a directory", dir);
        int ne = io_dir_nonempty(dir);
        if (ne < 0) /* LCOV_EXCL_BR_LINE: see io_dir_nonempty */
            GFL_ERROR(GFL_EIO, "cannot read '%s': %s", dir, strerror(errno)); /* LCOV_EXCL_LINE: as above */
        if (ne > 0)
            GFL_ERROR(GFL_EIO, "refusing to overwrite non-empty '%s'", dir);
        /* An empty directory may be replaced: rename() onto it is allowed. */
    } else if (errno != ENOENT) {
        GFL_ERROR(GFL_EIO, "cannot write '%s': %s", dir, strerror(errno));
    }

    t = io_template(dir);
    if (!t) {
        GFL_SET_ERROR(st, GFL_ENOMEM, "out of memory creating '%s'", dir);
        goto cleanup;
    }
    if (strlen(t) >= len) {
        GFL_SET_ERROR(st, GFL_EINVAL, "path too long: '%s'", dir);
        goto cleanup;
    }
    /* Sibling of dir (same file system), so that commit is a single rename. */
    if (!mkdtemp(t)) {
        GFL_SET_ERROR(st, GFL_EIO, "cannot create '%s': %s", dir, strerror(errno));
        goto cleanup;
    }
    memcpy(tmpdir, t, strlen(t) + 1);
    gfl_io_track(tmpdir, GFL_IO_TEMP_DIR);

cleanup:
    free(t);
    return st;
}

gfl_status gfl_io_dir_commit(const char *tmpdir, const char *dir)
{
    /* mkdtemp creates 0700; the finished directory is as shareable as a file. */
    if (chmod(tmpdir, 0755) != 0) /* LCOV_EXCL_BR_LINE: chmod of the directory mkdtemp created for us */
        GFL_ERROR(GFL_EIO, "cannot write '%s': %s", dir, strerror(errno)); /* LCOV_EXCL_LINE: as above */
    /* Fails (ENOTEMPTY/EEXIST) if dir gained entries since gfl_io_dir_begin. */
    if (rename(tmpdir, dir) != 0)
        GFL_ERROR(GFL_EIO, "cannot write '%s': %s", dir, strerror(errno));
    gfl_io_untrack(tmpdir);
    return GFL_OK;
}

void gfl_io_dir_abort(const char *tmpdir)
{
    if (!tmpdir || !tmpdir[0])
        return;
    DIR *d = opendir(tmpdir);
    if (d) {
        size_t dn = strlen(tmpdir);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            size_t cap = dn + strlen(e->d_name) + 2;
            char *p = malloc(cap);
            if (!p)
                continue; /* best effort */
            if (gfl_io_join(p, cap, tmpdir, e->d_name) == GFL_OK && unlink(p) != 0)
                rmdir(p); /* an (empty) subdirectory */
            free(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    gfl_io_untrack(tmpdir);
}
