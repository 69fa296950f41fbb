#!/bin/sh
# make sweep: the default scaling plan (tools/sweep_scaling.json: fast path,
# every case, 3 widths x 3 batch sizes x 3 T x 5 seeds = 810 runs) on the
# local backend, merged, and the scaling report in sweeps/scaling/report.md.
# Resumes: an interrupted make sweep continues where it stopped.
#   GFL_SWEEP_PLAN   another plan file     GFL_SWEEP_DIR  another directory
#   GFL_SWEEP_JOBS   worker processes (default: all cores)
set -u
GFL=${1:-bin/gfl}
PLAN=${GFL_SWEEP_PLAN:-tools/sweep_scaling.json}
DIR=${GFL_SWEEP_DIR:-sweeps/scaling}
mkdir -p "$(dirname "$DIR")"
t0=$(date +%s)
"$GFL" sweep plan "$PLAN" --out "$DIR" || exit 2
"$GFL" sweep run "$DIR" --backend local ${GFL_SWEEP_JOBS:+--jobs "$GFL_SWEEP_JOBS"} || {
    "$GFL" sweep status "$DIR"
    echo "sweep: some runs failed (listed above); 'make sweep' again retries them"
    exit 1
}
"$GFL" sweep merge "$DIR" >"$DIR/merge.log" || { cat "$DIR/merge.log"; exit 1; }
"$GFL" scaling "$DIR" >"$DIR/scaling.log" || { cat "$DIR/scaling.log"; exit 1; }
# the report beside the sweep, as docs/sweeps.md describes
cp "$DIR/scaling/report.md" "$DIR/report.md"
sed -i "s#](\([a-z_]*_vs_[mnT].png\))#](scaling/\1)#g" "$DIR/report.md"
cat "$DIR/merge.log" | tail -n 3
echo "sweep: $DIR/report.md ($(($(date +%s) - t0)) s; results in $DIR/results.{csv,json,md})"
