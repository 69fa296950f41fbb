#!/usr/bin/env python3
"""Mutation testing of the checker (proofs_check/*.c); docs/mutation.md.

Generates systematic, deterministic mutants of C sources, builds each one in a
scratch copy of the tree (the working tree is never modified), runs the test
suites that reach the mutated module and records whether the tests notice:

  killed        a suite failed (or the test binary crashed)
  timeout       the suites did not finish in time (counted apart, as killed)
  survived      every suite passed: no test distinguishes the mutant
  compile-error the mutant does not build (left out of the score)

Score = (killed + timeout) / (killed + timeout + survived).

  python3 tools/mutate.py --list                    every mutant with file:line and change
  python3 tools/mutate.py --max 80 --jobs 2         a deterministic sample
  python3 tools/mutate.py --only cert.12,stats.3    chosen mutants
  python3 tools/mutate.py --rerun build/mutation/mutation.json   its survivors again

Python 3 standard library only.
"""
import argparse
import concurrent.futures
import datetime
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OPERATORS = {
    "ROR": "relational boundary: < <=, > >=, == !=",
    "SWAP": "swapped sides of a comparison: a < b -> b < a (written a > b)",
    "LOR": "logical connector: && ||",
    "NEG": "negated condition of if / while",
    "DROP": "dropped additive term: a + b -> a, a - b -> a",
    "CONST": "altered constant: 0 -> 1, 1 -> 2, 2 -> 1, n -> n+1; decimal x -> 0.8 x; 0x1p-k -> 0x1p-(k+1)",
    "LOOP": "loop bound off by one: i < n -> i < n + 1 (for conditions)",
    "RND": "rounding direction: +1 <-> -1 last argument of gfl_cert_sum/add/mul; MPFR_RNDU <-> MPFR_RNDD",
    "DEL": "deleted statement x += ...; (also -=, *=, /=)",
}

# ---------------------------------------------------------------- scanning


def mask_source(text):
    """Comments, string and character literals and preprocessor lines replaced
    by spaces (newlines kept), so that offsets match the original text."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":
            j = i
            while j < n:
                if text[j] == "\n" and text[j - 1] != "\\":
                    break
                j += 1
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c not in " \t":
            line_start = False
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
        else:
            i += 1
            continue
        for k in range(i, min(j, n)):
            if out[k] != "\n":
                out[k] = " "
        i = j
    return "".join(out)


TOKEN_RE = re.compile(r"""
    (?P<num>0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*(?:[pP][+-]?\d+)?[uUlLfF]*
           |(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[uUlLfF]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<op><<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||\+=|-=|\*=|/=|%=|&=|\|=|\^=|[-+*/%<>=!&|^~?:;,.(){}\[\]])
""", re.X)


class Tok:
    __slots__ = ("s", "e", "t", "kind")

    def __init__(self, s, e, t, kind):
        self.s, self.e, self.t, self.kind = s, e, t, kind

    def __repr__(self):
        return "Tok(%r)" % self.t


def tokenize(masked):
    toks = []
    for m in TOKEN_RE.finditer(masked):
        kind = m.lastgroup
        toks.append(Tok(m.start(), m.end(), m.group(), kind))
    return toks


OPEN = {"(": ")", "[": "]", "{": "}"}
CLOSE = {")": "(", "]": "[", "}": "{"}


def match_close(toks, i):
    """Index of the bracket closing toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].t in OPEN:
            depth += 1
        elif toks[j].t in CLOSE:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


# Calls whose arguments only format messages: mutants there change report text.
MESSAGE_CALLS = {"snprintf", "printf", "fprintf", "GFL_ERROR", "GFL_SET_ERROR", "perror", "puts", "fputs"}


def excluded_tokens(toks):
    ex = set()
    for i, tk in enumerate(toks):
        if tk.t in MESSAGE_CALLS and i + 1 < len(toks) and toks[i + 1].t == "(":
            ex.update(range(i, match_close(toks, i + 1) + 1))
    return ex


def is_operand_end(tk):
    return tk.kind in ("num", "id") or tk.t in (")", "]")


STOP = {",", ";", "?", ":", "<", ">", "<=", ">=", "==", "!=", "&&", "||", "&", "|", "^", "=",
        "+=", "-=", "*=", "/=", "<<", ">>"}


