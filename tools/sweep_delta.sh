#!/bin/sh
# The delta check at scale: 'gfl check' over S seeds of every case as a sweep
# on any backend, merged; the delta table is in DIR/results.md (docs/sweeps.md).
#   sh tools/sweep_delta.sh [GFL] [DIR] [SEEDS] [BACKEND]
#   GFL_DELTA_CASES    cases, JSON list   [every case]
#   GFL_DELTA_OPTIONS  check's options, JSON object
#                      [{"path": "fast", "preset": "small", "n-pop": 4096, "threads": 1}]
# With the slurm backend it submits and returns: merge once 'gfl sweep status DIR' is complete.
set -u
GFL=${1:-bin/gfl}
DIR=${2:-sweeps/delta}
SEEDS=${3:-200}
BACKEND=${4:-local}
CASES=${GFL_DELTA_CASES:-'["mog", "xor", "parity", "parity_uniform", "linear", "multiindex"]'}
OPTS=${GFL_DELTA_OPTIONS:-'{"path": "fast", "preset": "small", "n-pop": 4096, "threads": 1}'}
case "$SEEDS" in '' | *[!0-9]*) echo "sweep_delta: SEEDS must be a positive integer" >&2; exit 2 ;; esac
mkdir -p "$DIR" || exit 2
PLAN="$DIR.plan.json"
printf '{"command": "check", "description": "delta check over %s seeds",\n "options": %s,\n "grid": {"case": %s, "seed": {"from": 1, "to": %s}}}\n' \
    "$SEEDS" "$OPTS" "$CASES" "$SEEDS" >"$PLAN"
"$GFL" sweep plan "$PLAN" --out "$DIR" || exit 2
"$GFL" sweep run "$DIR" --backend "$BACKEND" || exit 1
[ "$BACKEND" = slurm ] && exit 0
"$GFL" sweep merge "$DIR"
