#!/usr/bin/python3
"""APoT CIFAR-10 reference model, written for QuantScope from ../shared/docs/methods.md (sections 1.1-1.7, 4.1-4.2, 8).

This is our own re-statement of the reference code's behaviour (it is not a copy of the official repository): the
level sets of `build_power_value`, the weight path `_pq` (detached weight normalization, unclipped STE, RCF alpha
gradient), the activation path `_uq` (clipped STE, RCF), the reference's N x L broadcast argmin projection, the 8-bit
max-scaled first conv / last fc, and the ResNet-20 CIFAR layout with option-B shortcuts, so its state_dict keys are
those of the APoT checkpoints:

    conv1.weight, bn1.*, layerN.M.conv{1,2}.weight, layerN.M.conv{1,2}.act_alpha,
    layerN.M.conv{1,2}.weight_quant.wgt_alpha, layerN.M.bn{1,2}.*,
    layerN.0.downsample.0.{weight,act_alpha,weight_quant.wgt_alpha}, layerN.0.downsample.1.*, fc.weight, fc.bias

Optional EWGS backward on `_pq`/`_uq` (methods.md 4.1 applied to APoT, as QuantScope does):
    g_x = g * (1 + delta * sign(g) * (x_c - q))       x_c, q in the quantizer's normalized domain (largest level 1)
and the EWGS delta update (methods.md 4.2, 8) with per-tensor or joint Hutchinson traces.

Run with /usr/bin/python3 (torch 1.13). `python3 apot_reference.py --selftest` checks the level sets against the
table in methods.md 1.1 and the hand-written backward against finite differences of the forward.
"""

import argparse
import math
import sys
from fractions import Fraction

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    "build_power_value", "power_quant", "uniform_quant", "weight_quantize_fn", "act_quantization", "QuantConv2d",
    "first_conv", "last_fc", "BasicBlock", "ResNetCifar", "resnet20_cifar", "set_ewgs_delta", "set_capture",
    "hutchinson_trace", "hutchinson_traces_joint", "ewgs_delta_update",
]


# --------------------------------------------------------------------------------------------------------------
# 1.1 Level sets


def _base_lists(B, additive=True):
    h = lambda e: 2.0 ** (-e)  # noqa: E731
    if not additive:
        return [[0.0] + [h(i) for i in range(1, 2 ** B)]]
    if B == 2:
        return [[0.0, h(1), h(2), h(3)]]
    if B == 3:
        return [[0.0, h(1), h(2), h(4)], [0.0, h(3)]]
    if B == 4:
        return [[0.0, h(1), h(3), h(5)], [0.0, h(2), h(4), h(6)]]
    if B == 5:
        return [[0.0, h(1), h(3), h(6)], [0.0, h(2), h(4), h(7)], [0.0, h(5)]]
    if B == 6:
        return [[0.0, h(1), h(4), h(7)], [0.0, h(2), h(5), h(8)], [0.0, h(3), h(6), h(9)]]
    return [[0.0]]  # the reference's fall-through: values {0} / max 0 -> NaN (never used)


def build_power_value(B=2, additive=True):
    """Every sum a + b + c of one element of each base list, de-duplicated with a set, divided by the maximum.

    The result keeps the set's iteration order (the reference's argmin runs over that unsorted order)."""
    lists = _base_lists(B, additive)
    while len(lists) < 3:
        lists.append([0.0])
    values = set()
    for a in lists[0]:
        for b in lists[1]:
            for c in lists[2]:
                values.add(a + b + c)
    values = list(values)
    top = max(values)
    with torch.no_grad():
        t = torch.tensor(values, dtype=torch.float32)
        return t / top if top > 0 else t / 0.0


def power_quant(x, value_s):
    """Nearest level by the reference's broadcast: |x (1 x N) - v (L x 1)| -> argmin over L. O(N L) memory."""
    shape = x.shape
    flat = x.reshape(-1)
    value_s = value_s.type_as(flat)
    idxs = (flat.unsqueeze(0) - value_s.unsqueeze(1)).abs().min(dim=0)[1]
    return value_s[idxs].view(shape)


