#!/bin/sh
# The delta check at scale: 'gfl check --all --seeds S --sweep DIR' on any
# backend; the delta table is printed and in DIR/results.md (docs/sweeps.md).
#   sh tools/sweep_delta.sh [GFL] [DIR] [SEEDS] [BACKEND]
#   GFL_DELTA_OPTIONS  check's options, a command line
#                      [--path fast --preset small --n-pop 4096 --threads 1]
#   GFL_DELTA_JOBS     worker processes of the local and parallel backends [all cores]
# With the slurm backend it submits and returns: 'gfl sweep merge DIR' once
# 'gfl sweep status DIR' is complete.  Run again, it resumes.
set -u
GFL=${1:-bin/gfl}
DIR=${2:-sweeps/delta}
SEEDS=${3:-200}
BACKEND=${4:-local}
OPTS=${GFL_DELTA_OPTIONS:---path fast --preset small --n-pop 4096 --threads 1}
case "$SEEDS" in '' | *[!0-9]*) echo "sweep_delta: SEEDS must be a positive integer" >&2; exit 2 ;; esac
mkdir -p "$(dirname "$DIR")" || exit 2
# shellcheck disable=SC2086 # OPTS is a command line: split on purpose
exec "$GFL" check --all $OPTS --seeds "$SEEDS" --sweep "$DIR" --backend "$BACKEND" ${GFL_DELTA_JOBS:+--jobs "$GFL_DELTA_JOBS"}
