#!/usr/bin/python3
"""Expected values for tst_ewgs, from a restatement of the official EWGS QConv and its CIFAR ResNet-20.

The restatement follows cvlab-yonsei/EWGS CIFAR10/custom_modules.py (QConv, EWGS_discretizer, STE_discretizer),
CIFAR10/custom_models.py (resnet20_quant: option-A shortcuts, FP first conv and linear, BatchNorm1d(64) before
the linear) and CIFAR10/utils.py (init_quant_model). It is written here, not copied.

Run with Debian's /usr/bin/python3 (python3-torch 1.13) from this folder:  /usr/bin/python3 make_fixtures.py
Writes expected.txt and resnet20_w2a2.pt. expected.txt lines: CASE<TAB>NAME<TAB>SHAPE (comma separated, empty
for a 0-dim tensor)<TAB>VALUES (space separated, row-major, Python repr of each float32 value as a double:
exact).
"""
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class EwgsDiscretizer(torch.autograd.Function):
    """Forward: round(x (L - 1)) / (L - 1); backward: g (1 + delta sign(g) (x_n - x_q))."""

    @staticmethod
    def forward(ctx, x_in, levels, delta):
        x_out = torch.round(x_in * (levels - 1)) / (levels - 1)
        ctx.delta = delta
        ctx.save_for_backward(x_in - x_out)
        return x_out

    @staticmethod
    def backward(ctx, g):
        (diff,) = ctx.saved_tensors
        return g * (1 + ctx.delta * torch.sign(g) * diff), None, None


class SteDiscretizer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x_in, levels):
        return torch.round(x_in * (levels - 1)) / (levels - 1)

    @staticmethod
    def backward(ctx, g):
        return g, None


class QConv(nn.Conv2d):
    """The official QConv with weights and activations quantized (QWeightFlag = QActFlag = True)."""

    def __init__(self, cin, cout, k, stride=1, padding=0, levels=4, baseline=False):
        super().__init__(cin, cout, k, stride, padding, bias=False)
        self.baseline = baseline
        self.weight_levels = levels
        self.act_levels = levels
        self.uW = nn.Parameter(torch.tensor(0).float())
        self.lW = nn.Parameter(torch.tensor(0).float())
        self.register_buffer("bkwd_scaling_factorW", torch.tensor(0.0).float())
        self.uA = nn.Parameter(torch.tensor(0).float())
        self.lA = nn.Parameter(torch.tensor(0).float())
        self.register_buffer("bkwd_scaling_factorA", torch.tensor(0.0).float())
        self.register_buffer("init", torch.tensor([0]))
        self.output_scale = nn.Parameter(torch.tensor(1).float())
        self.hook = False
        self.buff_weight = None
        self.buff_act = None

    def discretize(self, x, levels, delta):
        if self.baseline:
            return SteDiscretizer.apply(x, levels)
        return EwgsDiscretizer.apply(x, levels, delta)

    def weight_quantization(self, w):
        w = ((w - self.lW) / (self.uW - self.lW)).clamp(min=0, max=1)
        w = self.discretize(w, self.weight_levels, self.bkwd_scaling_factorW)
        if self.hook:
            self.buff_weight = w
            w.retain_grad()
        return (w - 0.5) * 2

    def act_quantization(self, x):
        x = ((x - self.lA) / (self.uA - self.lA)).clamp(min=0, max=1)
        x = self.discretize(x, self.act_levels, self.bkwd_scaling_factorA)
        if self.hook:
            self.buff_act = x
            x.retain_grad()
        return x

    def initialize(self, x):
        self.uW.data.fill_(self.weight.std() * 3.0)
        self.lW.data.fill_(-self.weight.std() * 3.0)
        qw = self.weight_quantization(self.weight)
        self.uA.data.fill_(x.std() / math.sqrt(1 - 2 / math.pi) * 3.0)
        self.lA.data.fill_(x.min())
        qa = self.act_quantization(x)
        qout = F.conv2d(qa, qw, None, self.stride, self.padding)
        out = F.conv2d(x, self.weight, None, self.stride, self.padding)
        self.output_scale.data.fill_(out.abs().mean() / qout.abs().mean())

    def forward(self, x):
        if self.init == 1:
            self.initialize(x)
        qw = self.weight_quantization(self.weight)
        qa = self.act_quantization(x)
        return F.conv2d(qa, qw, None, self.stride, self.padding) * torch.abs(self.output_scale)


class Shortcut(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)


