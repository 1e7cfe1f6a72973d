#!/usr/bin/python3
"""Writes the fixtures tests/core/tst_official_parity.cpp checks QuantScope's quantizers against.

Each quantizer below is restated from its official source, written here in our own words (the sources are
read, not imported), and run under PyTorch (Debian python3-torch 1.13, float32, CPU) on fixed inputs:

  ewgs_activation.txt  EWGS, cvlab-yonsei/EWGS CIFAR10/custom_modules.py (commit 56c654c): QConv's activation
                       path x -> clamp((x - lA) / (uA - lA), 0, 1) -> EWGS_discretizer (torch.round, half to
                       even; backward g * (1 + delta * sign(g) * (x_n - x_q))), and STE_discretizer (delta 0).
                       lA = 0 (post-ReLU inputs). QuantScope's activation quantizer returns the level in input
                       units, alpha * q, so the fixture's output is uA * x_q with uA the same leaf tensor; the
                       gradients are autograd's through that expression.
  daq.txt              DAQ, cvlab-yonsei/DAQ models/resnet20_DAQ.py (commit 58910f0): QConv.w_soft_quan /
                       a_soft_quan with w_soft_argmax / a_soft_argmax and the custom `absol` backward (sign(0)
                       taken as +1), the whole-tensor max in the softmax, the detached temperature; gradients of
                       the input, l and u (activations: l = 0 fixed, as the code's curr_running_la).
  dsq.txt              DSQ, ModelTC/MQBench mqbench/fake_quantize/dsq.py: dsq_function_per_tensor (forward
                       round of the tanh surrogate, backward the surrogate's slope); gradient of the input (scale
                       and zero point are observer buffers there, not learned).
  apot_levels.txt      APoT, yhhhli/APoT_Quantization CIFAR10/models/quant_layer.py: build_power_value(B,
                       additive), a float32 tensor of a Python set, divided by its max; printed sorted.

Rows include exact rounding ties and the floats next to them (found by scanning a few ulps around each
midpoint), so the tie rule is checked, not only the bulk.

File format (text): lines starting with '#' are comments. `case KEY=VALUE ...` starts a block; the rows after
it are whitespace-separated float values (Python repr of float32 values, exact), whose columns the file's
`columns` line names. Run from anywhere: /usr/bin/python3 tests/data/official/make_fixtures.py
"""

import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
F32 = torch.float32


def fmt(v):
    return repr(float(v))


def near_ties(centres, ulps=3):
    """float32 values within `ulps` ulps of each centre (the centres rounded to float32 included)."""
    out = []
    for c in centres:
        x = torch.tensor(c, dtype=F32)
        out.append(x.clone())
        up, down = x.clone(), x.clone()
        for _ in range(ulps):
            up = torch.nextafter(up, torch.tensor(math.inf, dtype=F32))
            down = torch.nextafter(down, torch.tensor(-math.inf, dtype=F32))
            out += [up.clone(), down.clone()]
    return torch.stack(out)


# ---------------------------------------------------------------------------------------------------------
# EWGS (custom_modules.py): the discretizers and QConv.act_quantization.

class EwgsDiscretizer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_in, num_levels, scaling_factor):
        x_out = torch.round(x_in * (num_levels - 1)) / (num_levels - 1)
        ctx._scaling_factor = scaling_factor
        ctx.save_for_backward(x_in - x_out)
        return x_out

    @staticmethod
    def backward(ctx, g):
        (diff,) = ctx.saved_tensors
        return g * (1 + ctx._scaling_factor * torch.sign(g) * diff), None, None


class SteDiscretizer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_in, num_levels):
        return torch.round(x_in * (num_levels - 1)) / (num_levels - 1)

    @staticmethod
    def backward(ctx, g):
        return g, None


def ewgs_activation(x, lA, uA, levels, delta, baseline):
    xn = ((x - lA) / (uA - lA)).clamp(min=0, max=1)
    if baseline:
        return SteDiscretizer.apply(xn, levels)
    return EwgsDiscretizer.apply(xn, levels, delta)


