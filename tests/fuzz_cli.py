#!/usr/bin/python3
"""Randomized command lines against the gfl binary: crash-and-garbage checks.

Each invocation is generated from (seed, index) alone, runs in its own empty
temporary directory (inv/w is the working directory; paths like '../x' land in
inv/, which is watched too) under a timeout and resource limits, and must obey
the CLI's contract (docs/fuzzing.md):

  - the exit code is 0, 1, 2 or 3, never a signal, never a timeout, and no
    sanitizer report appears on stderr;
  - exit 2 prints exactly one non-empty line on stderr and leaves the
    directory exactly as it was (no file created, changed or removed);
  - exit 0 prints no nan/inf where a number is expected (every stdout line but
    the 'reproduce:' echo of argv);
  - every JSON file written or changed, and the output of 'gfl version',
    parses as strict JSON (NaN and Infinity are not JSON).

Usage: fuzz_cli.py [path/to/gfl]   (default bin/gfl)
  GFL_FUZZ_SEED     seed of the run (default: a fresh one, printed)
  GFL_FUZZ_N        number of invocations (default 250)
  GFL_FUZZ_ONLY     run only these invocation indices (comma-separated)
  GFL_FUZZ_TIMEOUT  seconds per invocation (default 60; sanitizer builds x3)
  GFL_FUZZ_MEM_MB   address-space limit per invocation (default 2048)
  GFL_FUZZ_VERBOSE  1: print every invocation
Standard library only.  Prints 'fuzz: N passed, M failed' and exits 1 on any
failure, 2 on bad usage.
"""
import hashlib
import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time

CASES = ["mog", "xor", "parity", "parity_uniform", "linear", "multiindex", "slabs"]
COMMANDS = ["train", "features", "compare", "check", "bench"]

# Option tables (cli/*.c and core/gfl_config.c).  Only what a generated
# command line needs: names, and values that are valid and cheap.
SIZE_OPTS = {"d": (2, 8), "m": (1, 8), "n": (1, 32), "n-test": (1, 48), "T": (1, 6), "eval-every": (1, 4)}
DOUBLE_OPTS = {"eta1": ["1", "0.5", "2"], "lam1": ["default", "0", "0.5"], "eta": ["0.1", "0.05", "1"],
               "lam": ["1e-4", "0"], "sigma-a": ["1", "4", "0.5"], "sigma-w": ["1", "2"],
               "sigma-b": ["1", "0.3"], "btilde": ["0.5", "0.1"]}
CASE_OPTS = {"r": ["2", "4"], "mu": ["1", "2"], "noise": ["0.1", "0.3"], "k": ["1", "3"],
             "margin": ["0.1", "0"], "subset": None, "rotate": None,
             "p-struct": ["0.5", "0.1", "1"]}
ENUM_OPTS = {"loss": ["hinge", "logistic"], "bias-mode": ["const", "sign", "gauss"]}
FLAGS = ["fixed-batch", "freeze-w", "random-features"]
CMD_NUM_OPTS = {
    "features": {"gamma": ["0.1", "0.3"], "bg": ["0.01", "0.001"], "p": ["0.01", "0.1"],
                 "level": ["0.95", "0.9", "0.99"], "n-init": ["20", "100"], "n-mc": ["200", "1000"]},
    "check": {"seeds": ["1", "2"], "delta": ["0.1", "0.2"], "delta0": ["0.1"], "level": ["0.95", "0.99"],
              "c-n": ["1", "0.5"], "eps": ["0", "0.1"], "n-pop": ["100", "300"]},
    "train": {}, "compare": {}, "bench": {"dgemm": ["0", "16", "40"]}}
# check --sweep DIR: the options that go with it (cli/cmd_check.c; never slurm here)
SWEEP_OPTS = {"check": {"jobs": ["1", "2"], "backend": ["local", "parallel"]}}
FILE_OPT = {"train": "json", "features": "json", "compare": "json", "check": "json", "bench": "json"}
DIR_OPTS = {"train": ["dump"], "features": ["plot"], "compare": ["plot"], "check": ["report", "sweep"], "verify": ["plot", "traj"],
            "bench": []}
PATHS = {"train": ["fast", "ref"], "features": ["fast", "ref"], "check": ["fast", "ref", "both"], "compare": [],
         "bench": ["fast", "ref"]}

