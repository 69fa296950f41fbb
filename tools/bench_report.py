#!/usr/bin/python3
"""make bench, last stage: reads the results tools/bench.sh collected
(results.tsv and the JSON files of its commands in TMP), prints the ratio
lines, and writes OUT/bench.json, OUT/report.md and the log-log figure
OUT/scaling.png (with OUT/scaling.dat and OUT/scaling.gp).  docs/performance.md
explains every figure.

usage: bench_report.py TMP OUT
"""
import json
import math
import os
import subprocess
import sys


def load(tmp, name):
    path = os.path.join(tmp, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def fit_slope(xs, ys):
    """Least-squares slope of log(y) against log(x)."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    tmp, out = sys.argv[1], sys.argv[2]
    res, scale = {}, []
    with open(os.path.join(tmp, "results.tsv")) as f:
        for line in f:
            key, _, val = line.rstrip("\n").partition("\t")
            if key == "scale":
                path, dim, d, m, n, T, sec = val.split()
                scale.append({"path": path, "dim": dim, "d": int(d), "m": int(m), "n": int(n), "T": int(T),
                              "step_seconds": float(sec) / int(T)})
            else:
                res[key] = val
    b = {"load_average_start": res["load_start"], "load_average_end": res["load_end"], "cores": int(res["nproc"])}
    lines = []

    def line(label, value, cmd, target=""):
        lines.append((label, value, cmd, target))
        print("%-44s %12s   %s" % (label + (" [" + target + "]" if target else ""), value, cmd))

    def timed(key):
        wall, user, sys_, mib = res[key].split()
        return {"wall_s": float(wall), "user_s": float(user), "sys_s": float(sys_), "peak_mib": int(mib),
                "cpu_over_wall": (float(user) + float(sys_)) / float(wall) if float(wall) > 0 else None}

    dg = load(tmp, "dgemm.json")
    b["fast_vs_dgemm"] = {"fast_gflops": dg["gflops_equivalent"], "dgemm_gflops": dg["dgemm"]["gflops"],
                          "dgemm_n": dg["dgemm"]["n"], "ratio": dg["ratio_to_dgemm"], "command": res["cmd_dgemm"]}
    line("fast / dgemm (d 256, m 1024, n 8192)", "%.3f" % dg["ratio_to_dgemm"], res["cmd_dgemm"], ">= 0.9")
    line("  fast GFLOP/s-eq., dgemm 2048 GFLOP/s", "%.1f, %.1f" % (dg["gflops_equivalent"], dg["dgemm"]["gflops"]),
         "(same run)")
    ft, tt = load(tmp, "fast_torch.json"), load(tmp, "torch.json")
    if tt:
        r_total = tt["step_seconds"] / ft["step_seconds"]
        # the median step time where both runs have it (robust to a burst of load)
        med = "step_median_seconds" in tt and "step_median_seconds" in ft
        r = tt["step_median_seconds"] / ft["step_median_seconds"] if med else r_total
        b["fast_vs_torch"] = {"fast_seconds": ft["step_seconds"], "torch_seconds": tt["step_seconds"],
                              "fast_median_step": ft.get("step_median_seconds"),
                              "torch_median_step": tt.get("step_median_seconds"), "torch": tt["torch"],
                              "threads": tt["threads"], "speedup": r, "speedup_total": r_total,
                              "command_fast": res["cmd_fast_torch"], "command_torch": res["cmd_torch"]}
        line("fast vs PyTorch float64: speed-up (median step)", "%.2f" % r,
             res["cmd_fast_torch"] + " ; " + res["cmd_torch"], ">= 3")
        line("  same, total of the 30 steps", "%.2f" % r_total, "(same runs)")
    cd, cs = load(tmp, "cmp_default.json"), load(tmp, "cmp_small.json")
    comp = timed("compare_default")
    b["compare_default"] = dict(comp, command=res["cmd_compare_default"], verdict=cd["verdict"],
                                ref_seconds=cd["ref"]["seconds"], fast_seconds=cd["fast"]["seconds"],
                                check_seconds=cd["check_seconds"])
    b["compare_small"] = dict(timed("compare_small"), command=res["cmd_compare_small"], verdict=cs["verdict"])
    line("compare xor (default): wall s", "%.1f" % comp["wall_s"], res["cmd_compare_default"], "<= 60")
    line("  its CPU s, CPU / wall, peak MiB", "%.1f, %.2f, %d" % (comp["user_s"] + comp["sys_s"], comp["cpu_over_wall"],
                                                                 comp["peak_mib"]), "(same run)")
    for key, doc in (("small", cs), ("default", cd)):
        r = doc["ref"]["seconds"] / doc["fast"]["seconds"]
        b["ref_over_fast_" + key] = r
        line("ref / fast per step (%s)" % key, "%.1f" % r, res["cmd_compare_" + key], "<= 100" if key == "default" else "")
    rt = timed("ref_threads2")
    b["ref_threads2"] = dict(rt, command=res["cmd_ref_threads2"])
    line("ref --threads 2: CPU / wall", "%.2f" % rt["cpu_over_wall"], res["cmd_ref_threads2"], ">= 1.7")
    for key, label in (("check_fast", "check xor, fast (default)"), ("check_ref", "check xor, ref (default)"),
                       ("proofs", "make proofs")):
        t = timed(key)
        b[key] = dict(t, command=res["cmd_" + key])
        line(label + ": wall s, peak MiB", "%.1f, %d" % (t["wall_s"], t["peak_mib"]), res["cmd_" + key],
             "<= 360 s" if key == "proofs" else "")
    # growth with m, n, d
    slopes = {}
    dat = []
    for path in ("fast", "ref"):
        for dim in ("m", "n", "d"):
            pts = [s for s in scale if s["path"] == path and s["dim"] == dim]
            if len(pts) < 2:
                continue
            xs = [p[dim] for p in pts]
            ys = [p["step_seconds"] for p in pts]
            if min(ys) <= 0:
                continue
            slopes["%s_%s" % (path, dim)] = fit_slope(xs, ys)
            dat.append((path, dim, xs, ys))
    b["scaling"] = {"points": scale, "slopes": slopes, "command": res["cmd_scale"]}
    for k, v in sorted(slopes.items()):
        line("slope of step time in %s (%s path)" % (k.split("_")[1], k.split("_")[0]), "%.2f" % v, res["cmd_scale"],
             "~1")
    # the figure: step time against the size of the dimension varied, relative to the base
    with open(os.path.join(out, "scaling.dat"), "w") as f:
        for path, dim, xs, ys in dat:
            f.write("# %s %s\n" % (path, dim))
            for x, y in zip(xs, ys):
                f.write("%g %g %g\n" % (x / xs[0], y, y / ys[0]))
            f.write("\n\n")
    plots = []
    for idx, (path, dim, xs, ys) in enumerate(dat):
        plots.append("'scaling.dat' index %d using 1:3 with linespoints title '%s path, %s (slope %.2f)'"
                     % (idx, path, dim, slopes["%s_%s" % (path, dim)]))
    gp = ("set terminal pngcairo size 800,560\nset output 'scaling.png'\nset logscale xy 2\n"
          "set xlabel 'size / base size (m, n or d doubled)'\nset ylabel 'step time / base step time'\n"
          "set key top left\nset grid\nset title 'gfl: step time against m, n and d (log-log; slope 1 = linear)'\n"
          "plot x title 'slope 1' with lines dashtype 2, " + ", ".join(plots) + "\n")
    with open(os.path.join(out, "scaling.gp"), "w") as f:
        f.write(gp)
    if subprocess.run(["gnuplot", "scaling.gp"], cwd=out).returncode != 0:
        sys.stderr.write("bench: gnuplot failed: no scaling.png\n")
    write_atomic(os.path.join(out, "bench.json"), json.dumps(b, indent=1, sort_keys=True) + "\n")
    md = ["# gfl benchmark", "",
          "Load average %s at the start, %s at the end, on %d cores (docs/performance.md explains each line)."
          % (b["load_average_start"], b["load_average_end"], b["cores"]), "",
          "| figure | value | target | command |", "| --- | --- | --- | --- |"]
    for label, value, cmd, target in lines:
        md.append("| %s | %s | %s | `%s` |" % (label.strip(), value, target, cmd))
    md += ["", "![step time against m, n and d](scaling.png)", ""]
    write_atomic(os.path.join(out, "report.md"), "\n".join(md))
    print("bench: %s/bench.json, %s/report.md, %s/scaling.png" % (out, out, out))


if __name__ == "__main__":
    main()
