#!/bin/sh
# The main job on the built-in default case studies (make proofs).
# 1. Both paths in lockstep on every case at the small preset: the ref/fast table.
# 2. The fast path on every case at the default (learning) configuration.
# Reports go to proofs/ (JSON); the tables go to stdout.
set -eu
GFL=${1:-bin/gfl}
OUT=${GFL_PROOFS_DIR:-proofs}
mkdir -p "$OUT"
echo "== ref vs fast, every case, small preset (SPEC 9) =="
"$GFL" compare --all --preset small --json "$OUT/compare.json"
echo
echo "== fast path, every case, default configuration (SPEC 7) =="
"$GFL" train --all --path fast --json "$OUT/train.json"
echo
echo "reports: $OUT/compare.json $OUT/train.json"
