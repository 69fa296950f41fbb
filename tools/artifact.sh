#!/bin/sh
# make artifact: everything an evaluator needs to judge the results, in one
# tarball, dist/gfl-artifact-<version>.tar.gz (docs/ARTIFACT.md):
#
#   proofs/     the proof-chain report (report.md, report.json), the ref/fast
#               comparison and the learning table, with their figures (make proofs;
#               reused when newer than the binary, else rerun) and proofs.log
#   coverage/   summary.txt, the lcov HTML report, EXCLUSIONS.md (make coverage, rerun)
#   tests/      junit.xml (CUnit results converted by tools/cunit2junit.xsl), the raw
#               CUnit XML, the runner's log and the numpy replay's log
#   MANIFEST.md environment: compiler, libraries, tools, CPU, OS, commit, seeds
#   COMMANDS.txt the exact commands this script ran, in order, with exit codes
#   STATUS      one line per stage: ok or failed
#   SHA256SUMS  checksums of every file above
#
# Usage: sh tools/artifact.sh [GFL [TESTS]]   (run from the top directory)
# Exits non-zero if a stage failed; the tarball is written anyway, so that
# the failure itself can be inspected.
set -u
GFL=${1:-bin/gfl}
TESTS=${2:-build/release/gfl_tests}
ROOT=$(pwd)
VERSION=$("$GFL" version | sed -n 's/.*"gfl": "\(.*\)".*/\1/p')
REV=$(git describe --always --dirty 2>/dev/null || echo unknown)
NAME=gfl-artifact-$VERSION-$REV
DIST=dist
ART=$DIST/$NAME
rm -rf "$ART" "$ART.tar.gz"
mkdir -p "$ART/proofs" "$ART/coverage" "$ART/tests"
CMDS=$ART/COMMANDS.txt
STATUS=$ART/STATUS
fail=0
: >"$CMDS"
: >"$STATUS"

# run LOG CMD...: runs CMD from the top directory with output to LOG, records it.
run() {
    log=$1
    shift
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    echo "$* > ${log#"$ART"/}  # exit $rc, $(($(date +%s) - t0)) s" >>"$CMDS"
    return $rc
}

stage() {
    if [ "$2" -eq 0 ]; then
        echo "$1: ok" >>"$STATUS"
    else
        echo "$1: failed (exit $2)" >>"$STATUS"
        fail=1
    fi
    echo "artifact: $1: $(tail -1 "$STATUS" | sed 's/^[^:]*: //')"
}

echo "artifact: $ART"
echo "# from $ROOT at $(git rev-parse HEAD 2>/dev/null || echo unknown) ($REV), $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$CMDS"

# 1. Tests: the suites in CUnit's automated mode (XML), then JUnit, then the replay.
run "$ART/tests/gfl_tests.log" "$TESTS" --xml "$ART/tests/cunit"
stage tests $?
run "$ART/tests/xsltproc.log" xsltproc --novalid -o "$ART/tests/junit.xml" tools/cunit2junit.xsl \
    "$ART/tests/cunit-Results.xml"
stage junit $?
run "$ART/tests/replay_dump.log" /usr/bin/python3 tests/replay_dump.py "$GFL"
stage replay $?
run "$ART/tests/replay_mp.log" /usr/bin/python3 tests/replay_mp.py "$GFL"
stage replay-mp $?

# 2. Coverage: always rerun (about a minute); the gates decide the status.
run "$ART/coverage/make_coverage.log" make --no-print-directory coverage
stage coverage $?
if [ -d coverage/html ]; then
    cp -r coverage/html "$ART/coverage/html"
    cp coverage/html/summary.txt "$ART/coverage/summary.txt"
fi
cp coverage/EXCLUSIONS.md "$ART/coverage/"

# 3. Proofs: reuse proofs/ when its report is newer than the binary and the
#    script that made it; otherwise run make proofs (about 3 minutes).
if [ -f proofs/report.json ] && [ proofs/report.json -nt "$GFL" ] && [ proofs/report.json -nt tools/proofs.sh ]; then
    echo "# proofs/ is newer than $GFL and tools/proofs.sh: reused" >>"$CMDS"
    [ -f proofs/proofs.log ] && cp proofs/proofs.log "$ART/proofs/proofs.log"
    stage proofs 0
