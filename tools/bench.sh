#!/bin/sh
# Speed and memory benchmarks (make bench; docs/performance.md explains every
# figure).  One run prints the absolute timings, then the ratios against the
# anchors (dgemm in the same binary, PyTorch float64 on the same work, the
# fast path for the ref path), the wall time and peak memory of compare,
# check and make proofs, and the growth of the step time with m, n and d;
# it writes $GFL_BENCH_DIR (default bench/): bench.json, report.md and the
# log-log figure scaling.png.  Every line carries its command, so it can be
# rerun alone.  Timings depend on the machine and its load: the load average
# is recorded with them.
set -eu
GFL=${1:-bin/gfl}
OUT=${GFL_BENCH_DIR:-bench}
PY=/usr/bin/python3
TIME=/usr/bin/time
NPROC=$(nproc)
[ -x "$TIME" ] || { echo "bench: GNU time is missing: apt-get install time" >&2; exit 1; }
mkdir -p "$OUT"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gfl_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
RES=$tmp/results.tsv
: > "$RES"
# put KEY VALUE...: one result line for tools/bench_report.py
put() { k=$1; shift; printf "%s\t%s\n" "$k" "$*" >> "$RES"; }
put load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
put nproc "$NPROC"

# timed KEY command...: wall s, user s, sys s, peak MiB of the command (and
# of its largest child: GNU time reports the children's maximum)
timed() {
    key=$1; shift
    out=$($TIME -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -n 1)
    set -- $out
    put "$key" "$1 $2 $3 $(($4 / 1024))"
}
row() {
    # row LABEL FLOPS -- command...: one line of the absolute table
    label=$1; work=$2; shift 2
    out=$($TIME -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1)
    sec=${out% *}; kb=${out#* }
    gf=$(awk -v w="$work" -v s="$sec" 'BEGIN { if (s > 0 && w > 0) printf "%.2f", w / s / 1e9; else printf "-" }')
    printf "%-34s %9s %10s %10s   %s\n" "$label" "$sec" "$((kb / 1024))" "$gf" "$*"
}
printf "%-34s %9s %10s %10s   %s\n" "benchmark" "seconds" "peak MiB" "GFLOP/s" "command"
# forward + two gradient products per step: about 6 n m d flops
for c in xor parity multiindex; do
    T=400; [ "$c" = multiindex ] && T=2000
    row "fast train $c (default)" $((6 * 512 * 256 * 16 * T)) "$GFL" train --case "$c" --path fast
done
row "ref train xor (small)" $((6 * 128 * 64 * 8 * 200)) "$GFL" train --case xor --path ref --preset small
row "ref train xor prec 256 (small)" $((6 * 128 * 64 * 8 * 200)) \
    "$GFL" train --case xor --path ref --preset small --prec 256
row "compare every case (small)" 0 "$GFL" compare --all --preset small
row "features parity d=20 (enumeration)" 0 "$GFL" features --case parity --d 20 --n-init 100 --m 2

echo
echo "ratios, wall time and memory (load average: $(cut -d' ' -f1-3 /proc/loadavg), $NPROC cores)"
# 1. the fast path against dgemm, one process (gfl bench)
cmd="$GFL bench --case xor --d 256 --m 1024 --n 8192 --T 10 --n-test 16 --dgemm 2048 --json $tmp/dgemm.json"
$cmd >/dev/null
put cmd_dgemm "$cmd"
# 2. the fast path against PyTorch float64 on the same work (xor, d 64, m 1024, n 4096, T 30)
cmd="$GFL bench --case xor --d 64 --m 1024 --n 4096 --T 30 --n-test 16 --dgemm 0 --json $tmp/fast_torch.json"
$cmd >/dev/null
put cmd_fast_torch "$cmd"
if $PY -c "import torch" 2>/dev/null; then
    $PY tools/bench_torch.py 64 1024 4096 30 "$NPROC" 1 > "$tmp/torch.json"
    put cmd_torch "$PY tools/bench_torch.py 64 1024 4096 30 $NPROC 1"
else
    echo "bench: PyTorch is not installed (apt-get install python3-torch): no PyTorch line" >&2
fi
# 3. the whole comparison at the default and the small preset; ref / fast per step from their JSON
cmd="$GFL compare --case xor --json $tmp/cmp_default.json"
timed compare_default $cmd
put cmd_compare_default "$cmd"
cmd="$GFL compare --case xor --preset small --json $tmp/cmp_small.json"
timed compare_small $cmd
put cmd_compare_small "$cmd"
# 4. CPU time / wall time of a ref run on 2 threads
cmd="$GFL train --case xor --path ref --threads 2 --T 100"
timed ref_threads2 $cmd
put cmd_ref_threads2 "$cmd"
# 5. check: fast path (default), ref path (default, as make proofs runs it)
cmd="$GFL check --case xor --path fast"
timed check_fast $cmd
put cmd_check_fast "$cmd"
cmd="$GFL check --case xor --path ref --preset default"
timed check_ref $cmd
put cmd_check_ref "$cmd"
# 6. make proofs (tools/proofs.sh into a directory of its own)
cmd="sh tools/proofs.sh $GFL"
GFL_PROOFS_DIR=$tmp/proofs timed proofs sh tools/proofs.sh "$GFL"
put cmd_proofs "GFL_PROOFS_DIR=DIR $cmd"
# 7. growth of the step time with m, n and d (each doubled three times from
#    a base; fast path, and the ref path on smaller sizes)
for dim in m n d; do
    for f in 1 2 4 8; do
        d=32 m=512 n=2048
        case $dim in m) m=$((m * f)) ;; n) n=$((n * f)) ;; d) d=$((d * f)) ;; esac
        $GFL bench --case xor --path fast --d $d --m $m --n $n --T 10 --n-test 16 --dgemm 0 --json "$tmp/s.json" >/dev/null
        put scale "fast $dim $d $m $n 10 $($PY -c "import json; print(json.load(open('$tmp/s.json'))['step_seconds'])")"
        d=8 m=32 n=64
        case $dim in m) m=$((m * f)) ;; n) n=$((n * f)) ;; d) d=$((d * f)) ;; esac
        $GFL bench --case xor --path ref --d $d --m $m --n $n --T 3 --n-test 16 --dgemm 0 --json "$tmp/s.json" >/dev/null
        put scale "ref $dim $d $m $n 3 $($PY -c "import json; print(json.load(open('$tmp/s.json'))['step_seconds'])")"
    done
done
put cmd_scale "$GFL bench --case xor --path P --d D --m M --n N --T T --n-test 16 --dgemm 0"
put load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
$PY tools/bench_report.py "$tmp" "$OUT"
