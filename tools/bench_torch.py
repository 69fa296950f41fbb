#!/usr/bin/python3
"""Algorithm 1 (SPEC 3) in PyTorch float64, the anchor of make bench's
"fast / PyTorch" line: the same work as one fast-path step of gfl (forward
H = X W^T - b, ReLU, f = sigma(H) a, hinge loss and g_k, dL/da, dL/dW, the
update and the three norms), timed over T steps with the batches drawn
outside the timed part; the total and the median step time are printed.

usage: bench_torch.py D M N T THREADS SEED   (prints one JSON line)
"""
import json
import statistics
import sys
import time

import torch


def main():
    if len(sys.argv) != 7:
        sys.stderr.write("usage: bench_torch.py D M N T THREADS SEED\n")
        return 2
    d, m, n, T, threads, seed = (int(v) for v in sys.argv[1:])
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(seed)
    dt = torch.float64
    a = torch.randn(m, generator=g, dtype=dt)
    W = torch.randn(m, d, generator=g, dtype=dt)
    b = torch.full((m,), 0.5, dtype=dt)
    eta, lam = 0.1, 1e-4
    seconds, times = 0.0, []
    for _ in range(T):
        X = torch.randn(n, d, generator=g, dtype=dt)
        Y = torch.sign(X[:, 0] * X[:, 1])
        t0 = time.perf_counter()
        H = X @ W.T - b
        S = torch.relu(H)
        f = S @ a
        z = Y * f
        loss = torch.clamp(1.0 - z, min=0.0).mean()
        gk = torch.where(z < 1.0, -Y, torch.zeros_like(Y))
        ga = S.T @ gk / n
        M = (H > 0).to(dt) * gk[:, None]
        gW = (M.T @ X) * (a[:, None] / n)
        ga_l = ga + lam * a
        W = W - eta * (gW + lam * W)
        a = a - eta * ga_l
        norms = (float(loss), float(torch.linalg.norm(ga_l)), float(torch.linalg.norm(a)),
                 float(torch.linalg.norm(W)))
        times.append(time.perf_counter() - t0)
        seconds += times[-1]
    flops = 6.0 * n * m * d * T
    print(json.dumps({"torch": torch.__version__, "threads": threads, "d": d, "m": m, "n": n, "T": T,
                      "step_seconds": seconds, "step_median_seconds": statistics.median(times), "gflops_equivalent": flops / seconds / 1e9,
                      "last_norms": norms}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