else
    rm -rf proofs
    run "$ART/proofs/proofs.log" make --no-print-directory proofs
    rc=$?
    cp "$ART/proofs/proofs.log" proofs/proofs.log 2>/dev/null
    stage proofs $rc
fi
cp -r proofs/. "$ART/proofs/" 2>/dev/null

# 4. Manifest of the environment.
ver() { "$@" 2>&1 | head -1; }
pkg() { dpkg-query -W -f='${Package} ${Version}' "$1" 2>/dev/null || echo "$1: not installed"; }
{
    echo "# gfl artifact $NAME"
    echo
    echo "- commit: $(git rev-parse HEAD 2>/dev/null || echo unknown) ($REV)"
    echo "- created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- status: $(tr '\n' ';' <"$STATUS" | sed 's/;$//; s/;/; /g')"
    echo
    echo "## gfl version (bin/gfl version)"
    echo
    echo '```json'
    "$GFL" version
    echo '```'
    echo
    echo "## libraries and tools"
    echo
    echo "- compiler: $(ver "${CC:-cc}" --version)"
    echo "- MPFR: $(pkg libmpfr-dev); GMP: $(pkg libgmp-dev)"
    echo "- CUnit: $(pkg libcunit1-dev)"
    echo "- BLAS: $(pkg libopenblas-dev)"
    echo "- jansson: $(pkg libjansson-dev)"
    echo "- GSL: $(pkg libgsl-dev) (gsl-config: $(gsl-config --version 2>/dev/null || echo n/a))"
    echo "- gnuplot: $(ver gnuplot --version)"
    echo "- lcov: $(ver lcov --version)"
    echo "- xsltproc: $(ver xsltproc --version)"
    echo "- valgrind: $(ver valgrind --version)"
    echo "- python3: $(ver /usr/bin/python3 --version), numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)' 2>&1)"
    echo "- make: $(ver make --version)"
    echo
    echo "## machine"
    echo
    echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) online)"
    echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- OS: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); kernel $(uname -srm)"
    echo
    echo "## seeds"
    echo
    echo "- CUnit suites: GFL_TEST_SEED=${GFL_TEST_SEED:-1}, GFL_TEST_EFFORT=${GFL_TEST_EFFORT:-1} (first line of tests/gfl_tests.log)"
    echo "- numpy replay: $(grep -o 'seed [0-9]*' "$ART/tests/replay_dump.log" | head -1)"
    echo "- mpmath replay: $(grep -o 'seed [0-9]*' "$ART/tests/replay_mp.log" | head -1)"
    echo "- proofs (gfl check --all, gfl compare --all, gfl train --all): seeds found in the JSON reports:" \
        "$(/usr/bin/python3 - "$ART"/proofs/*.json <<'PY'
import json, sys
seeds = set()
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "seed" and isinstance(x, int):
                seeds.add(x)
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for p in sys.argv[1:]:
    try:
        walk(json.load(open(p)))
    except (OSError, ValueError):
        pass
print(", ".join(str(s) for s in sorted(seeds)) or "none")
PY
)"
    echo
    echo "## reproduce"
    echo
    echo "See docs/ARTIFACT.md; the commands of this run are in COMMANDS.txt."
} >"$ART/MANIFEST.md"
cp docs/ARTIFACT.md "$ART/ARTIFACT.md" 2>/dev/null

# 5. Checksums of every file, then the tarball.
(cd "$ART" && find . -type f ! -name SHA256SUMS -print | LC_ALL=C sort | sed 's|^\./||' |
    xargs -d '\n' sha256sum >SHA256SUMS)
tar -C "$DIST" -czf "$ART.tar.gz" "$NAME"
echo "artifact: $ART.tar.gz ($(du -h "$ART.tar.gz" | cut -f1), $(find "$ART" -type f | wc -l) files)"
cat "$STATUS"
exit $fail
