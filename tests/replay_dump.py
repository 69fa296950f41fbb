#!/usr/bin/python3
"""Independent float64 replay of Algorithm 1 (SPEC 3) from a training dump.

Runs `gfl train --dump DIR` on small instances of every case (and with the
options that change the update rule), then re-implements the training step
in numpy from the dumped arrays (X, Y, a0, W0, b) and trace.json's config
alone, and checks the dumped final a and W to 1e-9 (normwise relative).
This proves the dump format of SPEC 10 is exact and complete: nothing else
is needed to reproduce a run.  Usage: replay_dump.py path/to/gfl
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # another python3 first in PATH: the Debian packages (tools/deps.sh) are the system's
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

TOL = 1e-9


def loss_deriv(loss, z):
    if loss == "hinge":
        return np.where(z < 1.0, -1.0, 0.0)
    return -1.0 / ((1.0 + np.exp(z)) * np.log(2.0))


def replay(d):
    doc = json.load(open(os.path.join(d, "trace.json")))
    c = doc["config"]
    X, Y = np.load(os.path.join(d, "X.npy")), np.load(os.path.join(d, "Y.npy"))
    a, W, b = np.load(os.path.join(d, "a0.npy")), np.load(os.path.join(d, "W0.npy")), np.load(os.path.join(d, "b.npy"))
    m = a.shape[0]
    assert W.shape == (m, c["d"]) and X.shape[1:] == (c["n"], c["d"])
    assert np.all(a[: m // 2] == -a[m // 2:]) and np.all(W[: m // 2] == W[m // 2:])
    for t in range(1, c["T"] + 1):
        Xb, Yb = (X[0], Y[0]) if c["fixed_batch"] else (X[t - 1], Y[t - 1])
        eta, lam = (c["eta1"], c["lam1"]) if t == 1 else (c["eta"], c["lam"])
        H = Xb @ W.T - b
        S = np.maximum(H, 0.0)
        f = S @ a
        g = loss_deriv(c["loss"], Yb * f) * Yb
        n = Xb.shape[0]
        ga = S.T @ g / n
        gW = (a[:, None] / n) * (((H > 0) * g[:, None]).T @ Xb)
        update_w = not c["random_features"] and not (c["freeze_w"] and t >= 2)
        a_new = a - eta * (ga + lam * a)
        if update_w:
            W = W - eta * (gW + lam * W)
        a = a_new
    a_d, W_d = np.load(os.path.join(d, "a.npy")), np.load(os.path.join(d, "W.npy"))
    ra = np.max(np.abs(a - a_d)) / np.max(np.abs(a_d))
    rW = np.max(np.abs(W - W_d)) / np.max(np.abs(W_d))
    return ra, rW


def main():
    gfl = sys.argv[1] if len(sys.argv) > 1 else "bin/gfl"
    seed = os.environ.get("GFL_TEST_SEED", "1")
    runs = [[c, "--preset", "small", "--T", "60"] for c in
            ("mog", "xor", "parity", "parity_uniform", "linear", "multiindex")]
    runs += [["xor", "--preset", "small", "--T", "40", "--loss", "logistic", "--eta1", "0.75"],
             ["parity", "--preset", "small", "--T", "40", "--fixed-batch", "--bias-mode", "sign"],
             ["mog", "--preset", "small", "--T", "40", "--freeze-w", "--bias-mode", "gauss"],
             ["linear", "--preset", "small", "--T", "40", "--random-features", "--lam1", "0.5"],
             ["xor", "--preset", "small", "--T", "30", "--path", "ref"]]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, r in enumerate(runs):
            d = os.path.join(tmp, "dump%d" % i)
            cmd = [gfl, "train", "--case"] + r + ["--seed", seed, "--dump", d]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            ra, rW = replay(d)
            ok = ra <= TOL and rW <= TOL
            passed += ok
            failed += not ok
            print("replay %-60s rel a %.2e  rel W %.2e  %s" % (" ".join(r), ra, rW, "ok" if ok else "FAIL"))
    print("replay (seed %s; reproduce: GFL_TEST_SEED=%s %s %s)" % (seed, seed, sys.argv[0], gfl))
    print("replay: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