def uniform_quant(x, b):
    """round(x * (2^b - 1)) / (2^b - 1) on [0, 1] magnitudes (b = 1: {0, 1}, i.e. ternary once the sign is applied)."""
    n = 2 ** b - 1
    return x.mul(n).round().div(n)


# --------------------------------------------------------------------------------------------------------------
# 1.3 / 1.4 autograd Functions (+ optional EWGS backward)


def _ewgs_factor(g, xc, q, delta):
    if delta == 0.0:
        return None
    return 1.0 + delta * torch.sign(g).detach() * (xc - q)


class _pq(torch.autograd.Function):
    """Weights: forward alpha * sign(xc) P(|xc|), xc = clamp(wn / alpha, -1, 1); backward: unclipped STE, RCF alpha."""

    @staticmethod
    def forward(ctx, input, alpha, grids, bits, power, delta):
        x = input.div(alpha)  # the reference divides in place on the normalized copy; same values
        xc = x.clamp(-1, 1)
        sign = xc.sign()
        mag = xc.abs()
        q = power_quant(mag, grids).mul(sign) if power else uniform_quant(mag, bits).mul(sign)
        ctx.save_for_backward(x, q)
        ctx.delta = delta
        return q.mul(alpha)

    @staticmethod
    def backward(ctx, grad_output):
        # Plain differentiable tensor ops, so EWGS's create_graph backward goes through.
        x, q = ctx.saved_tensors
        i = (x.abs() > 1.0).float()
        e = _ewgs_factor(grad_output, x.clamp(-1, 1), q, ctx.delta)
        if e is None:
            grad_input = grad_output.clone()  # "grad for weights will not be clipped"
            grad_alpha = (grad_output * (x.sign() * i + (q - x) * (1 - i))).sum()
        else:
            grad_input = grad_output * e
            grad_alpha = (grad_output * (x.sign() * i + (q - x * e) * (1 - i))).sum()
        return grad_input, grad_alpha, None, None, None, None


class _uq(torch.autograd.Function):
    """Activations: forward alpha * P(min(x / alpha, 1)); backward: clipped STE, RCF alpha."""

    @staticmethod
    def forward(ctx, input, alpha, grids, bits, power, delta):
        y = input.div(alpha)
        yc = y.clamp(max=1)
        q = power_quant(yc, grids) if power else uniform_quant(yc, bits)
        ctx.save_for_backward(y, q)
        ctx.delta = delta
        return q.mul(alpha)

    @staticmethod
    def backward(ctx, grad_output):
        y, q = ctx.saved_tensors
        i = (y > 1.0).float()
        e = _ewgs_factor(grad_output, y.clamp(max=1), q, ctx.delta)
        if e is None:
            grad_input = grad_output * (1 - i)
            grad_alpha = (grad_output * (i + (q - y) * (1 - i))).sum()
        else:
            grad_input = grad_output * e * (1 - i)
            grad_alpha = (grad_output * (i + (q - y * e) * (1 - i))).sum()
        return grad_input, grad_alpha, None, None, None, None


class weight_quantize_fn(nn.Module):
    """b-bit signed weights: 1 sign bit + (b - 1) magnitude bits; APoT (power) only when b > 2, else ternary."""

    def __init__(self, w_bit, power=True):
        super().__init__()
        assert 2 <= w_bit <= 8 or w_bit == 32
        self.w_bit = w_bit - 1
        self.power = power if w_bit > 2 else False
        self.grids = build_power_value(self.w_bit, additive=True)
        self.wgt_alpha = nn.Parameter(torch.tensor(3.0))
        self.ewgs_delta = 0.0

    def forward(self, weight):
        if self.w_bit == 31:
            return weight
        mean = weight.data.mean()
        std = weight.data.std()  # unbiased, no epsilon, detached
        wn = weight.add(-mean).div(std)
        return _pq.apply(wn, self.wgt_alpha, self.grids, self.w_bit, self.power, self.ewgs_delta)