C_TYPES = {"int", "long", "double", "float", "char", "short", "unsigned", "size_t", "uint64_t", "int64_t",
           "uint32_t", "int32_t", "const", "void"}


def is_cast_end(toks, i):
    """toks[i] is the ')' of a cast such as (int) or (size_t)."""
    if toks[i].t != ")":
        return False
    k = i - 1
    while k >= 0 and (toks[k].t in C_TYPES or toks[k].t == "*"):
        k -= 1
    return k < i - 1 and k >= 0 and toks[k].t == "("


def right_operand_end(toks, i):
    """toks[i] starts the right operand of a binary + or -: index of its last token."""
    j = i
    # unary prefixes and casts
    while j < len(toks) and toks[j].t in ("-", "+", "!", "~", "*", "&"):
        j += 1
    last = j
    depth = 0
    k = j
    while k < len(toks):
        t = toks[k].t
        if t in OPEN:
            depth += 1
        elif t in CLOSE:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0:
            if t in STOP:
                break
            if t in ("+", "-") and k > j and is_operand_end(toks[k - 1]):
                break
        last = k
        k += 1
    return last


def statement_span(toks, i):
    """For a compound assignment at toks[i]: (first, last) token indices of the
    statement, or None when it is not a whole statement (a for header)."""
    depth = 0
    k = i - 1
    while k >= 0:  # back to the start of the lvalue: only [] may enclose
        t = toks[k].t
        if t == "]":
            depth += 1
        elif t == "[" and depth > 0:
            depth -= 1
        elif depth == 0 and t in (";", ",", "{", "}", ")", "(", "else"):
            break
        k -= 1
    if k >= 0 and toks[k].t in (",", "("):
        return None
    first = k + 1
    depth = 0
    k = i + 1
    while k < len(toks):
        t = toks[k].t
        if t in OPEN:
            depth += 1
        elif t in CLOSE:
            if depth == 0:
                return None
            depth -= 1
        elif depth == 0 and t == ";":
            return first, k
        elif depth == 0 and t == ",":
            return None
        k += 1
    return None


def mutate_number(t):
    """Replacement text for a numeric literal, or None."""
    low = t.lower()
    if low.startswith("0x") and "p" in low:
        m = re.match(r"(0[xX][0-9a-fA-F.]*[pP])([+-]?\d+)(.*)$", t)
        if not m:
            return None
        return "%s%d%s" % (m.group(1), int(m.group(2)) - 1, m.group(3))
    m = re.match(r"(\d+)([uUlL]*)$", t)
    if m:
        v = int(m.group(1))
        nv = {0: 1, 1: 2, 2: 1}.get(v, v + 1)
        return "%d%s" % (nv, m.group(2))
    m = re.match(r"([0-9.]+(?:[eE][+-]?\d+)?)([fFlL]*)$", t)
    if m:
        v = float(m.group(1))
        nv = v * 0.8 if v != 0 else 0.1
        s = repr(float("%.15g" % nv))
        return s + m.group(2)
    return None