def write_ewgs(path):
    gen = torch.Generator().manual_seed(13)
    lines = ["# EWGS activation path (official custom_modules.py), lA = 0; y = uA * x_q",
             "columns x g y dydx", "# case scalars: d_uA = d(sum g * y) / d uA"]
    # (bits, uA, delta, baseline): the delta buffer is a float32 tensor in the official QConv.
    for bits, ua, delta, baseline in [(2, 1.0, 0.3, False), (2, 2.5, 0.7, False), (3, 0.75, 1.5, False),
                                      (4, 6.0, 0.05, False), (2, 1.7, 0.0, True), (3, 4.0, 0.0, True)]:
        levels = 2 ** bits
        n = levels - 1
        bulk = torch.rand(40, generator=gen, dtype=F32) * 1.3 * ua
        ties = near_ties([ua * (k + 0.5) / n for k in range(n)])
        edges = torch.tensor([0.0, ua, 1.2 * ua, ua * 1 / n, ua * 2 / n], dtype=F32)
        x = torch.cat([bulk, ties, edges]).contiguous()
        g = torch.randn(x.numel(), generator=gen, dtype=F32)
        g[::17] = 0.0  # sign(0) = 0: the scale is exactly 1 there
        xl = x.clone().requires_grad_(True)
        ual = torch.tensor(ua, dtype=F32, requires_grad=True)
        la = torch.tensor(0.0, dtype=F32)
        dl = torch.tensor(delta, dtype=F32)
        y = ual * ewgs_activation(xl, la, ual, levels, dl, baseline)
        (y * g).sum().backward()
        lines.append("case bits=%d uA=%s delta=%s baseline=%d d_uA=%s" %
                     (bits, fmt(ua), fmt(dl), int(baseline), fmt(ual.grad)))
        for i in range(x.numel()):
            lines.append(" ".join(fmt(v) for v in (x[i], g[i], y[i], xl.grad[i])))
    open(path, "w").write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------
# DAQ (resnet20_DAQ.py): absol, w_soft_quan / a_soft_quan and the soft argmax they share.