BAD_NUMBERS = ["", " ", " 1", "1 ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999",
               "1e-400", "0x10", "0x1p3", "1e", "e5", "--", "-", "+", ".", "1,5", "1.5", "0", "-0", "-1",
               "2147483648", "-2147483649", "9223372036854775808", "18446744073709551616", "abc", "1abc",
               "1\n", "\n1", "1\t", "\u0661", "0b1", "1_000", "+1", "00", "1e308", "-1e308"]
# Values that either fail validation or need more memory than the limit:
# a valid but merely slow size is not a defect, so none is generated.
HUGE = {"d": ["1000000000", "2147483647", "2147483648", "4294967296"],
        "m": ["1000000000", "2147483646", "2147483647", "-2"],
        "n": ["1000000000", "2147483647", "2147483648"],
        "n-test": ["1000000000", "2147483647"],
        "T": ["100000000", "1000000000", "2147483647", "2147483648"],
        "eval-every": ["2147483647", "2147483648", "0"],
        "prec": ["15", "65537", "9223372036854775807", "9223372036854775808", "-128"],
        "seed": ["18446744073709551615", "18446744073709551616", "0", "-1"],
        "n-init": ["100000001", "2147483648"], "n-mc": ["100000001", "2147483648"],
        "n-pop": ["10000001", "2147483648"], "seeds": ["10000001", "2147483648", "0"],
        "jobs": ["0", "100001", "2147483648", "-1"],
        "r": ["1000000000", "0"], "k": ["1000000001", "2147483647", "0"],
        "dgemm": ["4097", "15", "-1", "2147483648"]}
NONFINITE = ["nan", "inf", "-inf", "NAN", "INF", "infinity", "-Infinity", "nan(0x1)", "1e400"]
ABBREVIATIONS = [("preset", "pres"), ("preset", "pre"), ("case", "cas"), ("case", "ca"), ("json", "js"),
                 ("dump", "du"), ("seed", "se"), ("path", "pa"), ("report", "rep"), ("plot", "pl"),
                 ("n-test", "n-t"), ("eval-every", "eval"), ("sigma-a", "sigma-"), ("level", "lev"),
                 ("fixed-batch", "fixed"), ("bias-mode", "bias"), ("T", "T")]
UNKNOWN = ["--frobnicate", "-x", "--T=", "--=3", "---T", "-", "--", "--json=", "--case=", "-T", "--no-such=1",
           "--help=1", "--fixed-batch=1", "--all=1", "extra", "--Case", "--CASE", "--d=-", "-h", "--help",
           "\n", "--\n", "--case\n", "--T\n"]
NEWLINE_VALUES = ["xor\n", "\nxor", "3\n", "small\n", "a\nb.json", "fast\n", "hinge\nx", "x\ny\n"]

ASAN_ENV = {"ASAN_OPTIONS": "exitcode=86:allocator_may_return_null=1:max_allocation_size_mb={mem}:"
                            "detect_leaks=1:abort_on_error=0:symbolize=1",
            "UBSAN_OPTIONS": "exitcode=87:halt_on_error=1:print_stacktrace=1",
            "LSAN_OPTIONS": "exitcode=88"}
SANITIZER_MARKS = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: UndefinedBehavior",
                   "AddressSanitizer:DEADLYSIGNAL"]
NONFINITE_RE = re.compile(r"(?<![\w.])[-+]?(nan|inf|infinity)(?![\w])", re.IGNORECASE)


class Inv:
    """One generated invocation: argv after the program name, and files to create first."""

    def __init__(self):
        self.args = []
        self.setup = []  # (relative path under inv/w, kind)
        self.tags = []   # what the generator did, for the failure class


def odd_path(rng, inv, kind):
    """A path for an output option: ordinary, or one of the odd forms."""
    ext = ".json" if kind == "file" else ""
    base = "out" + ext
    if rng.random() < 0.5:
        return base
    forms = [
        (base + "/", None), ("-" + base, None), ("-", None), ("--", None), ("'q'" + ext, None),
        ('"q"' + ext, None), ("a b" + ext, None), ("no/such/dir/" + base, None), ("", None), (".", None),
        ("./", None), ("..", None), ("../up" + ext, None), ("x" * 300 + ext, None), ("a\nb" + ext, None),
        ("\u00e9" + ext, None), ("a\\b" + ext, None), ("*" + ext, None), ("~/x" + ext, None),
        ("exists.json", "file"), ("exists.json/", "file"), ("exists.json/x" + ext, "file"),
        ("emptydir", "dir"), ("emptydir/", "dir"), ("fulldir", "fulldir"), ("fulldir/" + base, "fulldir"),
        ("rodir/" + base, "rodir"), ("rodir", "rodir"), ("link" + ext, "danglinglink"),
    ]
    p, setup = rng.choice(forms)
    if setup:
        inv.setup.append((p.split("/")[0], setup))
    if p != base:
        inv.tags.append("odd path %r" % p)
    return p


