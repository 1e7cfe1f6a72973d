#!/usr/bin/python3
"""Writes the APoT reference parity fixtures read by tests/core/tst_reference_parity.cpp.

For each bit width b in BITS: the reference ResNet-20 (bench/reference/apot_reference.py: option-B shortcuts,
3x32x32 inputs, 10 classes, 8-bit max-scaled first conv / last fc) with fixed seeds, its alphas and BatchNorm
parameters/running statistics randomized so that they matter, in eval mode, run on a fixed batch of 8 normalized
random images. Saves, with plain torch.save (zip format):

    apot_r20_w{b}a{b}_state_dict.pt   model.state_dict() (an OrderedDict)
    apot_r20_w{b}a{b}_io.pt           {'input': x [8,3,32,32], 'logits': y [8,10]}

Run from anywhere with /usr/bin/python3 (torch 1.13): /usr/bin/python3 tests/data/apot_reference/make_fixtures.py
"""

import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "reference"))

import apot_reference as ref  # noqa: E402

BITS = (2, 3, 4)
MEAN = (0.491, 0.482, 0.447)  # the APoT CIFAR-10 normalization
STD = (0.247, 0.243, 0.262)


def randomize(model, gen):
    """Alphas and BN statistics away from their defaults, so a wrong mapping shows in the logits."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, ref.QuantConv2d):
                m.weight_quant.wgt_alpha.fill_(2.0 + 2.0 * float(torch.rand((), generator=gen)))
                m.act_alpha.fill_(2.0 + 6.0 * float(torch.rand((), generator=gen)))
            elif isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.2 + 0.4 * torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_var.copy_(1.0 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(100)
        model.fc.weight.mul_(0.1)  # logits of a few units, so 1e-4 is a tight float32 tolerance
        model.fc.bias.copy_(0.1 * torch.randn(model.fc.bias.shape, generator=gen))


def main():
    torch.set_num_threads(1)
    for b in BITS:
        torch.manual_seed(1000 + b)
        gen = torch.Generator().manual_seed(2000 + b)
        model = ref.resnet20_cifar(bit=b, num_classes=10, in_channels=3, shortcut="B")
        randomize(model, gen)
        model.eval()
        images = torch.rand(8, 3, 32, 32, generator=gen)
        x = ((images - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)).contiguous()
        with torch.no_grad():
            y = model(x).contiguous()
        stem = os.path.join(HERE, "apot_r20_w%da%d" % (b, b))
        torch.save(model.state_dict(), stem + "_state_dict.pt")
        torch.save({"input": x, "logits": y}, stem + "_io.pt")
        print("bits %d: logits[0] %s, argmax %s" % (b, [round(v, 4) for v in y[0].tolist()],
                                                     y.argmax(1).tolist()))
    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE) if f.endswith(".pt"))
    print("total fixture size: %.2f MB" % (total / 1e6))


if __name__ == "__main__":
    main()
