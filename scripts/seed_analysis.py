#!/usr/bin/env python3
"""Reads the seed experiment's EWGS run (metrics.jsonl) and answers the questions docs/seed-experiment.md asks:
does the loss explode, which layer's delta grows first, and do the layers with the most weights on the zero level
get the largest delta (the seed paper's explanation)? Standard library only.

    scripts/seed_analysis.py RUNDIR [--top 5]
"""
import argparse
import json
import math
import os
import sys


def records(run_dir):
    path = os.path.join(run_dir, "metrics.jsonl")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break  # half-written last line: the run is still going
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def num(value):
    if isinstance(value, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value, math.nan)
    return float(value)


def spearman(xs, ys):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        for rank, i in enumerate(order):
            r[i] = float(rank)
        return r

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    syy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return sxy / (sxx * syy) if sxx > 0 and syy > 0 else math.nan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()

    losses, epochs, updates, layer_records, divergence = [], [], [], [], None
    for r in records(args.run_dir):
        t = r.get("type")
        if t == "step":
            losses.append((r["step"], num(r["loss"])))
        elif t == "epoch":
            epochs.append(r)
        elif t == "ewgs_update":
            updates.append(r)
        elif t == "layers":
            layer_records.append(r)
        elif t == "divergence":
            divergence = r
    if not losses:
        sys.exit(f"{args.run_dir}: no step records")

    print(f"run: {args.run_dir}")
    finite = [l for _, l in losses if math.isfinite(l)]
    first_100 = [l for s, l in losses[:100] if math.isfinite(l)]
    print(f"steps: {len(losses)}; loss first 100 steps mean {sum(first_100) / max(1, len(first_100)):.3f}; "
          f"max {max(finite):.3f}; last {losses[-1][1]:.3f}")
    for e in epochs:
        print(f"  epoch {e['epoch'] + 1}: train loss {num(e['train_loss']):.3f}, test top-1 {num(e['test_top1']):.2f}%")
    if divergence:
        print(f"divergence at step {divergence.get('step')}: {divergence.get('reason')}")

    if not updates:
        print("no EWGS updates recorded")
        return
    names = updates[0]["layers"]
    print(f"EWGS updates: {len(updates)} (steps {updates[0]['step']}..{updates[-1]['step']})")
    for kind in ("delta_w", "delta_a"):
        first = [num(v) for v in updates[0][kind]]
        last = [num(v) for v in updates[-1][kind]]
        peak = [max(num(u[kind][i]) for u in updates) for i in range(len(names))]
        order = sorted(range(len(names)), key=lambda i: -peak[i])
        print(f"{kind}: median first update {sorted(first)[len(first) // 2]:.4g}, "
              f"median last {sorted(last)[len(last) // 2]:.4g}")
        print(f"  largest peaks: " + ", ".join(f"{names[i]} {peak[i]:.4g}" for i in order[:args.top]))
        # Which layer's delta grew first: the first update at which a layer reaches 10x its first nonzero value.
        grew = []
        for i, name in enumerate(names):
            base = next((num(u[kind][i]) for u in updates if num(u[kind][i]) > 0), None)
            if base is None:
                continue
            for u in updates:
                if num(u[kind][i]) > 10 * base:
                    grew.append((u["step"], name, num(u[kind][i]) / base))
                    break
        grew.sort()
        if grew:
            print("  first to grow 10x over its first value: " +
                  ", ".join(f"{n} at step {s} ({g:.0f}x)" for s, n, g in grew[:args.top]))
        else:
            print("  no layer's delta grew 10x over its first value")

    # The zero level: the fraction of each layer's weights quantized to 0 (newest epoch-end occupancy) against
    # the layer's mean delta_w over the updates.
    if layer_records:
        zero_frac = {}
        for layer in layer_records[-1]["layers"]:
            levels, counts = layer.get("levels"), layer.get("counts")
            if not levels:
                continue
            total = sum(counts)
            zero = sum(c for v, c in zip(levels, counts) if abs(v) < 1e-12)
            zero_frac[layer["name"]] = zero / total if total else math.nan
        common = [i for i, n in enumerate(names) if n in zero_frac]
        if len(common) >= 3:
            mean_dw = [sum(num(u["delta_w"][i]) for u in updates) / len(updates) for i in common]
            zf = [zero_frac[names[i]] for i in common]
            print("weights on the zero level (newest epoch end) vs mean delta_w, per layer:")
            for i, z, d in sorted(zip(common, zf, mean_dw), key=lambda t: -t[2]):
                print(f"  {names[i]:<16} zero {100 * z:5.1f}%  mean delta_w {d:.4g}")
            print(f"Spearman rank correlation (zero fraction, mean delta_w) over {len(common)} layers: "
                  f"{spearman(zf, mean_dw):.2f}")


if __name__ == "__main__":
    main()
