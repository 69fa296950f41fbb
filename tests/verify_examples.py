#!/usr/bin/python3
"""gfl verify on the outside implementations of examples/ (SPEC 12, docs/verify.md).

The examples (numpy and PyTorch, each in float64 and float32) are independent
implementations of Algorithm 1: each must PASS.  Each planted defect must be
caught where it first shows, with the diagnosis that names it:
  grad-scale (a-gradient 1.001 times too large: a 1e-3 relative error) FAIL at step 1,
  decay (weight decay applied to b)                                   FAIL at step 2,
  relu-tie (sigma'(0) = 1), on an instance with exact ties            explained split at step 1;
with every third step listed, the correct run passes and grad-scale fails at step 3;
an implementation whose sums are all sequential, largest terms first, passes in
both dtypes (the bounds hold in every summation order).
The tie instance: the dump with sample 0 of the first batch replaced by e_1 and
W0[i, 0] = b_i (for i = 0 and its mirror m/2) set to one float32 number, so that
<w_i, x> - b_i = w_i1 - b_i = 0 exactly in every precision and summation order.  A float32 trajectory declared
float64 must be refused (its rounding is not covered), and the same values
stored as float64 under a float64 declaration must FAIL.
Usage: verify_examples.py path/to/gfl   (seed: GFL_TEST_SEED, default 1)
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def example(name):
    sys.path.insert(0, os.path.join(HERE, "..", "examples"))  # their shared gfl_traj module
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "..", "examples", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ssum(v, axis):
    """A sequential sum in v's dtype, largest terms first (np.cumsum adds left
    to right; numpy's sum and BLAS would add pairwise or blocked)."""
    idx = np.argsort(-np.abs(v), axis=axis)
    return np.take(np.cumsum(np.take_along_axis(v, idx, axis=axis), axis=axis), -1, axis=axis)


def train_sequential(dump, out, dtype):
    """Algorithm 1 (hinge, fresh batches) with every sum sequential: the bounds
    hold in any summation order, this one included."""
    dt = np.dtype(dtype)
    cfg = json.load(open(os.path.join(dump, "trace.json")))["config"]
    load = lambda name: np.load(os.path.join(dump, name)).astype(dt)
    X, Y, a, W, b = load("X.npy"), load("Y.npy"), load("a0.npy"), load("W0.npy"), load("b.npy")
    n = X.shape[1]
    As, Ws = [a], [W]
    for t in range(1, cfg["T"] + 1):
        x, y = X[t - 1], Y[t - 1]
        eta, lam = (cfg["eta1"], cfg["lam1"]) if t == 1 else (cfg["eta"], cfg["lam"])
        eta, lam = dt.type(eta), dt.type(lam)
        H = ssum(x[:, None, :] * W[None, :, :], 2) - b
        S = np.maximum(H, 0)
        g = np.where(y * ssum(S * a[None, :], 1) < 1, -1, 0).astype(dt) * y / dt.type(n)
        ga = ssum(S * g[:, None], 0)
        gW = a[:, None] * ssum((H > 0)[:, :, None] * g[:, None, None] * x[:, None, :], 0)
        a, W = a - eta * (ga + lam * a), W - eta * (gW + lam * W)
        As.append(a), Ws.append(W)
    os.makedirs(out)
    np.save(os.path.join(out, "steps.npy"), np.arange(len(As)))
    np.save(os.path.join(out, "a.npy"), np.array(As, dtype=dt))
    np.save(os.path.join(out, "W.npy"), np.array(Ws, dtype=dt))
    json.dump({"dtype": dtype, "writer": "sequential sums"}, open(os.path.join(out, "meta.json"), "w"))
    return out


