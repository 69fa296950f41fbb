#!/usr/bin/python3
"""Independent 256-bit replay of Algorithm 1 (SPEC 1-3) against the ref path.

tests/replay_dump.py holds a dump to 1e-9, which a double path passes as well
as a 128-bit one.  This replay holds the ref path to its own precision: it
runs `gfl train --path ref --dump DIR` on tiny instances, replays the run from
the dumped instance (X, Y, a0, W0, b) and trace.json's config alone with
mpmath at 256 bits, written from SPEC 1-3 only (forward pass, hinge and
logistic losses with sigma'(0) = 0 and l'(1) = 0, the gradients, the mirror
pairs summed first, the step with lam1 = 1/eta1 at t = 1 and eta, lam after),
and compares with the exact final state the dump carries (a_exact.npy,
W_exact.npy: unevaluated sums of doubles, docs/formats.md).  The normwise
relative difference of a and of W must be <= 1e-30 (128 bits give ~1e-36).

It must be able to fail: a run at --prec 64 and the double-rounded state
a.npy, W.npy are both checked and must be rejected.  A decision within
TIE_REL of its kink (|h_ik| against the size of its terms, or |1 - y f| for
the hinge) may legitimately go either way at 128 bits: such runs are
reported as ties, never judged silently.
Usage: replay_mp.py path/to/gfl
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import mpmath
    import numpy as np
except ImportError:  # another python3 first in PATH: the Debian packages (tools/deps.sh) are the system's
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

PREC = 256
TOL = mpmath.mpf("1e-30")
TIE_REL = mpmath.mpf("1e-25")


def mpv(arr):
    """Doubles to mpf, exactly (nested lists)."""
    if arr.ndim == 0:
        return mpmath.mpf(float(arr))
    return [mpv(r) for r in arr]


def exact_sum(parts):
    """An unevaluated sum of doubles; exact at PREC bits for a state of at most PREC - 53 bits."""
    s = mpmath.mpf(0)
    for p in parts:
        s += mpmath.mpf(float(p))
    return s


def loss_deriv(loss, z):
    """l'(z) of SPEC 1: hinge -1[z < 1] (so l'(1) = 0); logistic -1 / ((1 + e^z) log 2)."""
    if loss == "hinge":
        return mpmath.mpf(-1) if z < 1 else mpmath.mpf(0)
    return -1 / ((1 + mpmath.exp(z)) * mpmath.log(2))


def step(c, t, a, W, b, Xb, Yb, ties):
    """One step of Algorithm 1 (SPEC 3): both gradients at the old parameters."""
    m, d, n = len(a), len(W[0]), len(Xb)
    half = m // 2
    gA = [mpmath.mpf(0)] * m
    gW = [[mpmath.mpf(0)] * d for _ in range(m)]
    for k in range(n):
        x, y = Xb[k], Yb[k]
        h = []
        for i in range(m):
            hi = mpmath.fsum(W[i][j] * x[j] for j in range(d)) - b[i]
            scale = mpmath.fsum(abs(W[i][j] * x[j]) for j in range(d)) + abs(b[i])
            if hi != 0 and abs(hi) <= TIE_REL * scale:
                ties.append("step %d sample %d neuron %d: |h| = %s" % (t, k, i, mpmath.nstr(abs(hi), 3)))
            h.append(hi)
        s = [hi if hi > 0 else mpmath.mpf(0) for hi in h]  # sigma, sigma'(0) = 0
        # SPEC 2: each mirror pair's two terms first, so f^(0) == 0 exactly
        f = mpmath.fsum(a[i] * s[i] + a[i + half] * s[i + half] for i in range(half))
        z = y * f
        if c["loss"] == "hinge":
            fscale = mpmath.fsum(abs(a[i] * s[i]) for i in range(m))
            if z != 1 and abs(1 - z) <= TIE_REL * max(fscale, 1):
                ties.append("step %d sample %d: |1 - y f| = %s" % (t, k, mpmath.nstr(abs(1 - z), 3)))
        g = loss_deriv(c["loss"], z) * y
        if t == 1 and f != 0:
            raise AssertionError("f^(0)(x_%d) = %s, not exactly 0 (SPEC 2)" % (k, f))
        for i in range(m):
            gA[i] += g * s[i]
            if h[i] > 0:
                for j in range(d):
                    gW[i][j] += g * a[i] * x[j]
    if t == 1:
        eta = mpmath.mpf(c["eta1"])
        lam = 1 / eta if c["lam1_default"] else mpmath.mpf(c["lam1"])
    else:
        eta, lam = mpmath.mpf(c["eta"]), mpmath.mpf(c["lam"])
    update_w = not c["random_features"] and not (c["freeze_w"] and t >= 2)
    a_new = [a[i] - eta * (gA[i] / n + lam * a[i]) for i in range(m)]
    if update_w:
        W = [[W[i][j] - eta * (gW[i][j] / n + lam * W[i][j]) for j in range(d)] for i in range(m)]
    return a_new, W


def rel_diff(u, v):
    """max |u - v| / max |v| over flat lists (|u - v| when v == 0)."""
    num = max(abs(p - q) for p, q in zip(u, v))
    den = max(abs(q) for q in v)
    return num / den if den else num


def replay(d):
    """Replays the dump in d; returns (rel a, rel W, rel of the rounded a.npy/W.npy, ties)."""
    c = json.load(open(os.path.join(d, "trace.json")))["config"]
    ld = lambda name: np.load(os.path.join(d, name))
    X, Y = ld("X.npy"), ld("Y.npy")
    a, W, b = mpv(ld("a0.npy")), mpv(ld("W0.npy")), mpv(ld("b.npy"))
    m = len(a)
    assert len(W) == m and len(W[0]) == c["d"] and X.shape[1:] == (c["n"], c["d"])
    ties = []
    for t in range(1, c["T"] + 1):
        tb = 0 if c["fixed_batch"] else t - 1
        a, W = step(c, t, a, W, b, mpv(X[tb]), mpv(Y[tb]), ties)
    ae, We = ld("a_exact.npy"), ld("W_exact.npy")
    assert ae.shape[0] == m and We.shape[:2] == (m, c["d"]) and ae.shape[1] == We.shape[2]
    a_ex = [exact_sum(r) for r in ae]
    W_ex = [exact_sum(r) for row in We for r in row]
    # the rounded arrays are the exact state rounded to nearest (docs/formats.md)
    assert all(float(v) == r for v, r in zip(a_ex, ld("a.npy"))), "a.npy is not a_exact rounded"
    assert all(float(v) == r for v, r in zip(W_ex, ld("W.npy").ravel())), "W.npy is not W_exact rounded"
    W_flat = [v for row in W for v in row]
    ra, rW = rel_diff(a, a_ex), rel_diff(W_flat, W_ex)
    a_rd, W_rd = mpv(ld("a.npy")), [mpmath.mpf(float(v)) for v in ld("W.npy").ravel()]
    r_rounded = max(rel_diff(a, a_rd), rel_diff(W_flat, W_rd))
    return ra, rW, r_rounded, ties


def tie_self_test():
    """The detector has teeth: a ReLU input 1e-28 of its size from the kink is a tie."""
    c = {"loss": "hinge", "eta1": 1.0, "lam1": 1.0, "lam1_default": True, "random_features": False,
         "freeze_w": False}
    one = mpmath.mpf(1)
    x = [[one, mpmath.mpf(2) ** -95]]  # <w, x> - b = 2^-95 against terms of size 1
    ties = []
    step(c, 1, [one, -one], [[one, one], [one, one]], [one, one], x, [one], ties)
    return len(ties) == 2  # both neurons of the mirror pair


def main():
    gfl = sys.argv[1] if len(sys.argv) > 1 else "bin/gfl"
    seed = os.environ.get("GFL_TEST_SEED", "1")
    mpmath.mp.prec = PREC
    tiny = ["--preset", "small", "--n-test", "32", "--eval-every", "1000", "--sigma-a", "4"]
    runs = [["xor", "--d", "3", "--m", "4", "--n", "8", "--T", "5"],
            ["xor", "--d", "4", "--m", "6", "--n", "12", "--T", "8", "--loss", "logistic"],
            ["parity", "--d", "3", "--m", "6", "--n", "16", "--T", "10"],
            ["parity", "--d", "4", "--m", "4", "--n", "8", "--T", "6", "--fixed-batch", "--bias-mode", "sign"],
            ["mog", "--d", "3", "--r", "2", "--m", "6", "--n", "10", "--T", "7", "--loss", "logistic", "--fixed-batch"],
            ["mog", "--d", "4", "--r", "3", "--m", "4", "--n", "16", "--T", "10", "--bias-mode", "gauss", "--lam1", "0.5"],
            ["linear", "--d", "3", "--m", "4", "--n", "8", "--T", "6", "--freeze-w"],
            ["multiindex", "--d", "4", "--m", "6", "--n", "8", "--T", "5", "--random-features"],
            ["parity_uniform", "--d", "3", "--m", "4", "--n", "8", "--T", "5", "--loss", "logistic"]]
    # must be rejected: 64 bits are not 128
    bad = ["xor", "--d", "3", "--m", "4", "--n", "8", "--T", "5", "--prec", "64"]
    passed = failed = tied = 0
    if tie_self_test():
        passed += 1
    else:
        failed += 1
        print("replay-mp FAIL: a decision 2^-95 from its kink was not reported as a tie")
    worst = mpmath.mpf(0)
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(runs + [bad]):
            expect_fail = r is bad
            dd = os.path.join(tmp, "dump%d" % i)
            cmd = [gfl, "train", "--case"] + r + tiny + ["--path", "ref", "--seed", seed, "--dump", dd]
            try:
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                ra, rW, rr, ties = replay(dd)
            except (AssertionError, subprocess.CalledProcessError, OSError) as e:
                failed += 1
                print("replay-mp %-66s FAIL: %s" % (" ".join(r), str(e) or type(e).__name__))
                continue
            held = ra <= TOL and rW <= TOL
            if expect_fail:
                ok = not held
                what = "rejected (as it must)" if ok else "FAIL: a 64-bit run passed at 1e-30"
            else:
                # the double-rounded state must not pass where the exact one does
                ok = held and rr > TOL
                worst = max(worst, ra, rW)
                what = "ok" if ok else "FAIL"
                if held and not rr > TOL:
                    what = "FAIL: the double-rounded state also passes (the check has no teeth)"
                if not held and ties:
                    what = "TIE (not judged: %d decisions at a kink)" % len(ties)
                    ok = True
            passed += ok
            failed += not ok
            print("replay-mp %-66s rel a %9s  rel W %9s  rounded %9s  %s" % (
                " ".join(r), mpmath.nstr(ra, 3), mpmath.nstr(rW, 3), mpmath.nstr(rr, 3), what))
            tied += bool(ties) and not expect_fail
            for tie in ties[:5]:
                print("    tie: " + tie)
    print("replay-mp: %d bits, tolerance %s, worst rel difference %s; runs with a decision at a kink: %d"
          % (PREC, mpmath.nstr(TOL, 2), mpmath.nstr(worst, 3), tied))
    print("replay-mp (seed %s; reproduce: GFL_TEST_SEED=%s /usr/bin/python3 %s %s)" % (seed, seed, sys.argv[0], gfl))
    print("replay-mp: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