class act_quantization(nn.Module):
    def __init__(self, b, grids, power=True):
        super().__init__()
        self.b = b
        self.grids = grids
        self.power = power
        self.ewgs_delta = 0.0

    def forward(self, x, alpha):
        return _uq.apply(x, alpha, self.grids, self.b, self.power, self.ewgs_delta)


class QuantConv2d(nn.Conv2d):
    """Conv with APoT weights (weight_quant.wgt_alpha, init 3.0) and APoT input activations (act_alpha, init 8.0)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=False, bit=4, power=True):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias=bias)
        self.layer_type = "QuantConv2d"
        self.bit = bit
        self.weight_quant = weight_quantize_fn(w_bit=bit, power=power)
        self.act_grid = build_power_value(bit, additive=True)
        self.act_alq = act_quantization(bit, self.act_grid, power=power)
        self.act_alpha = nn.Parameter(torch.tensor(8.0))
        self.capture = False
        self.buff_weight = None
        self.buff_act = None

    def forward(self, x):
        weight_q = self.weight_quant(self.weight)
        xq = self.act_alq(x, self.act_alpha)
        if self.capture:  # EWGS delta update: the discretizer outputs, with their gradients
            weight_q.retain_grad()
            xq.retain_grad()
            self.buff_weight, self.buff_act = weight_q, xq
        return F.conv2d(xq, weight_q, self.bias, self.stride, self.padding, self.dilation, self.groups)


def _max_scaled_8bit(weight):
    m = weight.data.max()  # max, not abs-max, no clamp
    wq = weight.div(m).mul(127).round().div(127).mul(m)
    return (wq - weight).detach() + weight  # STE


class first_conv(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(x, _max_scaled_8bit(self.weight), self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


class last_fc(nn.Linear):
    def forward(self, x):
        return F.linear(x, _max_scaled_8bit(self.weight), self.bias)


# --------------------------------------------------------------------------------------------------------------
# ResNet-20 CIFAR (APoT layout)


def conv3x3(in_planes, out_planes, stride=1, float_=False, bit=4):
    if float_:
        return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)
    return QuantConv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False, bit=bit)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, float_=False, bit=4):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride, float_, bit)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, 1, float_, bit)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out = out + residual
        return self.relu(out)


class _OptionA(nn.Module):
    """Zero-padded identity with stride-2 subsampling (parameter-free). Only used to match QuantScope's default
    benchmark model (`bench train-step` builds option A); the APoT reference itself is option B."""

    def __init__(self, planes, stride):
        super().__init__()
        self.pad = planes // 4
        self.stride = stride

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad, self.pad))


class ResNetCifar(nn.Module):
    def __init__(self, block, layers, num_classes=10, float_=False, bit=4, in_channels=3, shortcut="B"):
        super().__init__()
        self.inplanes = 16
        self.float_ = float_
        self.bit = bit
        self.shortcut = shortcut
        self.conv1 = first_conv(in_channels, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, 16, layers[0])
        self.layer2 = self._make_layer(block, 32, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 64, layers[2], stride=2)
        self.fc = last_fc(64 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):  # QuantConv2d and first_conv included
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2.0 / n))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            if self.shortcut == "A":
                downsample = _OptionA(planes, stride)
            elif self.float_:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                    nn.BatchNorm2d(planes * block.expansion))
            else:
                downsample = nn.Sequential(
                    QuantConv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False,
                                bit=self.bit),
                    nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.float_, self.bit)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, 1, None, self.float_, self.bit))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.avg_pool2d(x, x.shape[-1]) if x.shape[-1] == x.shape[-2] else F.adaptive_avg_pool2d(x, 1)
        x = x.flatten(1)  # the reference's AvgPool2d(8) on 32x32 inputs
        return self.fc(x)


def resnet20_cifar(bit=4, float_=False, num_classes=10, in_channels=3, shortcut="B"):
    return ResNetCifar(BasicBlock, [3, 3, 3], num_classes=num_classes, float_=float_, bit=bit,
                       in_channels=in_channels, shortcut=shortcut)


def quant_convs(model):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, QuantConv2d)]


def set_ewgs_delta(model, delta_w, delta_a=None):
    """Sets every QuantConv2d's EWGS delta (a number, or one per layer); 0 is the plain STE."""
    layers = quant_convs(model)
    if delta_a is None:
        delta_a = delta_w
    for k, (_, m) in enumerate(layers):
        m.weight_quant.ewgs_delta = float(delta_w[k] if isinstance(delta_w, (list, tuple)) else delta_w)
        m.act_alq.ewgs_delta = float(delta_a[k] if isinstance(delta_a, (list, tuple)) else delta_a)