def path_and_command_options(rng, a, cmd, paths):
    """--path (one of paths) and the command's own numeric options."""
    if paths:
        a += ["--path", rng.choice(paths)]
    for o, vals in CMD_NUM_OPTS[cmd].items():
        if rng.random() < 0.5 or o in ("n-init", "n-mc", "n-pop"):
            a += ["--" + o, rng.choice(vals)]


def base_invocation(rng, cmd, inv):
    a = [cmd]
    # check's Monte Carlo oracles (linear, multiindex) cost seconds whatever
    # the sizes: rarer there, so that a bounded run stays short.
    slow = cmd == "check"
    all_cases = rng.random() < (0.01 if slow else 0.12)
    case = rng.choices(CASES, weights=[6, 6, 6, 6, 1, 1, 1] if slow else [1] * len(CASES))[0]
    a += ["--all"] if all_cases else ["--case", case]
    if rng.random() < 0.9:
        a += ["--preset", "small"]
    # Explicit small sizes, so that no preset or duplicate can make a run slow.
    for o, (lo, hi) in SIZE_OPTS.items():
        v = rng.randint(lo, hi)
        if o == "m":
            v *= 2
        if o == "d" and (all_cases or case == "mog"):
            v = max(v, 4)  # mog's default r = 4 needs d >= 4
        if o == "d" and case in ("parity", "parity_uniform"):
            v = max(v, 3)  # the default k = 3 needs d >= 3
        a += ["--" + o, str(v)]
    path_and_command_options(rng, a, cmd, PATHS[cmd])
    for _ in range(rng.randint(0, 3)):
        kind = rng.random()
        if kind < 0.5:
            o = rng.choice(list(DOUBLE_OPTS))
            a += ["--" + o, rng.choice(DOUBLE_OPTS[o])]
        elif kind < 0.7:
            o = rng.choice(list(ENUM_OPTS))
            a += ["--" + o, rng.choice(ENUM_OPTS[o])]
        elif kind < 0.85:
            a += ["--" + rng.choice(FLAGS)]
        else:
            o = rng.choice(list(CASE_OPTS))
            a += ["--" + o] + ([rng.choice(CASE_OPTS[o])] if CASE_OPTS[o] else [])
    if rng.random() < 0.5:
        a += ["--seed", str(rng.randint(0, 1000))]
    if rng.random() < 0.4:
        a += ["--" + FILE_OPT[cmd], odd_path(rng, inv, "file")]
    if rng.random() < 0.35 and DIR_OPTS[cmd]:
        o = rng.choice(DIR_OPTS[cmd])
        if not (o == "dump" and all_cases):
            a += ["--" + o, odd_path(rng, inv, "dir")]
        if o == "sweep":
            for so, vals in SWEEP_OPTS[cmd].items():
                if rng.random() < 0.5:
                    a += ["--" + so, rng.choice(vals)]
    inv.args = a


def phenomena_invocation(rng, inv):
    """gfl phenomena: a cheap valid run (feature-matrix --quick, seconds) with odd
    output paths, or a command line that is bad usage or --help (never a slow run)."""
    a = ["phenomena"]
    if rng.random() < 0.3:
        a += ["feature-matrix", "--quick"]
        if rng.random() < 0.5:
            a += ["--json", odd_path(rng, inv, "file")]
        if rng.random() < 0.5:
            a += ["--report", odd_path(rng, inv, "dir")]
    else:
        a += [rng.choice(["beyond-kernel", "lottery-ticket", "nosuch", "", "--all"]),
              rng.choice(UNKNOWN + ["--json", "--report", "--all", "x", "feature-matrix"])]
        if rng.random() < 0.3:
            a.insert(1, "--quick")  # never as the value of --json or --report
    return a


# Case data (SPEC 11): the repository's fixtures by absolute path (the working
# directory must stay untouched), data options with valid and invalid values.
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
DATA_OPTS = {"header": ["names", "none", "skip", "Names", ""], "label": ["", "label", "5", "1", "0", "x", "6"],
             "positive": ["1", "0", "2", "0,1", ",", "1,"], "classes": ["0,1", "1", "0,1,2", "a", ""],
             "test-frac": ["0.2", "0.3", "0", "1", "0.9"], "feature-frac": ["0.2", "0.1", "-0.1"],
             "val-frac": ["0", "0.1", "0.5"], "eval-part": ["test", "validation", "val"],
             "clusters": ["1", "4", "0", "65"]}


