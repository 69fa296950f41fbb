#!/usr/bin/python3
"""Algorithm 1 (SPEC 3) in numpy, trained on a gfl dump, writing the trajectory
that `gfl verify` holds to the reference (docs/verify.md):

    bin/gfl train --case xor --preset small --T 40 --dump run
    /usr/bin/python3 examples/alg1_numpy.py run --dtype float32
    bin/gfl verify run

--bug plants a known defect, to see what gfl verify says about it.
"""
import numpy as np

import gfl_traj


def train(dump, out, dtype, bug=None):
    """Trains on the dump in dtype, writes the trajectory into out, returns out."""
    dt = np.dtype(dtype)
    cfg, arrays = gfl_traj.load_dump(dump)
    X, Y, a, W, b = (v.astype(dt) for v in arrays)
    n = X.shape[1]
    steps, As, Ws, losses = [0], [a], [W], [np.nan]
    for t in range(1, cfg["T"] + 1):
        x, y = gfl_traj.batch(cfg, X, Y, t)
        eta, lam = (dt.type(v) for v in gfl_traj.step_sizes(cfg, t))
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
        if gfl_traj.trains_w(cfg, t):
            W = W - eta * (gW + lam * W)
        a = a_new
        if bug == "decay":
            b = b - eta * lam * b             # b is never trained, nor decayed (SPEC 1)
        steps.append(t), As.append(a), Ws.append(W), losses.append(loss)
    writer = "examples/alg1_numpy.py (numpy %s)%s" % (np.__version__, " --bug " + bug if bug else "")
    return gfl_traj.write_trajectory(out, dtype, writer, steps, As, Ws, losses)


if __name__ == "__main__":
    gfl_traj.main(__doc__, train)