def gen_mutants(relpath, text):
    """Every mutant of one file: dicts with the span [s, e) and its replacement."""
    masked = mask_source(text)
    toks = tokenize(masked)
    ex = excluded_tokens(toks)
    muts = []

    def add(op, s, e, new, note=""):
        muts.append({"op": op, "s": s, "e": e, "orig": text[s:e], "new": new, "note": note})

    flip = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
    swap = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    for i, tk in enumerate(toks):
        if i in ex:
            continue
        t = tk.t
        if t in flip:
            add("ROR", tk.s, tk.e, flip[t])
            if t in swap:
                add("SWAP", tk.s, tk.e, swap[t])
        elif t in ("&&", "||"):
            add("LOR", tk.s, tk.e, "||" if t == "&&" else "&&")
        elif t in ("if", "while") and i + 1 < len(toks) and toks[i + 1].t == "(":
            j = match_close(toks, i + 1)
            s, e = toks[i + 1].s, toks[j].e
            add("NEG", s, e, "(!" + text[s:e] + ")")
        elif t in ("+", "-") and i > 0 and is_operand_end(toks[i - 1]) and i + 1 < len(toks) \
                and not is_cast_end(toks, i - 1):
            last = right_operand_end(toks, i + 1)
            if last >= i + 1:
                add("DROP", toks[i - 1].e, toks[last].e, "")
        elif tk.kind == "num":
            if i > 0 and toks[i - 1].t == "[" and i + 1 < len(toks) and toks[i + 1].t == "]":
                continue  # array sizes
            new = mutate_number(t)
            if new is not None and new != t:
                add("CONST", tk.s, tk.e, new)
        elif t in ("MPFR_RNDU", "MPFR_RNDD"):
            add("RND", tk.s, tk.e, "MPFR_RNDD" if t == "MPFR_RNDU" else "MPFR_RNDU")
        elif t in ("gfl_cert_sum", "gfl_cert_add", "gfl_cert_mul") and i + 1 < len(toks) and toks[i + 1].t == "(":
            j = match_close(toks, i + 1)
            # last argument: tokens after the last depth-0 comma
            depth, lastc = 0, None
            for k in range(i + 1, j):
                if toks[k].t in OPEN:
                    depth += 1
                elif toks[k].t in CLOSE:
                    depth -= 1
                elif depth == 1 and toks[k].t == ",":
                    lastc = k
            if lastc is not None:
                arg = [x.t for x in toks[lastc + 1:j]]
                s, e = toks[lastc + 1].s, toks[j - 1].e
                if arg in (["+", "1"], ["1"]):
                    add("RND", s, e, "-1")
                elif arg == ["-", "1"]:
                    add("RND", s, e, "+1")
        elif t in ("+=", "-=", "*=", "/="):
            sp = statement_span(toks, i)
            if sp:
                add("DEL", toks[sp[0]].s, toks[sp[1]].e, ";")
        if t == "for" and i + 1 < len(toks) and toks[i + 1].t == "(" and i not in ex:
            j = match_close(toks, i + 1)
            semis = [k for k in range(i + 2, j) if toks[k].t == ";"]
            if len(semis) == 2 and semis[1] > semis[0] + 1:
                cond = toks[semis[0] + 1:semis[1]]
                depth, cmp = 0, []
                for k, c in enumerate(cond):
                    if c.t in OPEN:
                        depth += 1
                    elif c.t in CLOSE:
                        depth -= 1
                    elif depth == 0 and c.t in ("<", "<=", "&&", "||", ">", ">=", "?"):
                        cmp.append(c.t)
                if cmp in (["<"], ["<="]):
                    s, e = cond[0].s, cond[-1].e
                    add("LOOP", s, e, text[s:e] + " + 1")
    muts.sort(key=lambda m: (m["s"], m["op"], m["e"], m["new"]))
    stem = os.path.splitext(os.path.basename(relpath))[0]
    stem = stem[4:] if stem.startswith("gfl_") else stem
    for k, m in enumerate(muts):
        m["id"] = "%s.%d" % (stem, k + 1)
        m["file"] = relpath
        m["line"] = text.count("\n", 0, m["s"]) + 1
        ls = text.rfind("\n", 0, m["s"]) + 1
        le = text.find("\n", m["s"])
        le = len(text) if le < 0 else le
        m["before"] = text[ls:le].strip()
        mutated = text[:m["s"]] + m["new"] + text[m["e"]:]
        le2 = mutated.find("\n", ls)
        m["after"] = mutated[ls:len(mutated) if le2 < 0 else le2].strip()
        m["change"] = describe(m)
    return muts


def describe(m):
    o = " ".join(m["orig"].split())
    if len(o) > 70:
        o = o[:67] + "..."
    if m["op"] == "DROP":
        return "drop `%s`" % o
    if m["op"] == "DEL":
        return "delete `%s`" % o
    if m["op"] == "NEG":
        return "negate `%s`" % o
    n = " ".join(m["new"].split())
    if len(n) > 70:
        n = n[:67] + "..."
    return "`%s` -> `%s`" % (o, n)


def apply(text, m):
    return text[:m["s"]] + m["new"] + text[m["e"]:]


