#!/bin/sh
# Regenerates the golden files of the fast path (make golden): the ref path's
# results on every case study at the small preset (seed 1), which the CUnit
# suite "compare" holds the fast path to (1e-10 normwise; docs/compare.md).
#   tests/golden/<case>/a.npy        final a (m)
#   tests/golden/<case>/W.npy        final W (m, d)
#   tests/golden/<case>/golden.json  configuration, per-step batch losses, final test loss
#   tests/golden/ref_state.txt  every result of a few small ref runs, exactly
#                               (suite ref_threads: the ref path's own bits)
# Regenerate only when the ref path's arithmetic changes on purpose, and say
# so in docs/performance.md.
# Usage: sh tools/golden.sh [GFL [OUTDIR [TESTS]]]
set -eu
GFL=${1:-bin/gfl}
OUT=${2:-tests/golden}
TESTS=${3:-build/release/gfl_tests}
SEED=1
CASES="mog xor parity parity_uniform linear multiindex slabs"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gfl_golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$OUT"
for c in $CASES; do
    "$GFL" train --case "$c" --path ref --preset small --seed "$SEED" --dump "$tmp/$c" >/dev/null
    mkdir -p "$tmp/out/$c"
    cp "$tmp/$c/a.npy" "$tmp/$c/W.npy" "$tmp/out/$c/"
    # Only what the test needs, without the versions and timings of trace.json,
    # so that regenerating on an unchanged tree changes nothing.
    /usr/bin/python3 - "$tmp/$c/trace.json" "$tmp/out/$c/golden.json" "$c" <<'PY'
import json, sys
src, dst, case = sys.argv[1:4]
doc = json.load(open(src))
cfg = doc["config"]
out = {
    "case": case,
    "path": "ref",
    "preset": cfg["preset"],
    "seed": cfg["seed"],
    "prec": cfg["prec"],
    "d": cfg["d"], "m": cfg["m"], "n": cfg["n"], "T": cfg["T"],
    "batch_loss": doc["steps"]["batch_loss"],
    "test_loss": doc["final"]["test_loss"],
    "test_error": doc["final"]["test_error"],
    "regenerate": "make golden",
}
with open(dst, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
PY
    echo "golden: $c"
done
# Replace the old files only once every case succeeded.
for c in $CASES; do
    rm -rf "$OUT/$c"
    mv "$tmp/out/$c" "$OUT/$c"
done
# (the status of a run of selected suites is not 0: CUnit counts the inactive
# ones; the file is checked instead)
GFL_REF_STATE_WRITE="$tmp/ref_state.txt" GFL_TEST_SUITES=ref_threads "$TESTS" >/dev/null || true
grep -q "^multiindex_hinge_lam1 " "$tmp/ref_state.txt" || { echo "golden: ref_state.txt not written" >&2; exit 1; }
mv "$tmp/ref_state.txt" "$OUT/ref_state.txt"
echo "golden: ref_state.txt"
du -sh "$OUT"
