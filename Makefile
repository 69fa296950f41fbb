# gfl -- one Makefile for the whole project.
#   make test     build and run the CUnit suites (installs Debian deps as root)
#   make proofs   the main job on the built-in case studies
#   make bench    speed and memory benchmarks
#   make golden   regenerate the fast path's golden files from the ref path
# Variants: make test-asan, make test-tsan, make valgrind, make coverage; make artifact packs dist/.
#   make mutation  mutation testing of proofs_check/ (a sample; make mutation-full: all)
# Build outputs live in build/ and bin/.

CC      ?= gcc
BUILD   ?= build/release
BIN     ?= bin
OPT     ?= -O2
XCFLAGS ?=
XLDFLAGS ?=
PKG_CFLAGS = $(shell pkg-config --cflags openblas jansson cunit mpfr 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs openblas jansson cunit mpfr 2>/dev/null) -llapacke -lgsl -lgmp -lcsv -lz -lm
CFLAGS  = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(OPT) -g -Wall -Wextra -Werror \
          -Wshadow -Wstrict-prototypes -Icore -Iref -Ifast -Ipaths -Iproofs_check -Isweep -Icli $(PKG_CFLAGS) $(XCFLAGS)
LDFLAGS = $(XLDFLAGS)

LIB_SRC  = $(wildcard core/*.c) $(wildcard ref/*.c) $(wildcard fast/*.c) $(wildcard paths/*.c) $(wildcard proofs_check/*.c)
LIB_SRC += $(wildcard sweep/*.c)
CLI_SRC  = $(wildcard cli/*.c)
TEST_SRC = $(wildcard tests/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libgfl.a
GFL      = $(BIN)/gfl
TESTS    = $(BUILD)/gfl_tests

.PHONY: all deps build test test-run proofs proofs-run realdata phenomena phenomena-run bench clean test-asan test-tsan coverage coverage-run \
        valgrind golden artifact fuzz-long fuzz-cli-asan mutation mutation-full sweep test-slurm
all: deps
	@$(MAKE) --no-print-directory build

deps:
	@sh tools/deps.sh

build: $(GFL) $(TESTS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(GFL): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(PKG_LIBS) -o $@

$(TESTS): $(TEST_OBJ) $(filter-out $(BUILD)/cli/gfl_main.o,$(CLI_OBJ)) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

test: deps
	@$(MAKE) --no-print-directory test-run

# The suites run from the top directory; GFL_TEST_SEED and GFL_TEST_EFFORT tune them.
# The bounded CLI fuzz uses seed 1 unless GFL_FUZZ_SEED is set, so that CI is
# reproducible; make fuzz-long draws a fresh seed and prints it.
test-run: build
	$(TESTS)
	/usr/bin/python3 tests/replay_dump.py $(GFL)
	/usr/bin/python3 tests/replay_mp.py $(GFL)
	/usr/bin/python3 tests/verify_examples.py $(GFL)
	GFL_FUZZ_SEED=$${GFL_FUZZ_SEED:-1} /usr/bin/python3 tests/fuzz_cli.py $(GFL)

proofs: deps
	@$(MAKE) --no-print-directory proofs-run

proofs-run: build
	sh tools/proofs.sh $(GFL)

# The phenomena experiments at full size (SPEC 8, docs/phenomena.md): phenomena/report.md,
# report.json and the figures; about 20 minutes on 2 cores.  Outputs stay out of git.
phenomena: deps
	@$(MAKE) --no-print-directory phenomena-run

phenomena-run: build
	rm -rf phenomena
	$(GFL) phenomena --all --report phenomena

# gfl check on the real data sets of python3-sklearn (docs/data.md): realdata/report.md
realdata: deps
	@$(MAKE) --no-print-directory build
	sh tools/realdata.sh $(GFL)

# Regenerates tests/golden/ (ref-path results the fast path is held to; docs/compare.md).
golden: $(GFL) $(TESTS)
	sh tools/golden.sh $(GFL) tests/golden $(TESTS)

bench: deps
	@$(MAKE) --no-print-directory build
	sh tools/bench.sh $(GFL)

test-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin OPT=-O1 \
	    XCFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    XLDFLAGS="-fsanitize=address,undefined" build
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/gfl_tests

# ThreadSanitizer: the ref path's worker pool (suites ref_threads, ref_dot,
# paths, train and compare run ref engines on 2 and 3 threads).
test-tsan: deps
	@$(MAKE) --no-print-directory BUILD=build/tsan BIN=build/tsan/bin OPT=-O1 \
	    XCFLAGS="-fsanitize=thread" XLDFLAGS="-fsanitize=thread" build
	@# (a run of selected suites exits 1 as CUnit counts the inactive ones: the
	@# summary's Failed columns and the sanitizer's report decide instead)
	GFL_TEST_SUITES=ref_,paths,train,compare TSAN_OPTIONS="halt_on_error=1" \
	    build/tsan/gfl_tests > build/tsan/tests.log 2>&1 || true; cat build/tsan/tests.log; \
	    ! grep -q "ThreadSanitizer" build/tsan/tests.log && grep -q "^ *asserts" build/tsan/tests.log && \
	    awk '/^ +(tests|asserts) / { if ($$5 != 0) bad = 1 } END { exit bad }' build/tsan/tests.log

# Coverage: an -O0 --coverage build of its own (GFL_COVERAGE turns the
# GFL_TESTCASE boundary markers of core/gfl_testcase.h into branches), the
# suites and a smoke run of every command, the lcov report in coverage/html/
# and the gates (tools/coverage.sh; exclusions in coverage/EXCLUSIONS.md).
COV_BUILD = build/cov
COV_CFLAGS = -DGFL_COVERAGE --coverage
coverage: deps
	@$(MAKE) --no-print-directory coverage-run

coverage-run:
	@$(MAKE) --no-print-directory BUILD=$(COV_BUILD) BIN=$(COV_BUILD)/bin OPT=-O0 \
	    XCFLAGS="$(COV_CFLAGS)" XLDFLAGS="--coverage" build
	sh tools/coverage.sh $(COV_BUILD)

valgrind: deps
	@$(MAKE) --no-print-directory build
	GFL_TEST_EFFORT=0 valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
	    --quiet $(TESTS)

# The evaluation artifact in dist/: proofs report and figures, coverage, JUnit
# test results, environment manifest, checksums (tools/artifact.sh, docs/ARTIFACT.md).
artifact: deps
	@$(MAKE) --no-print-directory build
	sh tools/artifact.sh $(GFL) $(TESTS)

# Fuzzing (docs/fuzzing.md).  The CLI fuzz: randomized command lines checked
# against the CLI's contract; a bounded run is part of test-run, fuzz-long is
# the long one, fuzz-cli-asan runs it against the sanitizer build of
# test-asan.  GFL_FUZZ_SEED and GFL_FUZZ_N tune every run.
FUZZ_LONG_N ?= 5000
fuzz-long: deps
	@$(MAKE) --no-print-directory build
	GFL_FUZZ_N=$${GFL_FUZZ_N:-$(FUZZ_LONG_N)} /usr/bin/python3 tests/fuzz_cli.py $(GFL)

fuzz-cli-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin OPT=-O1 \
	    XCFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    XLDFLAGS="-fsanitize=address,undefined" build/asan/bin/gfl
	/usr/bin/python3 tests/fuzz_cli.py build/asan/bin/gfl

# Coverage-guided fuzzing of the input readers with libFuzzer (clang).  One
# line per target: $(eval $(call fuzz_target,NAME,SOURCES)) builds
# build/fuzz/fuzz_NAME from tests/fuzz/fuzz_NAME.c and SOURCES, and defines
# fuzz-NAME (FUZZ_TIME seconds, in CI) and fuzz-NAME-long (FUZZ_LONG_TIME).
# The seed corpus tests/fuzz/corpus_NAME/ is only read; what the fuzzer
# learns goes to build/fuzz/corpus_NAME/, crashes to build/fuzz/NAME-SEED-crash-*.
# FUZZ_LIBS_NAME: libraries a target links (the trajectory reader: jansson).
FUZZ_CC       ?= clang
FUZZ_TIME     ?= 60
FUZZ_LONG_TIME ?= 3600
FUZZ_CFLAGS    = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O1 -g -Wall -Wextra -Werror \
                 -Icore -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
define fuzz_target
.PHONY: fuzz-$(1) fuzz-$(1)-long
build/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz_common.h $(2) $(wildcard core/*.h)
	@mkdir -p build/fuzz/corpus_$(1)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) tests/fuzz/fuzz_$(1).c $(2) $$(FUZZ_LIBS_$(1)) -o $$@
fuzz-$(1): deps
	@$$(MAKE) --no-print-directory build/fuzz/fuzz_$(1)
	sh tools/fuzz.sh $(1) $$(FUZZ_TIME)
fuzz-$(1)-long: deps
	@$$(MAKE) --no-print-directory build/fuzz/fuzz_$(1)
	sh tools/fuzz.sh $(1) $$(FUZZ_LONG_TIME) fuzz-$(1)-long
endef
$(eval $(call fuzz_target,npy,core/gfl_npy.c core/gfl_io.c core/gfl_status.c))
FUZZ_LIBS_traj = -ljansson -lm
$(eval $(call fuzz_target,traj,core/gfl_traj.c core/gfl_npy.c core/gfl_io.c core/gfl_status.c core/gfl_config.c))
# the CSV reader of case data (docs/fuzzing.md)
FUZZ_LIBS_csv = -lcsv -lz -lm
$(eval $(call fuzz_target,csv,core/gfl_data_read.c core/gfl_config.c core/gfl_npy.c core/gfl_io.c core/gfl_status.c \
    core/gfl_limits.c))

# Mutation testing of the checker (tools/mutate.py, docs/mutation.md): every
# mutant of the certified comparisons and statistics, a deterministic sample of
# the rest; reports in build/mutation/.  Not part of make test.
MUTATE = nice -n 19 python3 tools/mutate.py --build $(BUILD)
mutation: build
	$(MUTATE) --all-of proofs_check/gfl_cert.c,proofs_check/gfl_stats.c --max 40 --jobs 2

mutation-full: build
	$(MUTATE) --jobs 2 --out build/mutation-full

clean:
	rm -rf build bin proofs dist coverage/html coverage/*.info

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)

# Sweeps (docs/sweeps.md).  make sweep: the default scaling plan (fast path,
# every case, 3 widths x 3 batch sizes x 3 T x 5 seeds) on the local backend,
# merged, with the scaling report in sweeps/scaling/report.md.
# make test-slurm: a real one-node Slurm cluster (root; SKIPPED otherwise)
# runs a sweep through the slurm backend (tests/slurm_test.sh).
sweep: deps
	@$(MAKE) --no-print-directory build
	sh tools/sweep.sh $(GFL)

test-slurm: deps
	@$(MAKE) --no-print-directory build
	sh tests/slurm_test.sh $(GFL)