def set_capture(model, on):
    for _, m in quant_convs(model):
        m.capture = on
        if not on:
            m.buff_weight = m.buff_act = None


# --------------------------------------------------------------------------------------------------------------
# Hutchinson (methods.md 8) and the EWGS delta update (methods.md 4.2)


def _rademacher(p, generator=None):
    v = torch.randint(0, 2, p.shape, generator=generator, dtype=p.dtype, device=p.device)
    v[v == 0] = -1
    return v


def hutchinson_trace(grad, param, max_iter=50, tol=1e-3, reference_denominator=False, generator=None):
    """Tr(d2L/dp2) ~ mean v^T H v, one Hessian-vector product per Rademacher sample, for one tensor.
    Returns (trace, number of products)."""
    samples = []
    prev = 0.0
    for _ in range(max_iter):
        v = _rademacher(param, generator)
        hv = torch.autograd.grad(grad, param, grad_outputs=v, retain_graph=True)[0]
        samples.append(float((hv * v).sum()))
        mean = sum(samples) / len(samples)
        denom = (prev if reference_denominator else abs(prev)) + 1e-6
        if abs(mean - prev) / denom < tol:
            return mean, len(samples)
        prev = mean
    return sum(samples) / len(samples), len(samples)


def hutchinson_traces_joint(grads, params, max_iter=50, tol=1e-3, reference_denominator=False, generator=None):
    """Every tensor's trace from one product per sample for all tensors: E[v_i^T (H v)_i] = Tr(H_ii).
    Each tensor stops at its own tolerance; the loop ends when all have stopped. Returns (traces, products)."""
    k = len(params)
    sums = [0.0] * k
    counts = [0] * k
    prev = [0.0] * k
    done = [False] * k
    products = 0
    for _ in range(max_iter):
        vs = [_rademacher(p, generator) for p in params]
        hvs = torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)
        products += 1
        for i in range(k):
            if done[i]:
                continue
            sums[i] += float((hvs[i] * vs[i]).sum())
            counts[i] += 1
            mean = sums[i] / counts[i]
            denom = (prev[i] if reference_denominator else abs(prev[i])) + 1e-6
            if abs(mean - prev[i]) / denom < tol:
                done[i] = True
            prev[i] = mean
        if all(done):
            break
    return [sums[i] / max(counts[i], 1) for i in range(k)], products


def ewgs_delta_update(model, batches, mode="per-tensor", max_iter=50, tol=1e-3, reference_denominator=False,
                      seed=0, apply=True):
    """The reference's `update_grad_scales` for APoT + EWGS: for each batch, loss.backward(create_graph=True) with
    the discretizer outputs retained, then per tensor (or jointly) Hutchinson on those outputs;
    delta += (Tr/N) / (3 std(g)) in normalized units (output = alpha * q, so scale by alpha); average over the
    batches, clip at 0. Returns (delta_w list, delta_a list, number of Hessian-vector products)."""
    layers = quant_convs(model)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    set_capture(model, True)
    sw = [0.0] * len(layers)
    sa = [0.0] * len(layers)
    products = 0
    for images, labels in batches:
        model.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward(create_graph=True)
        tensors, grads, scales = [], [], []
        for _, m in layers:
            for buf, alpha in ((m.buff_weight, m.weight_quant.wgt_alpha), (m.buff_act, m.act_alpha)):
                tensors.append(buf)
                grads.append(buf.grad)
                scales.append(float(alpha))
        if mode == "joint":
            traces, n = hutchinson_traces_joint(grads, tensors, max_iter, tol, reference_denominator, generator)
            products += n
        else:
            traces = []
            for g, p in zip(grads, tensors):
                t, n = hutchinson_trace(g, p, max_iter, tol, reference_denominator, generator)
                traces.append(t)
                products += n
        for i in range(len(layers)):
            for k, acc in ((0, sw), (1, sa)):
                j = 2 * i + k
                g = grads[j]
                acc[i] += scales[j] * (traces[j] / tensors[j].numel()) / (3.0 * float(g.std()))
        model.zero_grad(set_to_none=True)
        del loss, tensors, grads
    set_capture(model, False)
    nb = max(len(batches), 1)
    dw = [max(s / nb, 0.0) for s in sw]
    da = [max(s / nb, 0.0) for s in sa]
    if apply:
        set_ewgs_delta(model, dw, da)
    return dw, da, products