def data_invocation(rng, cmd, inv):
    a = [cmd, "--case", "data"]
    pick = rng.random()
    if pick < 0.5:
        a += ["--data", os.path.join(FIXTURES, "tiny.csv")]
    elif pick < 0.7:
        a += ["--data", os.path.join(FIXTURES, "tiny.csv.gz")]
    elif pick < 0.9:
        a += ["--data", os.path.join(FIXTURES, "tiny_X.npy")]
        if rng.random() < 0.9:
            a += ["--labels", os.path.join(FIXTURES, rng.choice(["tiny_Y.npy", "tiny_X.npy", "none.npy"]))]
    else:
        a += ["--data", rng.choice(["missing.csv", "", "/", os.path.join(FIXTURES, "tiny_Y.npy")])]
    if rng.random() < 0.9:
        a += ["--preset", "small"]
    a += ["--m", str(2 * rng.randint(1, 8)), "--T", str(rng.randint(1, 6)), "--n", str(rng.randint(0, 40))]
    path_and_command_options(rng, a, cmd, [p for p in PATHS[cmd] if p != "both"])
    for _ in range(rng.randint(0, 3)):
        o = rng.choice(list(DATA_OPTS))
        a += ["--" + o, rng.choice(DATA_OPTS[o])]
    for f in ("drop-constant", "no-standardize"):
        if rng.random() < 0.2:
            a.append("--" + f)
    if rng.random() < 0.5:
        a += ["--seed", str(rng.randint(0, 1000))]
    if rng.random() < 0.3:
        a += ["--" + FILE_OPT[cmd], odd_path(rng, inv, "file")]
    inv.args = a


def numeric_options(cmd):
    return list(SIZE_OPTS) + list(DOUBLE_OPTS) + ["prec", "seed", "mu", "noise", "margin", "r", "k"] + \
        list(CMD_NUM_OPTS.get(cmd, {})) + [k for k in SWEEP_OPTS.get(cmd, {}) if k == "jobs"]


def set_option(rng, a, name, value):
    """Sets --name: replace its value in place, or append it (sometimes as --name=value)."""
    key = "--" + name
    if key in a[1:] and rng.random() < 0.6:
        i = a.index(key, 1)
        if i + 1 < len(a):
            a[i + 1] = value
            return
    if rng.random() < 0.3:
        a.append(key + "=" + value)
    else:
        a += [key, value]


