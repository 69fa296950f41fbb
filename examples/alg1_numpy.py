#!/usr/bin/python3
"""Algorithm 1 (SPEC 3) in numpy, trained on a gfl dump, writing the trajectory
that `gfl verify` holds to the reference (docs/verify.md):

    bin/gfl train --case xor --preset small --T 40 --dump run
    /usr/bin/python3 examples/alg1_numpy.py run --dtype float32
    bin/gfl verify run

--bug plants a known defect, to see what gfl verify says about it.
"""
import argparse
import json
import os

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dump", help="directory written by gfl train --dump")
    p.add_argument("--out", help="trajectory directory (default: DUMP/outside)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--bug", choices=["decay", "grad-scale", "relu-tie"],
                   help="decay: weight decay also applied to b; grad-scale: a-gradient 0.1%% too large; "
                        "relu-tie: sigma'(0) = 1")
    args = p.parse_args()
    out = train(args.dump, args.out or os.path.join(args.dump, "outside"), args.dtype, args.bug)
    print("wrote %s (%s%s)" % (out, args.dtype, ", --bug " + args.bug if args.bug else ""))


def train(dump, out, dtype, bug=None):
    """Trains on the dump in dtype, writes the trajectory into out, returns out."""
    dt = np.dtype(dtype)
    cfg = json.load(open(os.path.join(dump, "trace.json")))["config"]
    load = lambda name: np.load(os.path.join(dump, name)).astype(dt)
    X, Y, a, W, b = load("X.npy"), load("Y.npy"), load("a0.npy"), load("W0.npy"), load("b.npy")
    n = X.shape[1]
    steps, As, Ws, losses = [0], [a], [W], [np.nan]
    for t in range(1, cfg["T"] + 1):
        x, y = (X[0], Y[0]) if cfg["fixed_batch"] else (X[t - 1], Y[t - 1])
        eta, lam = (cfg["eta1"], cfg["lam1"]) if t == 1 else (cfg["eta"], cfg["lam"])
        eta, lam = dt.type(eta), dt.type(lam)
        H = x @ W.T - b                       # (n, m): h_ik = <w_i, x_k> - b_i
        S = np.maximum(H, 0)                  # sigma(h)
        z = y * (S @ a)                       # margins y_k f(x_k)
        if cfg["loss"] == "hinge":
            loss = np.mean(np.maximum(1 - z, 0))
            dl = np.where(z < 1, -1, 0).astype(dt)              # l'(z), l'(1) = 0
        else:
            loss = np.mean(np.logaddexp(0, -z)) / dt.type(np.log(2))
            with np.errstate(over="ignore"):
                dl = -1 / ((1 + np.exp(z)) * dt.type(np.log(2)))
        g = dl * y / n                        # d loss / d f(x_k)
        active = (H >= 0) if bug == "relu-tie" else (H > 0)   # sigma'(h), sigma'(0) = 0
        ga = S.T @ g
        gW = a[:, None] * ((active * g[:, None]).T @ x)
        if bug == "grad-scale":
            ga = ga * dt.type(1.001)
        a_new = a - eta * (ga + lam * a)
        if not cfg["random_features"] and not (cfg["freeze_w"] and t >= 2):
            W = W - eta * (gW + lam * W)
        a = a_new
        if bug == "decay":
            b = b - eta * lam * b             # b is never trained, nor decayed (SPEC 1)
        steps.append(t), As.append(a), Ws.append(W), losses.append(loss)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "steps.npy"), np.array(steps, dtype=np.int64))
    np.save(os.path.join(out, "a.npy"), np.array(As, dtype=dt))
    np.save(os.path.join(out, "W.npy"), np.array(Ws, dtype=dt))
    np.save(os.path.join(out, "loss.npy"), np.array(losses, dtype=dt))
    meta = {"dtype": dtype, "writer": "examples/alg1_numpy.py (numpy %s)%s" %
            (np.__version__, " --bug " + bug if bug else "")}
    json.dump(meta, open(os.path.join(out, "meta.json"), "w"))
    return out


if __name__ == "__main__":
    main()
