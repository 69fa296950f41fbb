#!/bin/sh
# Speed and memory benchmarks (make bench).  Each line: wall seconds, peak
# resident memory (GNU time), and the throughput of the training loop.
# Timings depend on the machine; the command of every line is printed so it
# can be rerun alone.
set -eu
GFL=${1:-bin/gfl}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: GNU time is missing: apt-get install time" >&2; exit 1; }
row() {
    # row LABEL FLOPS_PER_STEP_TIMES_T -- command...
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
row "fast train xor m=1024 n=2048 d=64" $((6 * 2048 * 1024 * 64 * 100)) \
    "$GFL" train --case xor --path fast --m 1024 --n 2048 --d 64 --T 100 --n-test 2048
row "ref train xor (small)" $((6 * 128 * 64 * 8 * 200)) "$GFL" train --case xor --path ref --preset small
row "ref train xor prec 256 (small)" $((6 * 128 * 64 * 8 * 200)) \
    "$GFL" train --case xor --path ref --preset small --prec 256
row "compare every case (small)" 0 "$GFL" compare --all --preset small
row "features parity d=20 (enumeration)" 0 "$GFL" features --case parity --d 20 --n-init 100 --m 2
row "check xor (fast, default)" 0 "$GFL" check --case xor --path fast
row "check xor (ref, small)" 0 "$GFL" check --case xor --path ref --preset small

# Ratios of the ref path (docs/performance.md explains each line and its
# target).  The machine's load is printed with them: on a shared machine
# every figure above and below is only as good as that load.
echo
echo "ref path ratios (load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gfl_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
jget() { /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }
ratio_line() { printf "%-46s %12s   %s\n" "$1" "$2" "$3"; }
# 1. the whole comparison at the default preset: 128-bit run, 192-bit self-check, fast run
cmd="$GFL compare --case xor --json $tmp/cmp_default.json"
out=$($TIME -f "%e %U %S" $cmd 2>&1 >/dev/null | tail -n 1)
ratio_line "compare xor (default): wall s [target <= 60]" "${out%% *}" "$cmd"
# 2. ref / fast time per step (steps and test evaluations of each path, same run)
cmd="$GFL compare --case xor --preset small --json $tmp/cmp_small.json"
$cmd >/dev/null
ratio_line "ref / fast per step (small)" "$(jget "$tmp/cmp_small.json" '"%.1f" % (d["ref"]["seconds"] / d["fast"]["seconds"])')" "$cmd"
ratio_line "ref / fast per step (default) [target <= 100]" \
    "$(jget "$tmp/cmp_default.json" '"%.1f" % (d["ref"]["seconds"] / d["fast"]["seconds"])')" \
    "$GFL compare --case xor (the run of the first line)"
# 3. CPU time / wall time of a ref run on 2 threads
cmd="$GFL train --case xor --path ref --threads 2 --T 100"
out=$($TIME -f "%e %U %S" $cmd 2>&1 >/dev/null | tail -n 1)
ratio_line "ref --threads 2: CPU / wall [target >= 1.7]" \
    "$(echo "$out" | awk '{ if ($1 > 0) printf "%.2f", ($2 + $3) / $1; else printf "-" }')" "$cmd  ($out: wall user sys)"