def mutate(rng, inv):
    a = inv.args
    cmd = a[0]
    m = rng.choice(["bad_number", "huge", "nonfinite", "abbrev", "duplicate", "missing", "newline", "unknown",
                    "positional", "reorder", "bad_enum", "drop"])
    inv.tags.append(m)
    if m == "bad_number":
        set_option(rng, a, rng.choice(numeric_options(cmd)), rng.choice(BAD_NUMBERS))
    elif m == "huge":
        o = rng.choice([k for k in HUGE if k in numeric_options(cmd)])
        set_option(rng, a, o, rng.choice(HUGE[o]))
    elif m == "nonfinite":
        dbl = list(DOUBLE_OPTS) + ["mu", "noise", "margin"] + \
            [k for k in CMD_NUM_OPTS.get(cmd, {}) if k not in ("n-init", "n-mc", "n-pop", "seeds")]
        set_option(rng, a, rng.choice(dbl), rng.choice(NONFINITE))
    elif m == "abbrev":
        full, short = rng.choice(ABBREVIATIONS)
        key = "--" + full
        if key in a[1:]:
            a[a.index(key, 1)] = "--" + short
        else:
            vals = {"preset": "small", "case": rng.choice(CASES), "json": "abbr.json", "dump": "abbrdump",
                    "seed": "7", "path": "fast", "report": "abbrrep", "plot": "abbrplot", "n-test": "8",
                    "eval-every": "2", "sigma-a": "2", "level": "0.9", "bias-mode": "sign", "T": "3"}
            a += ["--" + short] + ([vals[full]] if full in vals else [])
    elif m == "duplicate":
        opts = [i for i in range(1, len(a)) if a[i].startswith("--") and "=" not in a[i]]
        if opts:
            i = rng.choice(opts)
            dup = a[i:i + 2] if i + 1 < len(a) and not a[i + 1].startswith("--") else a[i:i + 1]
            if len(dup) == 2 and dup[0] in ("--case", "--preset", "--path") and rng.random() < 0.5:
                dup = [dup[0], {"--case": rng.choice(CASES), "--preset": "default",
                                "--path": rng.choice(["fast", "ref"])}[dup[0]]]
            a += dup
    elif m == "missing":
        opts = [o for o in numeric_options(cmd) + ["case", "preset", "json", "path"] + DIR_OPTS.get(cmd, [])]
        o = rng.choice(opts)
        if rng.random() < 0.5:
            a.append("--" + o)
        else:
            i = rng.randint(1, len(a))
            a.insert(i, "--" + o)
    elif m == "newline":
        o = rng.choice(["case", "preset", "T", "seed", "json", "path", "loss", "eta"] + DIR_OPTS.get(cmd, []))
        set_option(rng, a, o, rng.choice(NEWLINE_VALUES))
    elif m == "unknown":
        a.insert(rng.randint(1, len(a)), rng.choice(UNKNOWN))
    elif m == "positional":
        a.insert(rng.randint(1, len(a)), rng.choice(["xor", "out.json", "3", "--", "small"]))
    elif m == "reorder":
        rest = a[1:]
        pairs, i = [], 0
        while i < len(rest):
            if i + 1 < len(rest) and not rest[i + 1].startswith("--"):
                pairs.append(rest[i:i + 2])
                i += 2
            else:
                pairs.append(rest[i:i + 1])
                i += 1
        rng.shuffle(pairs)
        a[1:] = [x for p in pairs for x in p]
    elif m == "bad_enum":
        o = rng.choice(["case", "preset", "loss", "bias-mode", "path", "lam1"] + [k for k in SWEEP_OPTS.get(cmd, {})
                                                                                  if k == "backend"])
        set_option(rng, a, o, rng.choice(["", "XOR", "x", "smal", "small ", "both", "ref,fast", "-1", "hinge2",
                                          "default", "none", "parity-uniform"]))
    elif m == "drop":
        if len(a) > 1:
            del a[rng.randint(1, len(a) - 1)]


def generate(seed, index):
    """The invocation of this index, from (seed, index) alone."""
    rng = random.Random("gfl-fuzz/%s/%d" % (seed, index))
    inv = Inv()
    u = rng.random()
    if u < 0.04:
        inv.args = ["cases"] + rng.choice([[], [], ["--help"], ["xor"], ["--case", "xor"]])
    elif u < 0.06:
        inv.args = ["version"] + rng.choice([[], ["--json"]])
    elif u < 0.10:
        inv.args = phenomena_invocation(rng, inv)
    elif u < 0.12:
        inv.args = rng.choice([[], ["help"], ["--help"], ["-h"], ["--version"], ["frobnicate"], [""], ["train\n"],
                               ["TRAIN"], ["tra"], ["-"], ["--"]])
    elif u < 0.16:
        verify_invocation(rng, inv)
        for _ in range(rng.choices([0, 1, 2], weights=[60, 30, 10])[0]):
            mutate(rng, inv)
    else:
        cmd = rng.choices(COMMANDS, weights=[36, 24, 20, 20, 8])[0]
        if cmd != "bench" and rng.random() < 0.12:
            data_invocation(rng, cmd, inv)
        else:
            base_invocation(rng, cmd, inv)
        for _ in range(rng.choices([0, 1, 2, 3], weights=[40, 35, 17, 8])[0]):
            mutate(rng, inv)
    return inv


# ---- running and checking ----------------------------------------------------

def npy_bytes(descr, shape, values):
    """A .npy file (format 1.0) by hand: the standard library has no numpy."""
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % k for k in shape).rstrip(" ") if len(shape) != 1 else "%d," % shape[0])
    pad = (64 - (10 + len(hdr) + 1) % 64) % 64
    hdr = hdr + " " * pad + "\n"
    fmt = {"<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i"}[descr]
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + \
        struct.pack("<%d%s" % (len(values), fmt), *values)


# A tiny dump (d = 2, m = 2, n = 2, T = 2) and its outside trajectory for
# gfl verify, with one of these defects (or none).
VERIFY_VARIANTS = ["ok", "ok", "ok", "float32", "trunc_a", "bad_meta", "no_steps", "steps_desc", "f4_declared64",
                   "nan_W", "bad_trace", "shape_W", "empty_meta", "loss_len", "y_not_pm1", "steps_big", "no_trace"]