def sample(muts, n, seed):
    """A deterministic sample of n mutants, quota per file proportional to the
    square root of its count (small files are covered more densely)."""
    if n is None or n >= len(muts):
        return list(muts)
    byfile = {}
    for m in muts:
        byfile.setdefault(m["file"], []).append(m)
    w = {f: math.sqrt(len(v)) for f, v in byfile.items()}
    tot = sum(w.values())
    quota = {f: min(len(byfile[f]), int(n * w[f] / tot)) for f in byfile}
    # hand out what rounding left over, largest remaining share first
    left = n - sum(quota.values())
    for f in sorted(byfile, key=lambda f: (-(n * w[f] / tot - quota[f]), f)):
        if left <= 0:
            break
        if quota[f] < len(byfile[f]):
            quota[f] += 1
            left -= 1
    rng = random.Random(seed)
    out = []
    for f in sorted(byfile):
        out += rng.sample(byfile[f], quota[f])
    return sorted(out, key=lambda m: (m["file"], m["s"], m["op"], m["e"], m["new"]))


# ---------------------------------------------------------------- running

SKIP_DIRS = {".git", "build", "bin", "dist", "proofs", "__pycache__"}


def suite_names():
    """suite name -> test file, from the CU_add_suite calls."""
    out = {}
    for f in sorted(os.listdir(os.path.join(ROOT, "tests"))):
        if f.endswith(".c"):
            src = open(os.path.join(ROOT, "tests", f)).read()
            for name in re.findall(r'CU_add_suite\w*\(\s*"(\w+)"', src):
                out[name] = f
    return out


def suites_for(relpath, all_modules):
    """Stages of suites for a mutant of relpath: first the suites whose tests
    name the module, then every other suite that reaches proofs_check/ (and the
    CLI's, which runs the checker end to end)."""
    names = suite_names()
    srcs = {f: open(os.path.join(ROOT, "tests", f)).read() for f in set(names.values())}
    mod = os.path.splitext(os.path.basename(relpath))[0]

    def uses(f, md):
        return re.search(r"\b%s_\w+\s*\(|%s\.h" % (md, md), srcs[f]) is not None

    first = sorted(s for s, f in names.items() if uses(f, mod))
    rest = sorted(s for s, f in names.items()
                  if s not in first and (s == "cli" or any(uses(f, md) for md in all_modules)))
    return [st for st in (first, rest) if st]


def run(cmd, cwd, timeout, env=None):
    """(returncode or None on timeout, output, seconds); the whole process group dies on timeout."""
    t0 = time.time()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        rc = None
    return rc, out.decode("utf-8", "replace"), time.time() - t0


def copy_tree(src, dst, skip_out):
    def ignore(d, names):
        return [n for n in names if (d == src and n in SKIP_DIRS) or os.path.join(d, n) == skip_out]
    shutil.copytree(src, dst, ignore=ignore, symlinks=True)


class Workspace:
    """A scratch copy of the tree with a pre-built build directory."""

    def __init__(self, path, build, nice):
        self.path, self.build, self.nice = path, build, nice

    def make(self, timeout):
        cmd = self.nice + ["make", "--no-print-directory", "-s", "BUILD=" + self.build,
                           "XCFLAGS=-Wno-error -w", "build"]
        return run(cmd, self.path, timeout)

    def tests(self, suites, timeout):
        env = dict(os.environ, GFL_TEST_SUITES=",".join(suites))
        return run(self.nice + [os.path.join(self.build, "gfl_tests")], self.path, timeout, env)


def failed_tests(out):
    return sorted(set(re.findall(r"Suite (\S+), Test (.+?) had failures", out)))