class QBasicBlock(nn.Module):
    def __init__(self, cin, planes, stride, levels):
        super().__init__()
        self.conv1 = QConv(cin, planes, 3, stride, 1, levels)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = QConv(planes, planes, 3, 1, 1, levels)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != planes:
            self.shortcut = Shortcut(planes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self, levels, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        stages = []
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for s in (stride, 1, 1):
                blocks.append(QBasicBlock(cin, planes, s, levels))
                cin = planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.bn2 = nn.BatchNorm1d(64)
        self.linear = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3]).view(out.size(0), -1)
        return self.linear(self.bn2(out))


# ---------------------------------------------------------------------------------------------------------------

LINES = []


def emit(case, name, t):
    t = t.detach().float()
    shape = ",".join(str(d) for d in t.shape)
    values = " ".join(repr(float(v)) for v in t.reshape(-1).double().tolist())
    LINES.append(f"{case}\t{name}\t{shape}\t{values}")


def exact_ties(lower, upper, levels, count):
    """float32 inputs x whose (x - lower) / (upper - lower) * (levels - 1) is exactly k + 0.5 (a rounding
    midpoint, where torch.round goes to even), computed as QConv computes it."""
    lo, hi = torch.tensor(lower), torch.tensor(upper)
    found = []
    for k in range(levels - 1):
        target = (k + 0.5) / (levels - 1) * (upper - lower) + lower
        x = torch.tensor(target, dtype=torch.float32)
        for _ in range(64):
            scaled = ((x - lo) / (hi - lo)).clamp(0, 1) * (levels - 1)
            if scaled.item() == k + 0.5:
                found.append(x.item())
                break
            x = torch.nextafter(x, torch.tensor(float("inf")) if scaled.item() < k + 0.5 else torch.tensor(-float("inf")))
        if len(found) == count:
            break
    return found


def layer_case(bits, delta_w, delta_a, baseline, seed):
    """One QConv 3 -> 4, 3x3, stride 1, pad 1 on a 2x3x5x5 input: its initialization from that input, then a
    forward and backward with set ranges (incl. inputs at exact rounding midpoints) and deltas."""
    levels = 2 ** bits
    case = f"layer_w{bits}a{bits}_{'ste' if baseline else 'ewgs'}"
    g = torch.Generator().manual_seed(seed)
    conv = QConv(3, 4, 3, 1, 1, levels, baseline)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(4, 3, 3, 3, generator=g) * 0.3)
    x = torch.relu(torch.randn(2, 3, 5, 5, generator=g))
    emit(case, "weight", conv.weight)
    emit(case, "init_input", x)
    # The initialization (init == 1 on the first forward, as init_quant_model sets it).
    conv.init.fill_(1)
    with torch.no_grad():
        conv(x)
    conv.init.fill_(0)
    for name in ("uW", "lW", "uA", "lA", "output_scale"):
        emit(case, "init_" + name, getattr(conv, name))
    # Set ranges whose rounding midpoints are exact in float32: weights and inputs at ties.
    with torch.no_grad():
        conv.uW.fill_(0.75)
        conv.lW.fill_(-0.75)
        conv.uA.fill_(1.5)
        conv.lA.fill_(0.0)
        conv.output_scale.fill_(-1.25)  # |output_scale| multiplies
        conv.bkwd_scaling_factorW.fill_(delta_w)
        conv.bkwd_scaling_factorA.fill_(delta_a)
        emit(case, "delta_w", conv.bkwd_scaling_factorW)
        emit(case, "delta_a", conv.bkwd_scaling_factorA)
        emit(case, "ranges", torch.stack([conv.uW, conv.lW, conv.uA, conv.lA, conv.output_scale]))
        w_ties = exact_ties(-0.75, 0.75, levels, 4)
        a_ties = exact_ties(0.0, 1.5, levels, 4)
        assert w_ties and a_ties, "no exact rounding midpoints found"
        flat_w = conv.weight.view(-1)
        flat_w[: len(w_ties)] = torch.tensor(w_ties)
        x = torch.randn(2, 3, 5, 5, generator=g) * 0.8 + 0.5
        flat_x = x.view(-1)
        flat_x[: len(a_ties)] = torch.tensor(a_ties)
        flat_x[len(a_ties)] = 1.5  # the clamp's closed upper end
        flat_x[len(a_ties) + 1] = 0.0
    emit(case, "weight_ties", conv.weight)
    emit(case, "input", x)
    x.requires_grad_(True)
    conv.hook = True
    out = conv(x)
    upstream = torch.randn(out.shape, generator=g)
    (out * upstream).sum().backward()
    emit(case, "qweight", (conv.buff_weight - 0.5) * 2)
    emit(case, "wq01", conv.buff_weight)
    emit(case, "qact", conv.buff_act)
    emit(case, "output", out)
    emit(case, "upstream", upstream)
    emit(case, "grad_input", x.grad)
    emit(case, "grad_weight", conv.weight.grad)
    for name in ("uW", "lW", "uA", "lA", "output_scale"):
        emit(case, "grad_" + name, getattr(conv, name).grad)