def make_verify_dump(p, variant):
    cfg = {"case": "xor", "preset": "small", "d": 2, "m": 2, "n": 2, "T": 2, "prec": 128, "eta1": 1.0, "lam1": 1.0,
           "eta": 0.1, "lam": 0.0001, "lam1_default": True, "fixed_batch": False, "freeze_w": False,
           "random_features": False, "loss": "hinge"}
    if variant == "bad_trace":
        cfg["m"] = 3
    files = {"X.npy": npy_bytes("<f8", (2, 2, 2), [1.0, 0.5, -0.5, 1.0, 0.25, -1.0, 2.0, 0.0]),
             "Y.npy": npy_bytes("<f8", (2, 2), [1.0, -1.0, -1.0, 0.5 if variant == "y_not_pm1" else 1.0]),
             "a0.npy": npy_bytes("<f8", (2,), [0.5, -0.5]), "W0.npy": npy_bytes("<f8", (2, 2), [1.0, 0.5, 1.0, 0.5]),
             "b.npy": npy_bytes("<f8", (2,), [0.1, 0.1])}
    if variant != "no_trace":
        files["trace.json"] = json.dumps({"config": cfg}).encode()
    fl = "<f4" if variant in ("float32", "f4_declared64") else "<f8"
    steps = [0, 2, 1] if variant == "steps_desc" else [0, 1, 7] if variant == "steps_big" else [0, 1, 2]
    out = {"meta.json": b"" if variant == "empty_meta" else json.dumps(
               {"dtype": "float32" if variant == "float32" else "float64",
                "writer": 7 if variant == "bad_meta" else "fuzz"}).encode(),
           "a.npy": npy_bytes(fl, (3, 2), [0.5, -0.5, 0.25, -0.25, 0.125, -0.125]),
           "W.npy": npy_bytes(fl, (3, 2, 3 if variant == "shape_W" else 2),
                              [1.0, float("nan") if variant == "nan_W" else 0.5] * (9 if variant == "shape_W" else 6)),
           "loss.npy": npy_bytes(fl, (4 if variant == "loss_len" else 3,), [0.0, 1.0, 0.5, 0.25][:4 if variant == "loss_len" else 3])}
    if variant != "no_steps":
        out["steps.npy"] = npy_bytes("<i8", (3,), steps)
    if variant == "trunc_a":
        out["a.npy"] = out["a.npy"][:-5]
    os.makedirs(os.path.join(p, "outside"))
    for name, data in files.items():
        with open(os.path.join(p, name), "wb") as f:
            f.write(data)
    for name, data in out.items():
        with open(os.path.join(p, "outside", name), "wb") as f:
            f.write(data)


def verify_invocation(rng, inv):
    variant = rng.choice(VERIFY_VARIANTS)
    inv.setup.append(("vd", "verify:" + variant))
    inv.tags.append("dump " + variant)
    a = ["verify", "vd"]
    if rng.random() < 0.3:
        a += ["--traj", rng.choice(["vd/outside", "vd", "no/such", "vd/outside/", ""])]
    if rng.random() < 0.4:
        a += ["--json", odd_path(rng, inv, "file")]
    if rng.random() < 0.3:
        a += ["--plot", odd_path(rng, inv, "dir")]
    if rng.random() < 0.1:
        a.append("--help")
    inv.args = a


def make_setup(w, setup):
    for name, kind in setup:
        p = os.path.join(w, name)
        if os.path.lexists(p):
            continue
        if kind.startswith("verify:"):
            make_verify_dump(p, kind.split(":", 1)[1])
            continue
        if kind == "file":
            with open(p, "w") as f:
                f.write('{"existing": true}\n')
        elif kind == "dir":
            os.mkdir(p)
        elif kind == "fulldir":
            os.mkdir(p)
            with open(os.path.join(p, "keep.txt"), "w") as f:
                f.write("keep\n")
        elif kind == "rodir":
            os.mkdir(p)
            os.chmod(p, 0o555)
        elif kind == "danglinglink":
            os.symlink("no/such/target", p)


def snapshot(root):
    """Every entry under root: type, mode and content hash (the directory 'as it was')."""
    snap = {}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    h = hashlib.sha256(f.read()).hexdigest()
                snap[rel] = ("file", st.st_mode, h)
            elif stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", os.readlink(p))
            else:
                snap[rel] = ("dir" if stat.S_ISDIR(st.st_mode) else "other", st.st_mode)
    return snap


