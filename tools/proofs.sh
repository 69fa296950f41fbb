#!/bin/sh
# The main job on the built-in default case studies (make proofs):
# 1. the theorem's proof chain on every case, ref path on the small preset and
#    fast path on the default one: proofs/report.{json,md} and figures;
# 2. ref vs fast in lockstep on every case (small preset): proofs/compare.json;
# 3. the fast path's learning figures at the default configuration;
# 4. gfl check on real data (tools/realdata.sh: breast_cancer, digits 3 vs 8).
# Exits non-zero when any link is FAIL, VIOLATED, UNCERTIFIED or INCONCLUSIVE
# (check --strict, SPEC 6) or a comparison FAILs.
set -u
GFL=${1:-bin/gfl}
OUT=${GFL_PROOFS_DIR:-proofs}
# gfl check --report refuses a non-empty directory: a previous run's proofs
# (recognized by its report) are removed first
if [ -f "$OUT/report.json" ] && [ -f "$OUT/report.md" ]; then
    rm -rf "$OUT"
fi
mkdir -p "$OUT"
rc=0
echo "== proof chain, every case (SPEC 5, 6) =="
"$GFL" check --all --strict --report "$OUT" || rc=1
echo
echo "== ref vs fast in lockstep, small preset (SPEC 9) =="
"$GFL" compare --all --preset small --json "$OUT/compare.json" --plot "$OUT" || rc=1
echo
echo "== fast path, default configuration (SPEC 7) =="
"$GFL" train --all --path fast --json "$OUT/train.json" || rc=1
echo
echo "== real data, the tasks with targets (SPEC 11, docs/data.md) =="
GFL_REALDATA_DIR="$OUT/realdata" sh tools/realdata.sh "$GFL" bc d38 || rc=1
echo
echo "reports: $OUT/realdata/report.md $OUT/report.md $OUT/report.json $OUT/compare.json $OUT/train.json (figures in $OUT/)"
[ "$rc" -eq 0 ] && echo "proofs: every exact link PASS, every statistical link that applies CONSISTENT (--strict)" || echo "proofs: FAILED (see above)"
exit "$rc"
