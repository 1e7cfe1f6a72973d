#!/usr/bin/python3
"""Writes the torchvision ImageNet ResNet layouts read by tests/core/tst_trainedas.cpp and tests/ui/tst_modelview.cpp.

A real resnet18 state_dict is 46 MB (resnet50: 98 MB), too big to commit. What the tests need from it is its key
names, shapes and dtypes, so this writes exactly those, one tensor a line:

    resnet18.keys, resnet50.keys     NAME DTYPE DIM0xDIM1x...   (a scalar's shape is written "-")

from torchvision.models.resnetNN(weights=None).state_dict() (torchvision 0.14, Debian's python3-torchvision).
The tests build a state_dict with these names and shapes at test time with QuantScope's own writer
(writeTorchStateDict) and seeded random values, so a file torch.load() reads with torchvision's layout.

Run from anywhere: /usr/bin/python3 tests/data/torchvision/make_fixtures.py
"""

import os

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    for arch in ("resnet18", "resnet50"):
        model = getattr(torchvision.models, arch)(weights=None)
        lines = []
        for name, t in model.state_dict().items():
            shape = "x".join(str(d) for d in t.shape) if t.dim() > 0 else "-"
            lines.append(f"{name} {str(t.dtype).replace('torch.', '')} {shape}")
        with open(os.path.join(HERE, f"{arch}.keys"), "w") as f:
            f.write(f"# torchvision {torchvision.__version__} {arch} state_dict: name dtype shape\n")
            f.write("\n".join(lines) + "\n")
        print(arch, len(lines), "tensors", sum(p.numel() for p in model.state_dict().values()), "values")


if __name__ == "__main__":
    main()