def limits(mem_mb, cpu_s, sanitized):
    def apply():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # A run must report a full disk or an oversized file as an error, not die of SIGXFSZ.
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
        # AddressSanitizer reserves terabytes of address space: its own
        # allocation limit (ASAN_ENV) stands in for RLIMIT_AS there.
        if not sanitized:
            resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    return apply


def strict_json(text):
    def reject(tok):
        raise ValueError("non-JSON constant %s" % tok)
    json.loads(text, parse_constant=reject)


def check(inv, rc, out, err, before, after, timed_out):
    """Returns a list of (class, detail) for every rule the run broke."""
    bad = []
    cmd = inv.args[0] if inv.args and inv.args[0].isprintable() else repr(inv.args[0]) if inv.args else "(none)"
    for mark in SANITIZER_MARKS:
        if mark in err:
            # the report's first line and its first frame in the project's code
            line = next((l for l in err.splitlines() if mark in l), mark)
            frame = next((l for l in err.splitlines() if re.search(r" in gfl_\w+ |/(cli|core|ref|fast|proofs_check)/", l)),
                         "")
            bad.append(("%s: sanitizer report (%s)" % (cmd, mark), (line.strip() + " | " + frame.strip())[:300]))
            return bad  # its exit code and output are the sanitizer's
    if timed_out:
        bad.append(("%s: timeout" % cmd, "no exit within the time limit"))
        return bad
    if rc < 0:
        bad.append(("%s: killed by signal %s" % (cmd, signal.Signals(-rc).name), err.strip()[-300:]))
        return bad
    if rc not in (0, 1, 2, 3):
        bad.append(("%s: exit code %d" % (cmd, rc), err.strip()[-300:]))
        return bad
    if rc == 2:
        if err.count("\n") != 1 or not err.endswith("\n") or not err.strip():
            # a hint at the cause, so that the classes of the summary separate defects
            hint = ("a value holds a newline" if any("\n" in x for x in inv.args)
                    else "lines not from gfl" if any(not l.startswith("gfl:") for l in err.splitlines())
                    else "no message" if not err.strip() else "several messages")
            bad.append(("%s: exit 2 without exactly one line on stderr (%s)" % (cmd, hint), repr(err[:300])))
        if before != after:
            changed = sorted(set(before) ^ set(after)) + [k for k in before if k in after and before[k] != after[k]]
            files = any(after.get(k, ("",))[0] != "dir" for k in changed)
            bad.append(("%s: exit 2 changed the directory (%s)" % (cmd, "files" if files else "empty directory"),
                        ", ".join(repr(c) for c in changed[:5])))
    if rc == 0:
        for line in out.splitlines():
            if line.startswith("reproduce:"):
                continue
            mo = NONFINITE_RE.search(line)
            if mo:
                bad.append(("%s: exit 0 with non-finite figure '%s'" % (cmd, mo.group(0)), line.strip()[:200]))
                break
        if cmd in ("version", "--version"):
            try:
                strict_json(out)
            except ValueError as e:
                bad.append(("version: stdout is not JSON", str(e)[:200]))
    for rel, entry in after.items():
        if entry[0] == "file" and rel.endswith(".json") and before.get(rel) != entry:
            try:
                with open(os.path.join(inv.root, rel), "rb") as f:
                    strict_json(f.read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                bad.append(("%s: written JSON does not parse" % cmd, "%s: %s" % (rel, str(e)[:150])))
    return bad


def chmod_writable(root):
    for d, dirs, _ in os.walk(root):
        for name in dirs:
            p = os.path.join(d, name)
            if not os.path.islink(p):
                os.chmod(p, 0o755)


def run_one(gfl, inv, tmp, index, timeout, mem_mb, sanitized, env):
    root = os.path.join(tmp, "inv%d" % index)
    w = os.path.join(root, "w")
    os.makedirs(w)
    inv.root = root
    make_setup(w, inv.setup)
    before = snapshot(root)
    timed_out = False
    p = subprocess.Popen([gfl] + inv.args, cwd=w, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, preexec_fn=limits(mem_mb, int(timeout) + 1, sanitized))
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)  # the run and any gnuplot it started
        out, err = p.communicate()
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    after = snapshot(root)
    bad = check(inv, p.returncode, out, err, before, after, timed_out)
    chmod_writable(root)  # so that rodir/ can be removed
    shutil.rmtree(root, ignore_errors=True)
    return p.returncode, bad, err


def quote(x):
    """Shell quoting that keeps the line one line: $'...' (bash) for control characters."""
    if x.isprintable():
        return shlex.quote(x)
    return "$'" + "".join(c if c.isprintable() and c not in "'\\" else "\\x%02x" % ord(c) if ord(c) < 256
                          else c for c in x) + "'"


