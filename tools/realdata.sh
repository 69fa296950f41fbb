#!/bin/sh
# gfl check on real data sets shipped by Debian's python3-sklearn (SPEC 11,
# docs/data.md), read directly by gfl: make realdata, and make proofs (which
# runs the tasks with targets only).  Each task runs on GFL_REALDATA_SPLITS
# seeded splits (default 10; seeds 1..S), two at a time; each split's full
# report goes to $OUT/runs/, the means and spreads to $OUT/report.md (written
# to a temporary file, then renamed).
#
# Hyperparameters (sigma_a, eta1, eta, T, m, lam, loss) are chosen on a
# validation part carved from the training pool (--val-frac 0.15 --eval-part
# validation), never on the test part, which is cut first and so is the same
# with or without a validation part.  GFL_REALDATA_TUNE=1 runs the grid and
# prints its tables (below: two stages, 20 splits, a rule fixed beforehand;
# about 20 minutes for bc and 7 for d38 on the shared machine; docs/data.md has the
# figures); GFL_REALDATA_TUNE_SPLITS changes the number of splits.  The runs
# then train on the whole pool (validation rows included).
#
# Usage: tools/realdata.sh [gfl] [task ...]   tasks: bc d38 eo (default: all)
# Exits 1 when a split's exact link is not PASS or a task misses its target.
set -u
GFL=${1:-bin/gfl}
[ $# -gt 0 ] && shift
TASKS=${*:-bc d38 eo}
OUT=${GFL_REALDATA_DIR:-realdata}
S=${GFL_REALDATA_SPLITS:-10}
SK=/usr/lib/python3/dist-packages/sklearn/datasets/data
SPLIT="--test-frac 0.2 --feature-frac 0.15"
TUNE_SPLIT="--test-frac 0.2 --feature-frac 0.15 --val-frac 0.15"

# task -> data options, tuned hyperparameters, target (max mean error, max gap to logistic regression)
task_data() {
    case $1 in
    bc) echo "--data $SK/breast_cancer.csv --header skip" ;;
    d38) echo "--data $SK/digits.csv.gz --header none --classes 3,8 --drop-constant" ;;
    eo) echo "--data $SK/digits.csv.gz --header none --positive 0,2,4,6,8 --drop-constant" ;;
    *) echo "realdata: unknown task '$1' (bc, d38, eo)" >&2; exit 2 ;;
    esac
}
task_hyper() {
    case $1 in
    bc) echo "--sigma-a 2 --eta1 0.1 --eta 0.2 --T 400 --m 256 --lam 1e-4 --loss logistic" ;;
    d38) echo "--sigma-a 2 --eta1 0.1 --eta 0.2 --T 100 --m 512 --lam 1e-4 --loss hinge" ;;
    eo) echo "--eta 0.05 --T 100 --m 128" ;;
    esac
}
task_args() { d=$(task_data "$1") || exit 2; echo "$d $(task_hyper "$1")"; }
task_name() {
    case $1 in
    bc) echo "breast_cancer (malignant 0 vs benign 1)" ;;
    d38) echo "digits 3 vs 8" ;;
    eo) echo "digits even vs odd" ;;
    esac
}
task_target() { # max mean error, max gap to logistic regression (points), or '-'
    case $1 in
    bc) echo "0.06 0.02" ;;
    d38) echo "0.04 -" ;;
    *) echo "- -" ;;
    esac
}

export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} # runs go two at a time: one BLAS thread each
for f in "$SK/breast_cancer.csv" "$SK/digits.csv.gz"; do
    [ -r "$f" ] || { echo "realdata: $f missing (make deps installs python3-sklearn)" >&2; exit 2; }
done

