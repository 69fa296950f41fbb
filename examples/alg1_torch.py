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
import math

import torch

import gfl_traj


def train(dump, out, dtype, bug=None):
    """Trains on the dump in dtype, writes the trajectory into out, returns out."""
    dt = getattr(torch, dtype)
    torch.set_num_threads(1)
    cfg, arrays = gfl_traj.load_dump(dump)
    X, Y, a, W, b = (torch.from_numpy(v).to(dt) for v in arrays)
    steps, As, Ws, losses = [0], [a.clone()], [W.clone()], [float("nan")]
    for t in range(1, cfg["T"] + 1):
        x, y = gfl_traj.batch(cfg, X, Y, t)
        eta, lam = (torch.tensor(v, dtype=dt) for v in gfl_traj.step_sizes(cfg, t))
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
            if gfl_traj.trains_w(cfg, t):
                W = W - eta * (gW + lam * W)
            a = a_new
            W = W.detach()
            if bug == "decay":
                b = b - eta * lam * b                     # b is never trained, nor decayed (SPEC 1)
        steps.append(t), As.append(a.clone()), Ws.append(W.clone()), losses.append(loss.item())
    writer = "examples/alg1_torch.py (torch %s)%s" % (torch.__version__, " --bug " + bug if bug else "")
    return gfl_traj.write_trajectory(out, dtype, writer, steps, [v.numpy() for v in As], [v.numpy() for v in Ws],
                                     losses)


if __name__ == "__main__":
    gfl_traj.main(__doc__, train)
