/* gfl_witness: the explicit witness network f* of each case study (SPEC 5, 7).
 *
 *   f*(x) = sum_{j < r} a*_j sigma(<D_j, x> - b*_j),  |D_j| = 1.
 *
 * The witness is law, not arithmetic: its features (D_j, sign b*_j) are what
 * the gradient-feature set must contain and its value is an upper bound on OPT.
 * Several neurons may share a feature (parity: one direction, several biases);
 * gfl_witness_features lists the distinct ones. */
#ifndef GFL_WITNESS_H
#define GFL_WITNESS_H

#include "gfl_problem.h"

typedef struct {
    int r, d;
    double *D;      /* r x d, unit rows */
    double *bstar;  /* r */
    double *astar;  /* r */
    int nfeat;      /* distinct (D, sign b*) */
    int *feat_of;   /* r: index of neuron j's feature */
    int *feat_rep;  /* nfeat: one neuron carrying each feature */
} gfl_witness;

gfl_status gfl_witness_init(gfl_witness *w, const gfl_problem *pb);
void gfl_witness_clear(gfl_witness *w);
/* r zero neurons in dimension d (for witnesses built outside this file). */
gfl_status gfl_witness_alloc(gfl_witness *w, int r, int d);
/* Fills nfeat, feat_of, feat_rep from the neurons (after gfl_witness_alloc). */
void gfl_witness_group(gfl_witness *w);

/* B_F of the witness (SPEC 5): max |a*_j|, |a*|_2, max |b*_j|. */
void gfl_witness_bounds(const gfl_witness *w, double *Ba1, double *Ba2, double *Bb);
/* The witness as a width-m network (a, W, b) with m = r rounded up to even
 * (a zero neuron pads an odd r), for evaluation by an engine. */
gfl_status gfl_witness_network(const gfl_witness *w, int *m, double **a, double **W, double **b);

#endif
