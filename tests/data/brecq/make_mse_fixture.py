#!/usr/bin/env python3
"""Restates BRECQ's UniformAffineQuantizer 'mse' init (quant/quant_layer.py, channel_wise=True) with numpy
in float32 and writes mse_init.json: a few channels of fixed weights and the step and zero point it picks for
each. tst_brecq checks core/ptq/adaround.cpp's mseUniformInit against it.

Per channel: for i in 0..79, [min, max] * (1 - 0.01 i); delta = (max - min) / (2^b - 1);
zero point = round(-min / delta); q = (clamp(round(x / delta) + zp, 0, 2^b - 1) - zp) * delta;
score = mean |x - q|^2.4; the first strict minimum wins (best starts at 1e10).
Run: python3 make_mse_fixture.py  (numpy only)."""
import json
import os

import numpy as np


def mse_init(x, bits):
    x = x.astype(np.float32)
    x_max, x_min = x.max(), x.min()
    top = np.float32(2 ** bits - 1)
    best, delta, zero, margin = np.float32(1e10), None, None, None
    scores = []
    for i in range(80):
        shrink = np.float32(1.0 - i * 0.01)  # torch applies the python float to float32 tensors as float32
        new_max, new_min = x_max * shrink, x_min * shrink
        d = (new_max - new_min) / top
        zp = np.round(-new_min / d)  # half to even, as torch.round
        q = (np.clip(np.round(x / d) + zp, 0, top) - zp) * d
        score = np.mean(np.abs(x - q) ** np.float32(2.4), dtype=np.float32)
        scores.append(float(score))
        if score < best:
            best, delta, zero = score, d, zp
    ordered = sorted(scores)
    return float(delta), float(zero), (ordered[1] - ordered[0]) / ordered[0]


def main():
    rng = np.random.default_rng(1005)
    channels = []
    # Skewed, heavy-tailed and near-symmetric channels, so the search lands at different shrink steps.
    channels.append(rng.standard_normal(27) * 0.1)
    channels.append(np.abs(rng.standard_normal(27)) * 0.05 - 0.01)
    w = rng.standard_normal(27) * 0.02
    w[3] = 0.25  # an outlier the search clips
    channels.append(w)
    channels.append(rng.laplace(0.0, 0.03, 27))
    weights = np.stack(channels).astype(np.float32)
    cases = []
    for bits in (2, 4, 8):
        picks = [mse_init(c, bits) for c in weights]
        cases.append({"bits": bits,
                      "delta": [p[0] for p in picks],
                      "zero_point": [p[1] for p in picks],
                      "relative_score_margin": [p[2] for p in picks]})
    out = {"source": "tests/data/brecq/make_mse_fixture.py (BRECQ quant_layer.py 'mse' init restated)",
           "weights": [[float(v) for v in row] for row in weights],
           "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mse_init.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