def evaluate(ws, m, stages, limits, orig_text):
    src = os.path.join(ws.path, m["file"])
    obj = os.path.join(ws.path, ws.build, os.path.splitext(m["file"])[0] + ".o")
    dep = obj[:-2] + ".d"
    st = os.stat(src)
    pristine = {p: open(p, "rb").read() for p in (obj, dep) if os.path.exists(p)}
    pstat = {p: os.stat(p) for p in pristine}
    res = {"status": None, "detail": "", "seconds": 0.0}
    t0 = time.time()
    try:
        with open(src, "w") as f:
            f.write(apply(orig_text, m))
        rc, out, _ = ws.make(limits["build"])
        if rc != 0:
            res["status"] = "compile-error"
            err = [l for l in out.splitlines() if "error:" in l]
            res["detail"] = (err[0] if err else out.strip().splitlines()[-1:] or ["build timeout"])[0][:200] \
                if rc is not None else "build timeout"
            return res
        for stage in stages:
            tmax = sum(limits["tests"].get(su, 60.0) for su in stage)
            rc, out, secs = ws.tests(stage, tmax)
            if rc is None:
                res["status"] = "timeout"
                res["detail"] = "suites %s exceeded %.0f s" % (",".join(stage), tmax)
                return res
            if rc != 0:
                res["status"] = "killed"
                ft = failed_tests(out)
                if ft:
                    res["detail"] = "; ".join("%s/%s" % x for x in ft[:4]) + (" ..." if len(ft) > 4 else "")
                elif rc < 0:
                    res["detail"] = "crash (signal %d) in %s" % (-rc, ",".join(stage))
                else:
                    res["detail"] = "exit %d in %s" % (rc, ",".join(stage))
                return res
        res["status"] = "survived"
        return res
    finally:
        with open(src, "w") as f:
            f.write(orig_text)
        os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
        for p, data in pristine.items():
            with open(p, "wb") as f:
                f.write(data)
            os.utime(p, ns=(pstat[p].st_atime_ns, pstat[p].st_mtime_ns))
        res["seconds"] = round(time.time() - t0, 1)