# --------------------------------------------------------------------------------------------------------------
# Self-test


def _selftest():
    expected = {
        2: [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(1)],
        3: [Fraction(k, 10) for k in (0, 1, 2, 3, 4, 6, 8, 10)],
        4: [Fraction(0), Fraction(1, 48), Fraction(1, 24), Fraction(1, 16), Fraction(1, 12), Fraction(1, 8),
            Fraction(1, 6), Fraction(3, 16), Fraction(1, 4), Fraction(1, 3), Fraction(3, 8), Fraction(1, 2),
            Fraction(2, 3), Fraction(11, 16), Fraction(3, 4), Fraction(1)],
    }
    for B, exp in expected.items():
        got = sorted(build_power_value(B).tolist())
        assert len(got) == len(exp), (B, got)
        assert all(abs(g - float(e)) < 1e-7 for g, e in zip(got, exp)), (B, got)
    assert len(build_power_value(5)) == 32 and len(build_power_value(6)) == 64
    torch.manual_seed(0)
    grids = build_power_value(3)
    # backward of _pq / _uq against the formulas (alpha) and the STE (input)
    w = torch.randn(200, dtype=torch.float64, requires_grad=True)
    a = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    g = torch.randn(200, dtype=torch.float64)
    _pq.apply(w, a, grids, 3, True, 0.0).backward(g)
    x = (w / a).detach()
    q = power_quant(x.clamp(-1, 1).abs(), grids).double() * x.clamp(-1, 1).sign()
    i = (x.abs() > 1).double()
    assert torch.allclose(w.grad, g)
    assert torch.allclose(a.grad, (g * (x.sign() * i + (q - x) * (1 - i))).sum())
    y = (torch.rand(300, dtype=torch.float64) * 3).requires_grad_()
    a2 = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    g2 = torch.randn(300, dtype=torch.float64)
    _uq.apply(y, a2, grids, 3, True, 0.0).backward(g2)
    yy = (y / a2).detach()
    i2 = (yy > 1).double()
    q2 = power_quant(yy.clamp(max=1), grids).double()
    assert torch.allclose(y.grad, g2 * (1 - i2))
    assert torch.allclose(a2.grad, (g2 * (i2 + (q2 - yy) * (1 - i2))).sum())
    # the model builds with the APoT key names
    keys = list(resnet20_cifar(bit=4).state_dict().keys())
    for k in ("conv1.weight", "layer1.0.conv1.act_alpha", "layer1.0.conv1.weight_quant.wgt_alpha",
              "layer2.0.downsample.0.weight", "layer2.0.downsample.0.act_alpha",
              "layer2.0.downsample.0.weight_quant.wgt_alpha", "layer2.0.downsample.1.running_mean", "fc.bias"):
        assert k in keys, k
    print("selftest ok")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--fp", action="store_true", help="plain convs inside the blocks (8-bit first/last layers)")
    ap.add_argument("--keys", action="store_true", help="print the state_dict keys and shapes")
    args = ap.parse_args()
    if args.selftest:
        _selftest()
        sys.exit(0)
    model = resnet20_cifar(bit=args.bits, float_=args.fp)
    if args.keys:
        for k, v in model.state_dict().items():
            print(k, tuple(v.shape))
    print(sum(p.numel() for p in model.parameters()), "parameters")
