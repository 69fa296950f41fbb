#!/bin/sh
# Runs the libFuzzer target build/fuzz/fuzz_NAME for SECONDS (make fuzz-NAME or fuzz-NAME-long,
# docs/fuzzing.md).  The seed corpus tests/fuzz/corpus_NAME/ is read only; new
# inputs go to build/fuzz/corpus_NAME/ and a crashing input to
# build/fuzz/NAME-SEED-crash-<sha1>, which is the reproduce command's argument.
# tests/fuzz/NAME.dict, if present, is the target's dictionary of tokens.
# GFL_FUZZ_SEED fixes libFuzzer's seed (default: a fresh one, printed).
set -eu
name=$1
secs=$2
target=${3:-fuzz-$name}  # the make target, for the reproduce line
bin=build/fuzz/fuzz_$name
seed=${GFL_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
mkdir -p "build/fuzz/corpus_$name"
echo "fuzz-$name: seed $seed, $secs s (reproduce: GFL_FUZZ_SEED=$seed make $target)"
dict=
[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
status=0
"$bin" $dict -seed="$seed" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/$name-$seed-" "build/fuzz/corpus_$name" "tests/fuzz/corpus_$name" || status=$?
if [ "$status" -ne 0 ]; then
    for f in build/fuzz/"$name-$seed"-*; do
        [ -e "$f" ] && echo "fuzz-$name: failing input $f (reproduce: $bin $f)"
    done
    echo "fuzz-$name: FAILED (seed $seed)"
    exit 1
fi
echo "fuzz-$name: no failure in $secs s (seed $seed)"
