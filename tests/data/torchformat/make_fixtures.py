#!/usr/bin/python3
"""Makes the torch.save fixtures tst_torchformat reads, and expected.txt with every tensor's values.

Run with Debian's /usr/bin/python3 (python3-torch 1.13) from this folder:  /usr/bin/python3 make_fixtures.py
expected.txt lines: FILE<TAB>KEY<TAB>DTYPE<TAB>SHAPE (comma separated)<TAB>VALUES (space separated, row-major;
floats as Python repr, exact for every float dtype; bools as 0/1). KEY is the name readTorchCheckpoint returns
(DataParallel's "module." already stripped).
"""
import collections
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


class Tiny(torch.nn.Module):
    """conv + bn + linear on 1x4x4 inputs."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


def values_text(t):
    flat = t.detach().reshape(-1)
    if t.dtype == torch.bool:
        return " ".join("1" if v else "0" for v in flat.tolist())
    if t.dtype.is_floating_point:
        return " ".join(repr(float(v)) for v in flat.double().tolist())
    return " ".join(str(int(v)) for v in flat.tolist())


def expected_lines(fname, items):
    for key, t in items:
        shape = ",".join(str(d) for d in t.shape)
        yield "\t".join([fname, key, str(t.dtype).replace("torch.", ""), shape, values_text(t)])


def main():
    torch.manual_seed(20240611)
    lines = []

    # 1. what torch.save(model.state_dict()) writes: an OrderedDict with _metadata, BN buffers, 0-dim counter.
    model = Tiny()
    model.train()
    model(torch.randn(4, 1, 4, 4))  # moves running stats, num_batches_tracked = 1
    sd = model.state_dict()
    torch.save(sd, os.path.join(HERE, "conv_bn_linear.pt"))
    lines += expected_lines("conv_bn_linear.pt", sd.items())

    # 2. a training checkpoint from a DataParallel model, with optimizer state (nested dicts, lists, None, bools).
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    model(torch.randn(4, 1, 4, 4)).sum().backward()
    opt.step()
    sd = model.state_dict()
    dp = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    torch.save({"epoch": 3, "state_dict": dp, "best_prec1": 91.5, "optimizer": opt.state_dict()},
               os.path.join(HERE, "checkpoint_dp.pt"))
    lines += expected_lines("checkpoint_dp.pt", sd.items())

    # 3. views into one shared storage (offsets, strides, a transpose, a 0-dim view) and an nn.Parameter.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    views = {
        "base": base,
        "row": base[1],
        "col": base[:, 2],
        "block": base[1:3, 2:5],
        "tr": base.t(),
        "elem": base[2, 3],
        "param": torch.nn.Parameter(torch.randn(3)),
    }
    torch.save(views, os.path.join(HERE, "shared_views.pt"))
    lines += expected_lines("shared_views.pt", views.items())

    # 4. dtypes.
    dtypes = collections.OrderedDict([
        ("f64", torch.randn(2, 3, dtype=torch.float64)),
        ("i64", torch.tensor([-5, 0, 2**40 + 1, 7], dtype=torch.int64)),
        ("i32", torch.tensor([[-2**31, 2**31 - 1], [3, -4]], dtype=torch.int32)),
        ("i16", torch.tensor([-300, 300], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 127, 1], dtype=torch.int8)),
        ("u8", torch.tensor([0, 255, 17], dtype=torch.uint8)),
        ("b", torch.tensor([True, False, True])),
        ("f16", torch.randn(5).half()),
        ("bf16", torch.randn(3).bfloat16()),
        ("scalar", torch.tensor(3.25)),
        ("count", torch.tensor(12)),
        ("empty", torch.zeros(0, 3)),
    ])
    torch.save(dtypes, os.path.join(HERE, "dtypes.pt"))
    lines += expected_lines("dtypes.pt", dtypes.items())

    # 5. the pre-1.6 format, which readTorchCheckpoint refuses with a hint.
    torch.save({"w": torch.ones(2)}, os.path.join(HERE, "legacy.pt"), _use_new_zipfile_serialization=False)

    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