def git(*args):
    try:
        return subprocess.run(["git"] + list(args), cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


# ---------------------------------------------------------------- reports


def score(rs):
    k = sum(r["status"] == "killed" for r in rs)
    t = sum(r["status"] == "timeout" for r in rs)
    s = sum(r["status"] == "survived" for r in rs)
    c = sum(r["status"] == "compile-error" for r in rs)
    return {"total": len(rs), "killed": k, "timeout": t, "survived": s, "compile_error": c,
            "score": round((k + t) / (k + t + s), 4) if k + t + s else None}


def write_reports(outdir, meta, results):
    files = sorted(set(r["file"] for r in results))
    meta["summary"] = {f: score([r for r in results if r["file"] == f]) for f in files}
    meta["summary"]["all"] = score(results)
    keep = ("id", "file", "line", "op", "change", "before", "after", "status", "detail", "seconds")
    doc = dict(meta, mutants=[{k: r[k] for k in keep} for r in results])
    with open(os.path.join(outdir, "mutation.json"), "w") as f:
        json.dump(doc, f, indent=1)
    L = ["# Mutation report", "",
         "- command: `%s`" % meta["command"],
         "- commit: %s%s, %s" % (meta["commit"], " (with uncommitted changes)" if meta["dirty"] else "",
                                 meta["date"]),
         "- seed %d, %d of %d mutants generated in the chosen files" % (meta["seed"], len(results),
                                                                        meta["generated"]),
         "", "| file | mutants | killed | timeout | survived | compile error | score |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for f in files + ["all"]:
        s = meta["summary"][f]
        sc = "%.1f%%" % (100 * s["score"]) if s["score"] is not None else "-"
        L.append("| %s | %d | %d | %d | %d | %d | %s (%d/%d) |" % (
            f, s["total"], s["killed"], s["timeout"], s["survived"], s["compile_error"], sc,
            s["killed"] + s["timeout"], s["killed"] + s["timeout"] + s["survived"]))
    for title, status in (("Survivors", "survived"), ("Timeouts", "timeout"),
                          ("Compile errors", "compile-error")):
        rs = [r for r in results if r["status"] == status]
        if rs:
            L += ["", "## %s" % title, ""]
            for r in rs:
                L.append("- **%s** %s:%d %s %s%s" % (r["id"], r["file"], r["line"], r["op"], r["change"],
                                                     " — " + r["detail"] if status != "survived" else ""))
                L.append("  `%s`" % r["after"].replace("`", "'"))
    killed = [r for r in results if r["status"] == "killed"]
    if killed:
        L += ["", "## Killed", ""]
        for r in killed:
            L.append("- %s %s:%d %s %s — %s" % (r["id"], r["file"], r["line"], r["op"], r["change"], r["detail"]))
    with open(os.path.join(outdir, "mutation.md"), "w") as f:
        f.write("\n".join(L) + "\n")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", default="proofs_check/*.c",
                    help="comma-separated sources or globs, relative to the top directory")
    ap.add_argument("--ops", default=",".join(OPERATORS), help="operators to use (default all)")
    ap.add_argument("--list", action="store_true", help="print the mutants and exit")
    ap.add_argument("--only", default="", help="comma-separated mutant ids")
    ap.add_argument("--rerun", default="", help="a previous mutation.json: run its survivors again")
    ap.add_argument("--max", type=int, default=None, help="deterministic sample of this many mutants")
    ap.add_argument("--all-of", default="",
                    help="comma-separated files whose mutants are all taken (--max samples the others)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default="build/mutation", help="report directory (mutation.md, mutation.json)")
    ap.add_argument("--build", default="build/release", help="pre-built build directory to copy")
    ap.add_argument("--suites", default="", help="comma-separated suites instead of the automatic stages")
    ap.add_argument("--timeout-factor", type=float, default=5.0,
                    help="a suite times out after this many times its unmutated run, plus 30 s")
    ap.add_argument("--no-nice", action="store_true", help="do not run builds and tests under nice -n 19")
    a = ap.parse_args()

    import glob
    files = []
    for pat in a.files.split(","):
        pat = pat.strip()
        hits = sorted(glob.glob(os.path.join(ROOT, pat)))
        if not hits:
            sys.exit("mutate: no file matches %s" % pat)
        files += [os.path.relpath(h, ROOT) for h in hits if h.endswith(".c")]
    ops = set(a.ops.split(","))
    bad = ops - set(OPERATORS)
    if bad:
        sys.exit("mutate: unknown operator(s) %s" % ",".join(sorted(bad)))
    texts = {f: open(os.path.join(ROOT, f)).read() for f in files}
    allm = []
    for f in files:
        allm += [m for m in gen_mutants(f, texts[f]) if m["op"] in ops]
    full = set()
    for pat in filter(None, (x.strip() for x in a.all_of.split(","))):
        full.update(os.path.relpath(h, ROOT) for h in glob.glob(os.path.join(ROOT, pat)))
    chosen = sorted([m for m in allm if m["file"] in full] +
                    sample([m for m in allm if m["file"] not in full], a.max, a.seed),
                    key=lambda m: (m["file"], m["s"], m["op"], m["e"], m["new"]))
    previous = {}
    if a.rerun:
        prev = json.load(open(a.rerun))
        previous = {m["id"]: m for m in prev["mutants"]}
        byid = {m["id"]: m for m in allm}
        chosen = []
        for pid, pm in previous.items():
            m = byid.get(pid)
            if pm["status"] == "survived":
                if not m or m["change"] != pm["change"] or m["line"] != pm["line"]:
                    sys.exit("mutate: %s is no longer the same mutant (the source moved): run afresh" % pid)
                chosen.append(m)
    if a.only:
        want = [x.strip() for x in a.only.split(",") if x.strip()]
        byid = {m["id"]: m for m in allm}
        missing = [w for w in want if w not in byid]
        if missing:
            sys.exit("mutate: unknown mutant id(s) %s (see --list)" % ",".join(missing))
        chosen = [byid[w] for w in want]
    if a.list:
        for m in chosen:
            print("%-14s %s:%d  %-5s %s" % (m["id"], m["file"], m["line"], m["op"], m["change"]))
        print("%d mutants (%d generated)" % (len(chosen), len(allm)), file=sys.stderr)
        return 0

    outdir = os.path.join(ROOT, a.out)
    os.makedirs(outdir, exist_ok=True)
    work = os.path.join(outdir, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    nice = [] if a.no_nice else ["nice", "-n", "19"]
    build_src = os.path.join(ROOT, a.build)
    if not os.path.exists(os.path.join(build_src, "gfl_tests")):
        sys.exit("mutate: %s/gfl_tests is missing: run `make build` first" % a.build)
    modules = [os.path.splitext(os.path.basename(f))[0] for f in sorted(os.listdir(os.path.join(ROOT, "proofs_check")))
               if f.endswith(".c")]
    stages = {f: ([a.suites.split(",")] if a.suites else suites_for(f, modules)) for f in files}

    # one scratch copy per job, each with the pre-built build directory
    spaces = []
    for j in range(max(1, a.jobs)):
        p = os.path.join(work, "job%d" % j)
        if j == 0:
            copy_tree(ROOT, p, outdir)
            shutil.copytree(build_src, os.path.join(p, a.build), symlinks=True)
            if os.path.isdir(os.path.join(ROOT, "bin")):
                shutil.copytree(os.path.join(ROOT, "bin"), os.path.join(p, "bin"), symlinks=True)
        else:
            shutil.copytree(spaces[0].path, p, symlinks=True)
        spaces.append(Workspace(p, a.build, nice))
    ws0 = spaces[0]
    print("mutate: %d mutants of %d generated; scratch %s, %d job(s)" % (len(chosen), len(allm), work, len(spaces)),
          flush=True)
    rc, out, secs = ws0.make(1800)
    if rc != 0:
        sys.exit("mutate: the unmutated scratch copy does not build:\n" + out[-2000:])
    for j in range(1, len(spaces)):  # the same fresh build in every copy
        shutil.rmtree(os.path.join(spaces[j].path, a.build))
        shutil.copytree(os.path.join(ws0.path, a.build), os.path.join(spaces[j].path, a.build), symlinks=True)
        shutil.rmtree(os.path.join(spaces[j].path, "bin"), ignore_errors=True)
        shutil.copytree(os.path.join(ws0.path, "bin"), os.path.join(spaces[j].path, "bin"), symlinks=True)
    # baseline: every stage passes on the unmutated code, and how long it takes
    union = sorted(set(s for f in set(m["file"] for m in chosen) for st in stages[f] for s in st))
    base = {}
    for su in union:  # each suite alone: it passes, and how long it takes
        rc, out, secs = ws0.tests([su], 3600)
        if rc != 0:
            sys.exit("mutate: suite %s fails on the unmutated code:\n%s" % (su, out[-3000:]))
        base[su] = round(secs, 2)
    # one suite per stage, fastest first within each group: most mutants die early
    for f in files:
        stages[f] = [[su] for st in stages[f] for su in sorted(st, key=lambda x: (base.get(x, 0), x))]
    limit = {"build": 600, "tests": {su: a.timeout_factor * t + 30 for su, t in base.items()}}
    print("mutate: baseline %s; timeouts %g x that + 30 s" %
          (", ".join("%s %.1f s" % kv for kv in base.items()), a.timeout_factor), flush=True)

    # the sources under test, as copied (the working tree may move on meanwhile)
    commit = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", *files, "tests"))
    results = []
    lock = threading.Lock()
    pool = list(spaces)
    t_start = time.time()

    def job(m):
        with lock:
            ws = pool.pop()
        try:
            r = evaluate(ws, m, stages[m["file"]], limit, texts[m["file"]])
        finally:
            with lock:
                pool.append(ws)
        rr = dict(m, **r)
        with lock:
            results.append(rr)
            print("[%d/%d] %-12s %-13s %s:%d %s %s %s" % (len(results), len(chosen), rr["id"], rr["status"],
                  rr["file"], rr["line"], rr["op"], rr["change"], rr["detail"]), flush=True)
        return rr

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(spaces)) as ex:
        list(ex.map(job, chosen))
    order = {m["id"]: k for k, m in enumerate(chosen)}
    results.sort(key=lambda r: order[r["id"]])
    if previous:  # a rerun: the mutants killed before stay killed (tests were only added)
        rerun = {r["id"] for r in results}
        results = [dict(pm, rerun=False) for pid, pm in previous.items() if pid not in rerun] + \
                  [dict(r, rerun=True) for r in results]
        results.sort(key=lambda r: (r["file"], int(r["id"].rsplit(".", 1)[1])))
    meta = {"command": " ".join(["python3", "tools/mutate.py"] + sys.argv[1:]),
            "commit": commit, "dirty": dirty,
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "seed": a.seed, "generated": len(allm), "all_of": sorted(full), "max": a.max, "files": files, "operators": sorted(ops),
            "stages": stages, "baseline_seconds": base, "timeouts": limit,
            "wall_seconds": round(time.time() - t_start, 1), "rerun_of": a.rerun or None}
    write_reports(outdir, meta, results)
    shutil.rmtree(work, ignore_errors=True)
    s = meta["summary"]["all"]
    print("mutate: %d killed, %d timeout, %d survived, %d compile errors; score %s; report %s/mutation.md" %
          (s["killed"], s["timeout"], s["survived"], s["compile_error"],
           "-" if s["score"] is None else "%.1f%%" % (100 * s["score"]), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
