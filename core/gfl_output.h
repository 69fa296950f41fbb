/* gfl_output: the checks every command makes on its output paths before any
 * work, so that a run never fails at its end for want of a writable place,
 * and the bookkeeping of the figures a run creates (removed again when a
 * later step fails; gfl_io_cleanup). */
#ifndef GFL_OUTPUT_H
#define GFL_OUTPUT_H

#include "gfl_status.h"

/* Fails early (before any work) when an output could not be written. */
gfl_status gfl_output_check_file(const char *path);
/* A directory written atomically (--dump, --report): must not exist or be empty. */
gfl_status gfl_output_check_dir(const char *dir);
/* A figure directory (--plot): may exist; created by gfl_output_make_figure_dir
 * only once every option is validated, and removed again if the run fails. */
gfl_status gfl_output_check_figure_dir(const char *dir);
gfl_status gfl_output_make_figure_dir(const char *dir);
/* 1 if nothing exists at path (so an output there is this run's own). */
int gfl_output_is_new(const char *path);
/* Registers a figure (and its .gp) that this run created, for removal if a
 * later step fails. */
void gfl_output_note_figure(const char *png, int png_new, int gp_new);

#endif