def shell_line(gfl, inv):
    setup = []
    for name, kind in inv.setup:
        q = shlex.quote(name)
        setup.append({"file": "echo '{\"existing\": true}' > %s" % q, "dir": "mkdir %s" % q,
                      "fulldir": "mkdir %s && echo keep > %s/keep.txt" % (q, q),
                      "rodir": "mkdir -m 555 %s" % q, "danglinglink": "ln -s no/such/target %s" % q}[kind])
    prefix = "cd \"$(mktemp -d)\" && mkdir w && cd w && " + "".join(s + " && " for s in setup)
    return prefix + " ".join(quote(x) for x in [os.path.abspath(gfl)] + inv.args)


def main():
    gfl = sys.argv[1] if len(sys.argv) > 1 else "bin/gfl"
    exe = os.path.abspath(gfl)  # the runs have their own working directories
    if not os.access(gfl, os.X_OK):
        print("fuzz_cli: '%s' is not an executable (build it first)" % gfl, file=sys.stderr)
        return 2
    try:
        seed = int(os.environ.get("GFL_FUZZ_SEED") or int.from_bytes(os.urandom(4), "little"))
        n = int(os.environ.get("GFL_FUZZ_N", "250"))
        only = [int(x) for x in os.environ.get("GFL_FUZZ_ONLY", "").split(",") if x.strip()]
        timeout = float(os.environ.get("GFL_FUZZ_TIMEOUT", "0")) or None
        mem_mb = int(os.environ.get("GFL_FUZZ_MEM_MB", "2048"))
    except ValueError as e:
        print("fuzz_cli: bad GFL_FUZZ_* value: %s" % e, file=sys.stderr)
        return 2
    verbose = os.environ.get("GFL_FUZZ_VERBOSE") == "1"
    with open(gfl, "rb") as f:
        sanitized = b"__asan_init" in f.read()
    if timeout is None:
        timeout = 180.0 if sanitized else 60.0
    env = dict(os.environ)
    # One BLAS thread: the runs are tiny and the machine is shared.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    if sanitized:
        for k, v in ASAN_ENV.items():
            env[k] = v.format(mem=mem_mb) + (":" + env[k] if env.get(k) else "")
    script = os.path.relpath(sys.argv[0])
    rerun = "GFL_FUZZ_SEED=%d %s=%s %s %s" % (seed, "GFL_FUZZ_ONLY" if only else "GFL_FUZZ_N",
                                               ",".join(map(str, only)) if only else n, script, gfl)
    print("fuzz: seed %d, %d invocations of %s%s (reproduce: %s)" %
          (seed, len(only) or n, gfl, " (sanitizer build)" if sanitized else "", rerun), flush=True)
    indices = only or range(n)
    passed = failed = 0
    classes = {}
    codes = {}
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="gfl_fuzz.") as tmp:
        for i in indices:
            inv = generate(seed, i)
            t1 = time.time()
            rc, bad, err = run_one(exe, inv, tmp, i, timeout, mem_mb, sanitized, env)
            codes[rc] = codes.get(rc, 0) + 1
            if verbose:
                print("#%d rc=%s %.2fs %s" % (i, rc, time.time() - t1, " ".join(quote(x) for x in inv.args)), flush=True)
            if not bad:
                passed += 1
                continue
            failed += 1
            for cls, detail in bad:
                print("FAIL #%d [%s] %s" % (i, cls, detail))
                classes.setdefault(cls, []).append(i)
            if inv.tags:
                print("  generated with: %s" % "; ".join(inv.tags))
            print("  invocation: %s" % shell_line(gfl, inv))
            print("  rerun: GFL_FUZZ_SEED=%d GFL_FUZZ_ONLY=%d %s %s" % (seed, i, script, gfl), flush=True)
    print("fuzz: exit codes %s; %.1f s" % (", ".join("%s: %d" % kv for kv in sorted(codes.items())),
                                            time.time() - t0))
    if classes:
        print("fuzz: %d failure classes (first invocation of each):" % len(classes))
        for cls, idx in sorted(classes.items(), key=lambda kv: -len(kv[1])):
            print("  %4d x %s  (GFL_FUZZ_SEED=%d GFL_FUZZ_ONLY=%d)" % (len(idx), cls, seed, idx[0]))
        print("fuzz: seed %d (reproduce: %s)" % (seed, rerun))
    print("fuzz: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
