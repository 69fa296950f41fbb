/* gfl_traj: what an outside implementation reads and writes (SPEC 10, 12).
 *
 * The instance side is a training dump (gfl train --dump DIR): the batches
 * X, Y, the initialization a0, W0, b and trace.json's configuration.  The
 * trajectory side is what the outside program writes, by default into
 * DIR/outside/: meta.json (dtype, writer), steps.npy, a.npy (S, m),
 * W.npy (S, m, d) and optionally loss.npy (S,) (docs/formats.md).  Both
 * readers check every shape against the configuration and reject bad input
 * with one GFL_EINVAL line naming the file; float32 arrays are read as they
 * are (every float is a double exactly).
 */
#ifndef GFL_TRAJ_H
#define GFL_TRAJ_H

#include "gfl_config.h"

typedef struct {
    gfl_config cfg; /* case, preset and the Algorithm 1 settings of trace.json */
    int Tb;         /* batches stored: T, or 1 with fixed_batch */
    double *X, *Y;  /* Tb x n x d, Tb x n */
    double *a0, *W0, *b;
} gfl_dump;

/* Reads DIR/{trace.json, X.npy, Y.npy, a0.npy, W0.npy, b.npy}. */
gfl_status gfl_dump_read(const char *dir, gfl_dump *dp);
void gfl_dump_clear(gfl_dump *dp);
/* The batch step t (1-based) trained on. */
const double *gfl_dump_X(const gfl_dump *dp, int t);
const double *gfl_dump_Y(const gfl_dump *dp, int t);

typedef struct {
    int S, m, d;
    int *steps;        /* S steps, strictly increasing, in 0..T */
    double *a, *W;     /* S x m and S x m x d: the state after each listed step */
    double *loss;      /* S batch losses L_{Z^(t-1)}(f^(t-1)) (NaN allowed at t = 0), or NULL */
    int float32;       /* declared dtype: 1 float32, 0 float64 */
    double u;          /* its unit roundoff: 2^-24 or 2^-53 (SPEC 12) */
    char writer[128];  /* meta.json "writer" */
    char dtype_found[8]; /* dtype of a.npy as stored: "<f8" or "<f4" */
} gfl_traj;

/* Reads the trajectory in dir for a network of width m, input dimension d
 * and T steps.  Arrays may be stored as '<f8' or '<f4' (steps also as
 * '<i8' or '<i4'); float32 arrays under a declared float64 are refused (they
 * carry a rounding the declared unit roundoff does not cover). */
gfl_status gfl_traj_read(const char *dir, int m, int d, int T, gfl_traj *tr);
void gfl_traj_clear(gfl_traj *tr);
/* Index of step t in tr->steps, or -1. */
int gfl_traj_index(const gfl_traj *tr, int t);

#endif