if [ "${GFL_REALDATA_TUNE:-0}" = 1 ]; then
    # The validation grid (docs/data.md "Hyperparameters"), each configuration
    # on the validation part of seeds 1..TS (gfl train --eval-part validation:
    # the final network f^(T), 0-1 error), two runs at a time.
    #   stage 1 (the first step and the step size; m 256, lam 1e-4, hinge):
    #     sigma_a {1, 2, 4} x eta1 {0.1, 0.3, 1} x eta {0.05, 0.2} x T {100, 200, 400}
    #   stage 2 (around stage 1's choice): m {256, 512, 1024} x T {T1, 2 T1}
    #     x lam {1e-4, 1e-3} x loss {hinge, logistic}
    # Rule, fixed before any test error was looked at: the configurations whose
    # mean validation error is within one standard error (sd over splits /
    # sqrt(TS)) of the stage's lowest mean; of those the cheapest (m T, the
    # cost of a check), then the lowest mean, then the first in grid order.
    TS=${GFL_REALDATA_TUNE_SPLITS:-20}
    [ "$TS" -ge 2 ] 2>/dev/null || { echo "realdata: GFL_REALDATA_TUNE_SPLITS must be at least 2" >&2; exit 2; }
    TD=$(mktemp -d "${TMPDIR:-/tmp}/gfl-tune.XXXXXX") || exit 2
    trap 'rm -rf "$TD"' EXIT
    t_start=$(date +%s)
    # run_grid TASK STAGE < configurations (one a line): prints the table and
    # the chosen line "choice: OPTIONS"
    run_grid() {
        : > "$TD/jobs"
        nc=0
        while read -r cfg; do
            nc=$((nc + 1))
            echo "$nc $cfg" >> "$TD/cfgs.$2"
            seed=1
            while [ "$seed" -le "$TS" ]; do
                echo "$2 $nc $seed $cfg" >> "$TD/jobs"
                seed=$((seed + 1))
            done
        done
        # one job a line: stage, configuration number, seed, options (no quotes)
        TUNE_DATA=$(task_data "$1") GFL="$GFL" TD="$TD" TUNE_SPLIT="$TUNE_SPLIT" nice -n 10 xargs -P 2 -L 1 sh -c '
            st=$1 k=$2 seed=$3; shift 3
            "$GFL" train --case data $TUNE_DATA $TUNE_SPLIT --eval-part validation "$@" --eval-every 1000000 --seed "$seed" |
                sed -n "s/^final:.*test 0-1 error \([0-9.]*\).*/$k $seed \1/p" > "$TD/r.$st.$k.$seed"' sh < "$TD/jobs"
        cat "$TD"/r.$2.* | awk -v TS="$TS" -v cfgs="$TD/cfgs.$2" -v task="$1" -v stage="$2" '
        BEGIN { while ((getline l < cfgs) > 0) { k = l; sub(/ .*/, "", k); c = l; sub(/^[0-9]+ /, "", c); cfg[k] = c; nc++ } }
        { s[$1] += $3; q[$1] += $3 * $3; n[$1]++ }
        function opt(k, name,   a, i, nn) { nn = split(cfg[k], a, " "); for (i = 1; i < nn; i++) if (a[i] == name) return a[i + 1]; return "" }
        END {
            best = -1
            for (k = 1; k <= nc; k++) {
                if (n[k] != TS) { printf "realdata: tune %s stage %s: configuration %d has %d of %d runs\n", task, stage, k, n[k], TS > "/dev/stderr"; exit 2 }
                mu[k] = s[k] / TS; v = (q[k] - TS * mu[k] ^ 2) / (TS - 1); sd[k] = v > 0 ? sqrt(v) : 0
                if (best < 0 || mu[k] < mu[best]) best = k
            }
            lim = mu[best] + sd[best] / sqrt(TS)
            ch = -1
            for (k = 1; k <= nc; k++) {
                cost[k] = opt(k, "--m") * opt(k, "--T")
                if (mu[k] > lim + 1e-12) continue
                if (ch < 0 || cost[k] < cost[ch] || (cost[k] == cost[ch] && mu[k] < mu[ch] - 1e-12)) ch = k
            }
            printf "| task | stage | configuration | m T | mean validation error | sd | within 1 se of the best |\n|---|---|---|---|---|---|---|\n"
            for (k = 1; k <= nc; k++)
                printf "| %s | %s | `%s` | %d | %.4f | %.4f | %s%s |\n", task, stage, cfg[k], cost[k], mu[k], sd[k],
                    mu[k] <= lim + 1e-12 ? "yes" : "", k == ch ? " **chosen**" : (k == best ? " (lowest)" : "")
            printf "\nstage %s: lowest mean %.4f (sd %.4f, se %.4f), limit %.4f\nchoice: %s\n", stage, mu[best], sd[best], sd[best] / sqrt(TS), lim, cfg[ch]
        }' > "$TD/table.$2" || exit 2
        cat "$TD/table.$2"
        rm -f "$TD"/r.$2.*
    }
    opt_of() { echo "$1" | awk -v name="$2" '{ for (i = 1; i < NF; i++) if ($i == name) print $(i + 1) }'; }
    for t in $TASKS; do
        task_data "$t" > /dev/null || exit 2
        rm -f "$TD"/cfgs.*
        echo "## $t: $(task_name "$t"), validation part of seeds 1..$TS ($TUNE_SPLIT)"
        echo
        for sa in 1 2 4; do for e1 in 0.1 0.3 1; do for eta in 0.05 0.2; do for T in 100 200 400; do
            echo "--sigma-a $sa --eta1 $e1 --eta $eta --T $T --m 256 --lam 1e-4 --loss hinge"
        done; done; done; done | run_grid "$t" 1
        c1=$(sed -n 's/^choice: //p' "$TD/table.1")
        [ -n "$c1" ] || exit 2
        sa=$(opt_of "$c1" --sigma-a) e1=$(opt_of "$c1" --eta1) eta=$(opt_of "$c1" --eta) T1=$(opt_of "$c1" --T)
        echo
        for m in 256 512 1024; do for T in $T1 $((2 * T1)); do for lam in 1e-4 1e-3; do for loss in hinge logistic; do
            echo "--sigma-a $sa --eta1 $e1 --eta $eta --T $T --m $m --lam $lam --loss $loss"
        done; done; done; done | run_grid "$t" 2
        c2=$(sed -n 's/^choice: //p' "$TD/table.2")
        [ -n "$c2" ] || exit 2
        echo
        echo "$t chosen: $c2 ($(($(date +%s) - t_start)) s so far)"
        echo
    done
    exit 0