def verify(gfl, dump, traj, tmp):
    js = os.path.join(tmp, "v.json")
    if os.path.exists(js):
        os.remove(js)
    r = subprocess.run([gfl, "verify", dump, "--traj", traj, "--json", js], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    doc = json.load(open(js))["verify"] if r.returncode in (0, 1) else None
    return r.returncode, doc, r.stderr.strip()


def main():
    gfl = sys.argv[1] if len(sys.argv) > 1 else "bin/gfl"
    seed = os.environ.get("GFL_TEST_SEED", "1")
    mods = {"numpy": example("alg1_numpy"), "torch": example("alg1_torch")}
    passed = failed = 0

    def report(ok, what, detail):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print("verify-examples %-44s %-4s %s" % (what, "ok" if ok else "FAIL", detail))

    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "dump")
        subprocess.run([gfl, "train", "--case", "xor", "--preset", "small", "--T", "12", "--seed", seed,
                        "--dump", dump], check=True, stdout=subprocess.DEVNULL)
        tie = os.path.join(tmp, "tie")
        shutil.copytree(dump, tie)
        X, b, W0 = np.load(os.path.join(tie, "X.npy")), np.load(os.path.join(tie, "b.npy")), np.load(
            os.path.join(tie, "W0.npy"))
        m = b.shape[0]
        X[0, 0, :] = 0.0
        X[0, 0, 0] = 1.0
        # w_01 a float32 number, so that the tie is exact in float32 as well
        W0[0, 0] = W0[m // 2, 0] = b[0] = b[m // 2] = np.float32(W0[0, 0])
        np.save(os.path.join(tie, "X.npy"), X)
        np.save(os.path.join(tie, "b.npy"), b)
        np.save(os.path.join(tie, "W0.npy"), W0)
        for ex, mod in mods.items():
            for dt in ("float64", "float32"):
                for inst, d in (("", dump), (" (ties)", tie)):
                    out = mod.train(d, os.path.join(tmp, "%s_%s_%d" % (ex, dt, len(inst))), dt)
                    rc, v, err = verify(gfl, d, out, tmp)
                    ok = rc == 0 and v["verdict"] == "PASS" and v["first_split_step"] is None and v["drift_within"]
                    report(ok, "%s %s%s" % (ex, dt, inst),
                           "rc %d, max step/bound %.3g" % (rc, v["max_local"]) if v else err)
            for bug, d, want_step, want_diag in (("grad-scale", dump, 1, "a-gradient off by a constant factor"),
                                                 ("decay", dump, 2, "weight decay applied to b"),
                                                 ("relu-tie", tie, 1, "sigma'(0) = 1")):
                out = mod.train(d, os.path.join(tmp, "%s_bug_%s" % (ex, bug)), "float32", bug)
                rc, v, err = verify(gfl, d, out, tmp)
                if v is None:
                    report(False, "%s float32 --bug %s" % (ex, bug), err)
                    continue
                if bug == "relu-tie":  # a tie may go either way: an explained split, named
                    ok = rc == 0 and v["first_split_step"] == want_step and v["first_fail_step"] is None
                else:
                    ok = rc == 1 and v["verdict"] == "FAIL" and v["first_fail_step"] == want_step
                ok = ok and want_diag in v["diagnosis"]
                report(ok, "%s float32 --bug %s" % (ex, bug), "rc %d, %s; %s" % (
                    rc, "split at %s" % v["first_split_step"] if bug == "relu-tie" else
                    "FAIL at %s" % v["first_fail_step"], v["diagnosis"]))
        for dt in ("float64", "float32"):
            out = train_sequential(dump, os.path.join(tmp, "sequential_" + dt), dt)
            rc, v, err = verify(gfl, dump, out, tmp)
            ok = rc == 0 and v["verdict"] == "PASS" and v["drift_within"]
            report(ok, "sequential sums, largest first, %s" % dt,
                   "rc %d, max step/bound %.3g" % (rc, v["max_local"]) if v else err)
        # every third step listed: the replay runs 3 steps from each listed state
        # and its bound grows with them
        for src, want in (("numpy_float32_0", None), ("numpy_bug_grad-scale", 3)):
            sub = os.path.join(tmp, src + "_every3")
            os.makedirs(sub)
            shutil.copy(os.path.join(tmp, src, "meta.json"), sub)
            keep = np.load(os.path.join(tmp, src, "steps.npy")) % 3 == 0
            for f in ("steps.npy", "a.npy", "W.npy", "loss.npy"):
                np.save(os.path.join(sub, f), np.load(os.path.join(tmp, src, f))[keep])
            rc, v, err = verify(gfl, dump, sub, tmp)
            ok = v is not None and v["first_fail_step"] == want and rc == (0 if want is None else 1)
            report(ok, "%s, every third step" % src, "rc %d, first step outside %s" % (
                rc, v["first_fail_step"] if v else err))
        # the declared unit roundoff is part of the contract
        out = os.path.join(tmp, "numpy_float32_0")
        meta = os.path.join(out, "meta.json")
        json.dump({"dtype": "float64", "writer": "float32 values declared float64"}, open(meta, "w"))
        rc, v, err = verify(gfl, dump, out, tmp)
        report(rc == 2 and "declares dtype float64" in err, "float32 arrays declared float64", "rc %d: %s" % (rc, err))
        for f in ("a.npy", "W.npy", "loss.npy"):
            np.save(os.path.join(out, f), np.load(os.path.join(out, f)).astype(np.float64))
        for first, what in ((0, "float32 values as float64, declared float64"), (1, "the same from step 1 on")):
            if first == 1:  # without step 0, step 1 is replayed from a0, W0 themselves
                for f in ("steps.npy", "a.npy", "W.npy", "loss.npy"):
                    np.save(os.path.join(out, f), np.load(os.path.join(out, f))[1:])
            rc, v, err = verify(gfl, dump, out, tmp)
            ok = rc == 1 and v["verdict"] == "FAIL" and v["first_fail_step"] == first
            report(ok, what, "rc %d, FAIL at %s" % (rc, v["first_fail_step"] if v else "-"))
    print("verify-examples (seed %s; reproduce: GFL_TEST_SEED=%s %s %s)" % (seed, seed, sys.argv[0], gfl))
    print("verify-examples: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
