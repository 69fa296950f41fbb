/* Output paths checked before any work (gfl_output.h). */
#include "gfl_output.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gfl_io.h"

/* Output names are echoed in messages and written into gnuplot scripts: a
 * control character in one is refused up front rather than written. */
static gfl_status check_name(const char *path, const char *what)
{
    if (strlen(path) == 0 || strlen(path) >= 4000)
        GFL_ERROR(GFL_EINVAL, "bad %s path '%s'", what, path);
    for (const unsigned char *q = (const unsigned char *)path; *q; q++)
        if (*q < 0x20 || *q == 0x7f)
            GFL_ERROR(GFL_EINVAL, "bad %s path '%s': it contains a control character", what, path);
    return GFL_OK;
}

static gfl_status check_parent(const char *path, const char *what)
{
    char buf[4096];
    GFL_TRY(check_name(path, what));
    strcpy(buf, path);
    const char *dir = dirname(buf);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "cannot write %s '%s': directory '%s' does not exist", what, path, dir);
    /* X too: a directory we may list but not enter cannot receive files */
    if (access(dir, W_OK | X_OK) != 0)
        GFL_ERROR(GFL_EIO, "cannot write %s '%s': directory '%s' is not writable", what, path, dir);
    return GFL_OK;
}

gfl_status gfl_output_check_file(const char *path)
{
    struct stat sb;
    GFL_TRY(check_parent(path, "file"));
    /* dirname("out.json/") is ".": the parent check alone would pass it */
    if (path[strlen(path) - 1] == '/')
        GFL_ERROR(GFL_EIO, "cannot write file '%s': a file name cannot end in '/'", path);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "cannot write file '%s': it is a directory", path);
    return GFL_OK;
}

/* A directory gfl may write: its parent is writable, and it does not exist
 * (*exists = 0) or is a directory (*exists = 1). */
static gfl_status check_dir(const char *dir, int *exists)
{
    struct stat sb;
    GFL_TRY(check_parent(dir, "directory"));
    *exists = stat(dir, &sb) == 0;
    if (*exists && !S_ISDIR(sb.st_mode))
        GFL_ERROR(GFL_EIO, "cannot write directory '%s': it exists and is not a directory", dir);
    return GFL_OK;
}

gfl_status gfl_output_check_dir(const char *dir)
{
    int exists;
    GFL_TRY(check_dir(dir, &exists));
    if (!exists)
        return GFL_OK;
    DIR *d = opendir(dir);
    if (!d)
        GFL_ERROR(GFL_EIO, "cannot read directory '%s'", dir);
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    if (!empty)
        GFL_ERROR(GFL_EIO, "refusing to overwrite non-empty directory '%s'", dir);
    return GFL_OK;
}

gfl_status gfl_output_check_figure_dir(const char *dir)
{
    int exists;
    GFL_TRY(check_dir(dir, &exists));
    if (exists && access(dir, W_OK | X_OK) != 0)
        GFL_ERROR(GFL_EIO, "cannot write directory '%s': it is not writable", dir);
    return GFL_OK;
}

gfl_status gfl_output_make_figure_dir(const char *dir)
{
    if (mkdir(dir, 0755) == 0)
        gfl_io_track(dir, GFL_IO_NEW_DIR); /* a later failure removes it */
    else if (errno != EEXIST)
        GFL_ERROR(GFL_EIO, "cannot create directory '%s': %s", dir, strerror(errno));
    return GFL_OK;
}

int gfl_output_is_new(const char *path)
{
    struct stat sb;
    return stat(path, &sb) != 0;
}

void gfl_output_note_figure(const char *png, int png_new, int gp_new)
{
    char gp[4096];
    size_t len = strlen(png);
    if (png_new)
        gfl_io_track(png, GFL_IO_NEW_FILE);
    if (gp_new && len > 4 && len < sizeof gp) {
        snprintf(gp, sizeof gp, "%.*s.gp", (int)(len - 4), png);
        gfl_io_track(gp, GFL_IO_NEW_FILE);
    }
}
