#!/bin/sh
# The main job on the built-in default case studies (make proofs):
# 1. the theorem's proof chain on every case, ref path on the small preset and
#    fast path on the default one: proofs/report.{json,md} and figures;
# 2. the proof chain with the ref path (MPFR) on the default preset for xor
#    and parity, the same instances the fast path checks in 1:
#    proofs/check_ref_<case>.json;
# 3. ref vs fast in lockstep on every case (small preset): proofs/compare.json;
# 4. the fast path's learning figures at the default configuration;
# 5. the phenomena's quick grids (make phenomena runs the full ones);
# 6. a small scaling sweep (tools/sweep_proofs.json): slopes and crossovers.
# 7. gfl check on real data (tools/realdata.sh: breast_cancer, digits 3 vs 8).
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
# each section ends with its wall time, the job with the total
t_start=$(date +%s)
t_sec=$t_start
elapsed() {
    now=$(date +%s)
    echo "-- section: $((now - t_sec)) s"
    t_sec=$now
}
echo "== proof chain, every case (SPEC 5, 6) =="
"$GFL" check --all --strict --report "$OUT" || rc=1
elapsed
echo
echo "== proof chain, ref path on the default preset: xor, parity (SPEC 5, 6, 9) =="
for c in xor parity; do
    "$GFL" check --case "$c" --path ref --strict --json "$OUT/check_ref_$c.json" || rc=1
done
elapsed
echo
echo "== ref vs fast in lockstep, small preset (SPEC 9) =="
"$GFL" compare --all --preset small --json "$OUT/compare.json" --plot "$OUT" || rc=1
elapsed
echo
echo "== fast path, default configuration (SPEC 7) =="
"$GFL" train --all --path fast --json "$OUT/train.json" || rc=1
elapsed
echo
echo "== phenomena, quick grids (SPEC 8; the full run is make phenomena) =="
"$GFL" phenomena --all --quick --json "$OUT/phenomena_quick.json" || rc=1
elapsed
echo
echo "== scaling, a small sweep (fast path; docs/sweeps.md, make sweep for the full plan) =="
rm -rf "$OUT/scaling"
{ "$GFL" sweep plan tools/sweep_proofs.json --out "$OUT/scaling" >/dev/null &&
  "$GFL" sweep run "$OUT/scaling" --backend local 2>/dev/null >/dev/null &&
  "$GFL" sweep merge "$OUT/scaling" >/dev/null &&
  "$GFL" scaling "$OUT/scaling" --boot 100 | grep -E '^(## |\| (theorem-form chain|regret|a-priori form) \||- )'; } || rc=1
elapsed
echo
echo "== real data, the tasks with targets (SPEC 11, docs/data.md) =="
GFL_REALDATA_DIR="$OUT/realdata" GFL_REALDATA_TARGETS=report sh tools/realdata.sh "$GFL" bc d38 || rc=1
elapsed
echo
echo "reports: $OUT/realdata/report.md $OUT/report.md $OUT/report.json $OUT/check_ref_xor.json $OUT/check_ref_parity.json $OUT/compare.json $OUT/train.json $OUT/phenomena_quick.json $OUT/scaling/scaling/report.md (figures in $OUT/)"
[ "$rc" -eq 0 ] && echo "proofs: every exact link PASS, every statistical link that applies CONSISTENT (--strict)" || echo "proofs: FAILED (see above)"
echo "proofs: $(($(date +%s) - t_start)) s"
exit "$rc"