def hessian_case(seed):
    """Two 2-bit QConvs in a chain with deltas set; the Hessian-vector product of the loss at the first conv's
    w_q in [0, 1] and at the second conv's Q_a, for fixed Rademacher vectors: it differentiates through the
    second conv's EWGS backward (create_graph)."""
    g = torch.Generator().manual_seed(seed)
    a = QConv(2, 3, 3, 1, 1, 4)
    b = QConv(3, 2, 3, 1, 1, 4)
    with torch.no_grad():
        for conv, dw, da in ((a, 0.4, 0.3), (b, 0.6, 0.5)):
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * 0.4)
            conv.uW.fill_(0.9)
            conv.lW.fill_(-0.8)
            conv.uA.fill_(2.0)
            conv.lA.fill_(0.0)
            conv.output_scale.fill_(0.7)
            conv.bkwd_scaling_factorW.fill_(dw)
            conv.bkwd_scaling_factorA.fill_(da)
    x = torch.relu(torch.randn(2, 2, 4, 4, generator=g) + 0.5)
    target = torch.randn(2, 2, 4, 4, generator=g)
    a.hook = b.hook = True
    out = b(torch.relu(a(x)))
    loss = ((out - target) ** 2).mean()
    params = [a.buff_weight, b.buff_act]
    grads = torch.autograd.grad(loss, params, create_graph=True)
    vs = [torch.randint(0, 2, p.shape, generator=g).float() * 2 - 1 for p in params]
    hv = torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)
    case = "hessian"
    for i, conv in enumerate((a, b)):
        emit(case, f"conv{i}_weight", conv.weight)
    emit(case, "input", x)
    emit(case, "target", target)
    emit(case, "loss", loss)
    emit(case, "grad_wq", grads[0])
    emit(case, "grad_qa", grads[1])
    emit(case, "v_wq", vs[0])
    emit(case, "v_qa", vs[1])
    emit(case, "hv_wq", hv[0])
    emit(case, "hv_qa", hv[1])


def model_case(seed):
    """resnet20_quant W2A2 initialized from one batch (init_quant_model), trained one Adam step so every
    parameter moves, saved as the official code saves it ({'model': state_dict, ...}); logits in eval mode."""
    torch.manual_seed(seed)
    model = ResNet20(4)
    images = torch.randn(8, 3, 32, 32)
    labels = torch.arange(8) % 10
    for m in model.modules():
        if isinstance(m, QConv):
            m.init.fill_(1)
    model.train()
    model(images)
    for m in model.modules():
        if isinstance(m, QConv):
            m.init.fill_(0)
            m.bkwd_scaling_factorW.fill_(0.01)
            m.bkwd_scaling_factorA.fill_(0.02)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    model.eval()
    test = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        logits = model(test)
    torch.save({"epoch": 0, "model": model.state_dict()}, os.path.join(HERE, "resnet20_w2a2.pt"))
    emit("model_w2a2", "input", test)
    emit("model_w2a2", "logits", logits)
    emit("model_w2a2", "keys", torch.tensor([float(len(model.state_dict()))]))


def grid_case():
    """The levels QConv's discretizer reaches from [0, 1], as weights (2 (x_q - 0.5)) and as activations."""
    for bits in (1, 2, 4):
        levels = 2 ** bits
        xq = torch.unique(EwgsDiscretizer.apply(torch.linspace(0, 1, 1001), levels, torch.tensor(0.0)))
        emit(f"grid_{bits}", "weights", (xq - 0.5) * 2)
        emit(f"grid_{bits}", "activations", xq)


def main():
    torch.set_num_threads(1)
    grid_case()
    layer_case(1, 0.3, 0.2, False, 11)
    layer_case(2, 0.3, 0.2, False, 12)
    layer_case(4, 0.5, 0.7, False, 13)
    layer_case(2, 0.3, 0.2, True, 14)
    hessian_case(21)
    model_case(31)
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