fi

rm -rf "$OUT/runs" # a previous run's splits must not enter this report
mkdir -p "$OUT/runs"
t0=$(date +%s)
jobs="$OUT/runs/jobs.txt"
: > "$jobs"
for t in $TASKS; do
    args=$(task_args "$t") || exit 2
    s=1
    while [ "$s" -le "$S" ]; do
        echo "$GFL check --case data $args $SPLIT --path fast --seed $s > $OUT/runs/${t}_$s.txt 2>&1; echo \$? > $OUT/runs/${t}_$s.rc" >> "$jobs"
        s=$((s + 1))
    done
done
xargs -P 2 -I CMD sh -c CMD < "$jobs"
t1=$(date +%s)

rc=0
# GFL_REALDATA_TARGETS=report (make proofs): a missed error target is printed
# (MISSED) but does not fail the run; a failed exact link or run always does.
# The default (make realdata) fails on a missed target too.
case "${GFL_REALDATA_TARGETS:-fatal}" in
    fatal) TARGETS_FATAL=1 ;;
    report) TARGETS_FATAL=0 ;;
    *) echo "realdata: GFL_REALDATA_TARGETS must be fatal or report" >&2; exit 2 ;;
esac
tmp="$OUT/report.md.tmp$$"
{
    echo "# gfl on real data (SPEC 11)"
    echo
    echo "Generated by \`tools/realdata.sh\` ($S seeded splits per task, seeds 1..$S; path fast;"
    echo "split: test 20%, feature pool 15%, training pool 65%; $((t1 - t0)) s wall on a shared machine)."
    echo "Errors are 0-1 errors of the final network on the test part; mean and sample standard deviation"
    echo "over the splits. OPT_hat is the held-out loss of the fitted network of F(d, r, B_F, S), with the"
    echo "mean of its 95% interval ends."
    echo
} > "$tmp"
for t in $TASKS; do
    set -- $(task_target "$t")
    tmax=$1 tgap=$2
    cat "$OUT"/runs/${t}_*.txt | grep '^data-summary:' | awk -v name="$(task_name "$t")" -v S="$S" \
        -v tmax="$tmax" -v tgap="$tgap" -v tfatal="$TARGETS_FATAL" -v args="$(task_args "$t")" '
    function kv(s,   a) { split(s, a, "="); return a[2] }
    {
        for (i = 2; i <= NF; i++) { split($i, a, "="); v[a[1], NR] = a[2] }
        n = NR
    }
    function mean(k,   i, s) { s = 0; for (i = 1; i <= n; i++) s += v[k, i]; return s / n }
    function sd(k,   i, s, m) { m = mean(k); s = 0; for (i = 1; i <= n; i++) s += (v[k, i] - m)^2; return n > 1 ? sqrt(s / (n - 1)) : 0 }
    function cnt(k, val,   i, c) { c = 0; for (i = 1; i <= n; i++) c += v[k, i] == val; return c }
    END {
        printf "## %s\n\n`gfl check --case data %s --test-frac 0.2 --feature-frac 0.15 --path fast --seed S`\n\n", name, args
        if (n < S) { printf "**%d of %d splits produced no summary (see runs/)**\n\n", S - n, S; bad = 1 }
        printf "| quantity | mean | sd | min | max |\n|---|---|---|---|---|\n"
        split("alg_err rf_err lr_err opt_hat opt_lo opt_hi tight measured", ks, " ")
        split("Algorithm 1 test error|random features (same m) test error|logistic regression test error|OPT_hat (held-out loss)|OPT_hat interval, lower end|OPT_hat interval, upper end|tight chain bound|measured min batch loss", ns, "|")
        for (j = 1; j <= 8; j++) {
            k = ks[j]; mn = 1e300; mx = -1e300
            for (i = 1; i <= n; i++) { mn = v[k, i] < mn ? v[k, i] : mn; mx = v[k, i] > mx ? v[k, i] : mx }
            printf "| %s | %.4f | %.4f | %.4f | %.4f |\n", ns[j], mean(k), sd(k), mn, mx
        }
        pass = cnt("exact_links", "PASS"); avail = cnt("opt_available", "1")
        printf "\nExact links (C1, C4, C5, C5g, C6, chain, tight) all PASS on %d of %d splits; OPT_hat available (every candidate feature in S) on %d of %d.\n", pass, n, avail, n
        if (pass < n) bad = 1
        if (tmax != "-") {
            ok = mean("alg_err") <= tmax + 0
            msg = sprintf("mean test error %.4f <= %s", mean("alg_err"), tmax)
            if (tgap != "-") {
                gap = mean("alg_err") - mean("lr_err"); ok = ok && gap <= tgap + 0
                msg = msg sprintf(" and within %s of logistic regression (gap %+.4f)", tgap, gap)
            }
            printf "Target: %s: **%s**.\n", msg, ok ? "MET" : "MISSED"
            if (!ok && tfatal) bad = 1
        }
        printf "\n"
        exit bad
    }' >> "$tmp" || rc=1
    # A statistical link (C2, C3, population) is VIOLATED with probability up
    # to its level on any one split: counted and named here, not a failure of
    # the run (exit 1 with every exact link PASS).  An exact link that fails,
    # or a run that stops (exit >= 2), is.
    viol=$(grep -l '^data .* VIOLATED' "$OUT"/runs/${t}_*.txt 2>/dev/null | sed 's|.*/||; s|\.txt$||' | sort -t_ -k2n | tr '\n' ' ' | sed 's/ $//')
    nv=$(echo $viol | wc -w)
    if [ "$nv" -gt 0 ]; then
        echo "Statistical links VIOLATED on $nv of $S splits ($viol): each link is tested at its stated level, so such a rejection is expected on a few percent of splits (docs/proofs.md); see runs/." >> "$tmp"
    else
        echo "No statistical link VIOLATED on any of the $S splits." >> "$tmp"
    fi
    echo >> "$tmp"
done
for f in "$OUT"/runs/*.rc; do
    r=$(cat "$f")
    txt="${f%.rc}.txt"
    if [ "$r" = 1 ] && grep -q 'exact_links=PASS' "$txt"; then
        continue # a statistical rejection, counted in the report
    fi
    [ "$r" = 0 ] || { echo "realdata: $(basename "$f" .rc) exited $r" >&2; rc=1; }
done
mv "$tmp" "$OUT/report.md"
cat "$OUT/report.md"
[ "$rc" -eq 0 ] && echo "realdata: every exact link PASS$([ "$TARGETS_FATAL" = 1 ] && echo ", every target met") ($((t1 - t0)) s)" || echo "realdata: FAILED (see above and $OUT/runs/)"
exit "$rc"
