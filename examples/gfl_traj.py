"""What every outside implementation of Algorithm 1 shares with gfl (docs/verify.md):
reading a dump written by `gfl train --dump`, the step sizes of step t, the command
line of the examples, and writing the trajectory that `gfl verify` reads
(docs/formats.md). Import it from your own code, or copy it beside it."""
import argparse
import json
import os

import numpy as np


def load_dump(dump):
    """The run's configuration (trace.json) and its arrays X, Y, a0, W0, b as float64."""
    cfg = json.load(open(os.path.join(dump, "trace.json")))["config"]
    arrays = [np.load(os.path.join(dump, name + ".npy")) for name in ("X", "Y", "a0", "W0", "b")]
    return cfg, arrays


def batch(cfg, X, Y, t):
    """The batch Z^(t-1) of step t: the first one again with a fixed batch."""
    return (X[0], Y[0]) if cfg["fixed_batch"] else (X[t - 1], Y[t - 1])


def step_sizes(cfg, t):
    """(eta, lambda) of step t: the first step has its own (SPEC 3)."""
    return (cfg["eta1"], cfg["lam1"]) if t == 1 else (cfg["eta"], cfg["lam"])


def trains_w(cfg, t):
    """Whether step t updates W (random features never; freeze_w after step 1)."""
    return not cfg["random_features"] and not (cfg["freeze_w"] and t >= 2)


def write_trajectory(out, dtype, writer, steps, As, Ws, losses=None):
    """meta.json, steps.npy, a.npy (S, m), W.npy (S, m, d) and loss.npy (S,) in out;
    each file is written to a temporary name, then renamed."""
    os.makedirs(out, exist_ok=True)
    npdt = np.dtype(dtype)

    def put(name, save):
        tmp = os.path.join(out, ".tmp." + name)
        with open(tmp, "wb") as f:
            save(f)
        os.replace(tmp, os.path.join(out, name))

    put("steps.npy", lambda f: np.save(f, np.array(steps, dtype=np.int64)))
    put("a.npy", lambda f: np.save(f, np.stack(As).astype(npdt)))
    put("W.npy", lambda f: np.save(f, np.stack(Ws).astype(npdt)))
    if losses is not None:
        put("loss.npy", lambda f: np.save(f, np.array(losses, dtype=npdt)))
    put("meta.json", lambda f: f.write(json.dumps({"dtype": dtype, "writer": writer}).encode()))
    return out


BUGS = {"decay": "weight decay also applied to b", "grad-scale": "a-gradient 0.1%% too large",
        "relu-tie": "sigma'(0) = 1"}


def main(doc, train):
    """The examples' command line: DUMP [--out DIR] [--dtype] [--bug]; calls
    train(dump, out, dtype, bug), which returns the directory it wrote."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dump", help="directory written by gfl train --dump")
    p.add_argument("--out", help="trajectory directory (default: DUMP/outside)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--bug", choices=sorted(BUGS), help="; ".join("%s: %s" % kv for kv in sorted(BUGS.items())))
    args = p.parse_args()
    out = train(args.dump, args.out or os.path.join(args.dump, "outside"), args.dtype, args.bug)
    print("wrote %s (%s%s)" % (out, args.dtype, ", --bug " + args.bug if args.bug else ""))
