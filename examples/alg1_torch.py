#!/usr/bin/python3
"""Algorithm 1 (SPEC 3) in PyTorch, gradients by autograd, trained on a gfl
dump and writing the trajectory that `gfl verify` holds to the reference
(docs/verify.md):

    bin/gfl train --case xor --preset small --T 40 --dump run
    /usr/bin/python3 examples/alg1_torch.py run --dtype float32
    bin/gfl verify run

torch.relu has derivative 0 at 0 and torch.relu(1 - z) derivative 0 at z = 1,
the conventions of SPEC 1 (torch.clamp(1 - z, min=0) would give -1 at z = 1).
--bug plants a known defect, to see what gfl verify says about it.
"""
import argparse
import json
import math
import os

import numpy as np
import torch


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
    dt = getattr(torch, dtype)
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(dump, "trace.json")))["config"]
    load = lambda name: torch.from_numpy(np.load(os.path.join(dump, name))).to(dt)
    X, Y, a, W, b = load("X.npy"), load("Y.npy"), load("a0.npy"), load("W0.npy"), load("b.npy")
    steps, As, Ws, losses = [0], [a.clone()], [W.clone()], [float("nan")]
    for t in range(1, cfg["T"] + 1):
        x, y = (X[0], Y[0]) if cfg["fixed_batch"] else (X[t - 1], Y[t - 1])
        eta, lam = (cfg["eta1"], cfg["lam1"]) if t == 1 else (cfg["eta"], cfg["lam"])
        eta, lam = torch.tensor(eta, dtype=dt), torch.tensor(lam, dtype=dt)
        a.requires_grad_(True), W.requires_grad_(True)
        h = x @ W.T - b                                   # (n, m): h_ik = <w_i, x_k> - b_i
        if bug == "relu-tie":
            s = torch.where(h >= 0, h, torch.zeros_like(h))   # derivative 1 at h = 0
        else:
            s = torch.relu(h)
        z = y * (s @ a)                                   # margins y_k f(x_k)
        if cfg["loss"] == "hinge":
            loss = torch.relu(1 - z).mean()
        else:
            loss = torch.logaddexp(torch.zeros_like(z), -z).mean() / math.log(2)
        ga, gW = torch.autograd.grad(loss, (a, W))
        with torch.no_grad():
            if bug == "grad-scale":
                ga = ga * 1.001
            a_new = a - eta * (ga + lam * a)
            if not cfg["random_features"] and not (cfg["freeze_w"] and t >= 2):
                W = W - eta * (gW + lam * W)
            a = a_new
            W = W.detach()
            if bug == "decay":
                b = b - eta * lam * b                     # b is never trained, nor decayed (SPEC 1)
        steps.append(t), As.append(a.clone()), Ws.append(W.clone()), losses.append(loss.item())
    os.makedirs(out, exist_ok=True)
    npdt = np.float32 if dt == torch.float32 else np.float64
    np.save(os.path.join(out, "steps.npy"), np.array(steps, dtype=np.int64))
    np.save(os.path.join(out, "a.npy"), torch.stack(As).numpy())
    np.save(os.path.join(out, "W.npy"), torch.stack(Ws).numpy())
    np.save(os.path.join(out, "loss.npy"), np.array(losses, dtype=npdt))
    meta = {"dtype": dtype, "writer": "examples/alg1_torch.py (torch %s)%s" %
            (torch.__version__, " --bug " + bug if bug else "")}
    json.dump(meta, open(os.path.join(out, "meta.json"), "w"))
    return out


if __name__ == "__main__":
    main()