class Absol(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.abs()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = ((torch.sign(x) + 1 + 1e-6) / 2).round()  # sign with sign(0) := +1
        return grad_output * (2 * s - 1)


Q_VALUE = torch.tensor([0.0, 1.0], dtype=F32)


def daq_soft_argmax(x, T, sigma):
    q_value = Q_VALUE.reshape(2, *([1] * x.dim()))
    x_floor = x.floor()
    x = x - x_floor.detach()
    m_p = torch.exp(-Absol.apply(x.unsqueeze(0).repeat(2, *([1] * x.dim())) - q_value))
    _, max_idx = m_p.max(dim=0)
    max_idx = max_idx.unsqueeze(0).float()
    k_p = torch.exp(-(torch.pow(q_value - max_idx, 2).float() / (sigma ** 2)))
    score = m_p * k_p
    temperature = (T / (score[0] - score[1]).abs()).detach()
    tmp_score = temperature * score
    prob = torch.exp(tmp_score - tmp_score.max())
    prob = prob / prob.sum(dim=0, keepdim=True)
    q_var = q_value.clone()
    shift = 1 / (torch.exp(torch.tensor(T).float()) - 1)
    q_var[0] = q_var[0] - shift
    q_var[1] = q_var[1] + shift
    return (q_var * prob).sum(dim=0) + x_floor


def daq_soft_quan(x, u, l, bit_range, T, sigma, weight):
    delta = (u - l) / bit_range
    interval = torch.clamp((x - l) / delta, min=0, max=bit_range)
    y = daq_soft_argmax(interval, T, sigma)
    return (2 * y - bit_range) / bit_range if weight else y / bit_range


def write_daq(path):
    gen = torch.Generator().manual_seed(6)
    lines = ["# DAQ soft quantizer (official resnet20_DAQ.py), loss = sum(g * Q)",
             "columns x g q dqdx", "# case scalars: d_l, d_u (d_l is 0 for activations: l is the constant 0)"]
    # weights: sigma 1, gamma 2 (module globals); activations: sigma 2, gamma 2 (config a_sig, a_temp).
    for bits, weight, lo, hi, gamma, sigma in [(1, True, -3.0, 3.0, 2.0, 1.0), (2, True, -2.5, 2.0, 2.0, 1.0),
                                                (1, False, 0.0, 2.0, 2.0, 2.0), (2, False, 0.0, 1.5, 2.0, 2.0),
                                                (3, True, -1.75, 1.75, 2.0, 1.0)]:
        br = 2 ** bits - 1
        span = hi - lo
        bulk = lo - 0.2 * span + torch.rand(40, generator=gen, dtype=F32) * 1.4 * span
        ties = near_ties([lo + span * (k + 0.5) / br for k in range(br)], ulps=2)
        grid = torch.tensor([lo + span * k / br for k in range(br + 1)], dtype=F32)
        x = torch.cat([bulk, ties, grid]).contiguous()
        g = torch.randn(x.numel(), generator=gen, dtype=F32)
        xl = x.clone().requires_grad_(True)
        ul = torch.tensor(hi, dtype=F32, requires_grad=True)
        ll = torch.tensor(lo, dtype=F32, requires_grad=weight)
        q = daq_soft_quan(xl, ul, ll if weight else 0, br, gamma, sigma, weight)
        (q * g).sum().backward()
        dl = ll.grad if weight else torch.tensor(0.0)
        lines.append("case bits=%d signed=%d l=%s u=%s gamma=%s sigma=%s d_l=%s d_u=%s" %
                     (bits, int(weight), fmt(lo), fmt(hi), fmt(gamma), fmt(sigma), fmt(dl), fmt(ul.grad)))
        for i in range(x.numel()):
            lines.append(" ".join(fmt(v) for v in (x[i], g[i], q[i], xl.grad[i])))
    open(path, "w").write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------
# DSQ (MQBench dsq.py): dsq_function_per_tensor.

def mqbench_dsq(x, scale, zero_point, quant_min, quant_max, alpha):
    tanh_scale = 1 / (1 - alpha)
    tanh_k = math.log((tanh_scale + 1) / (tanh_scale - 1))
    x = x / scale + zero_point
    x = torch.clamp(x, quant_min, quant_max)
    x = x.floor() + (tanh_scale * torch.tanh(tanh_k * (x - x.floor() - 0.5))) * 0.5 + 0.5
    x = (x.round() - x).detach() + x
    return (x - zero_point) * scale


def write_dsq(path):
    gen = torch.Generator().manual_seed(5)
    lines = ["# MQBench DSQ per tensor; QuantScope range l = (qmin - zp) * scale, u = (qmax - zp) * scale",
             "columns x g y dydx"]
    # quant_min is even in every case: QuantScope rounds (x - l) / Delta, MQBench x / scale + zp, and the two
    # agree on ties only when quant_min is even (see the DSQ codeNote).
    for qmin, qmax, zp, scale, alpha in [(-2, 1, 0, 0.5, 0.4), (0, 3, 1, 0.25, 0.2), (-8, 7, 0, 0.125, 0.4),
                                         (0, 15, 3, 0.3, 0.1), (-4, 3, 0, 0.7, 0.5), (0, 1, 0, 1.5, 0.3)]:
        lo, hi = (qmin - zp) * scale, (qmax - zp) * scale
        span = hi - lo
        bulk = lo - 0.2 * span + torch.rand(40, generator=gen, dtype=F32) * 1.4 * span
        ties = near_ties([(k + 0.5 - zp) * scale for k in range(qmin, qmax)], ulps=2)
        grid = torch.tensor([(k - zp) * scale for k in range(qmin, qmax + 1)], dtype=F32)
        x = torch.cat([bulk, ties, grid]).contiguous()
        g = torch.randn(x.numel(), generator=gen, dtype=F32)
        xl = x.clone().requires_grad_(True)
        y = mqbench_dsq(xl, torch.tensor(scale, dtype=F32), torch.tensor(zp, dtype=torch.int), qmin, qmax, alpha)
        (y * g).sum().backward()
        bits = int(round(math.log2(qmax - qmin + 1)))
        lines.append("case bits=%d qmin=%d qmax=%d zp=%d scale=%s alpha=%s l=%s u=%s" %
                     (bits, qmin, qmax, zp, fmt(torch.tensor(scale, dtype=F32)), fmt(alpha),
                      fmt(torch.tensor(lo, dtype=F32)), fmt(torch.tensor(hi, dtype=F32))))
        for i in range(x.numel()):
            lines.append(" ".join(fmt(v) for v in (x[i], g[i], y[i], xl.grad[i])))
    open(path, "w").write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------
# APoT (quant_layer.py): build_power_value.

def build_power_value(B, additive):
    base_a, base_b, base_c = [0.], [0.], [0.]
    if additive:
        if B == 2:
            base_a += [2 ** (-i - 1) for i in range(3)]
        elif B == 4:
            for i in range(3):
                base_a.append(2 ** (-2 * i - 1))
                base_b.append(2 ** (-2 * i - 2))
        elif B == 6:
            for i in range(3):
                base_a.append(2 ** (-3 * i - 1))
                base_b.append(2 ** (-3 * i - 2))
                base_c.append(2 ** (-3 * i - 3))
        elif B == 3:
            for i in range(3):
                if i < 2:
                    base_a.append(2 ** (-i - 1))
                else:
                    base_b.append(2 ** (-i - 1))
                    base_a.append(2 ** (-i - 2))
        elif B == 5:
            for i in range(3):
                if i < 2:
                    base_a.append(2 ** (-2 * i - 1))
                    base_b.append(2 ** (-2 * i - 2))
                else:
                    base_c.append(2 ** (-2 * i - 1))
                    base_a.append(2 ** (-2 * i - 2))
                    base_b.append(2 ** (-2 * i - 3))
    else:
        base_a += [2 ** (-i - 1) for i in range(2 ** B - 1)]
    values = torch.Tensor(list({a + b + c for a in base_a for b in base_b for c in base_c}))
    return values.mul(1.0 / torch.max(values))


def write_apot(path):
    lines = ["# build_power_value(B, additive) of the official APoT code, sorted", "columns level"]
    for additive, bs in [(1, range(2, 7)), (0, range(1, 8))]:
        for B in bs:
            lines.append("case B=%d additive=%d" % (B, additive))
            lines += [fmt(v) for v in torch.sort(build_power_value(B, bool(additive))).values]
    open(path, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    write_ewgs(os.path.join(HERE, "ewgs_activation.txt"))
    write_daq(os.path.join(HERE, "daq.txt"))
    write_dsq(os.path.join(HERE, "dsq.txt"))
    write_apot(os.path.join(HERE, "apot_levels.txt"))
