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


def legacy_save(obj, name):
    torch.save(obj, os.path.join(HERE, name), _use_new_zipfile_serialization=False)


class _StorageView:
    """A storage view of torch < 1.0 (pickled with view_metadata), for the hand-made legacy file below."""

    def __init__(self, root_key, root_numel, view_key, offset, size):
        self.pid = ("storage", torch.FloatStorage, root_key, "cpu", root_numel, (view_key, offset, size))


class _OldTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


def old_views_file(path):
    """What torch 0.x wrote for tensors on views of one storage: persistent ids with (view_key, offset, size)."""
    import pickle
    import struct
    import sys
    root = (torch.arange(12, dtype=torch.float32) * 0.25 - 1).numpy().tobytes()
    v1 = _StorageView("1000", 12, "2000", 2, 6)   # elements 2..7
    v2 = _StorageView("1000", 12, "3000", 8, 4)   # elements 8..11
    obj = collections.OrderedDict([
        ("a", _OldTensor(v1, 0, (2, 3), (3, 1))),
        ("b", _OldTensor(v1, 1, (2,), (2,))),
        ("c", _OldTensor(v2, 0, (2, 2), (1, 2))),
    ])
    with open(path, "wb") as f:
        pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": sys.byteorder == "little",
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        p = pickle.Pickler(f, protocol=2)
        p.persistent_id = lambda o: o.pid if isinstance(o, _StorageView) else None
        p.dump(obj)
        pickle.dump(["1000"], f, protocol=2)
        f.write(struct.pack("<q", 12))
        f.write(root)


def legacy_fixtures():
    torch.manual_seed(20240612)
    lines = []
    model = Tiny()
    model.train()
    model(torch.randn(4, 1, 4, 4))
    sd = model.state_dict()
    legacy_save(sd, "legacy_conv_bn_linear.pt")
    lines += expected_lines("legacy_conv_bn_linear.pt", sd.items())

    # APoT's model_best.pth.tar / the option-A .th files: epoch, state_dict (DataParallel), best_prec1, optimizer.
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    model(torch.randn(4, 1, 4, 4)).sum().backward()
    opt.step()
    sd = model.state_dict()
    dp = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    # What DataParallel's state_dict() says: its own version at "", the model's under "module".
    dp._metadata = collections.OrderedDict(
        [("", {"version": 1})] + [("module." + k if k else "module", v) for k, v in sd._metadata.items()])
    legacy_save({"epoch": 3, "state_dict": dp, "best_prec1": 91.5, "optimizer": opt.state_dict()},
                "legacy_checkpoint_dp.pt")
    lines += expected_lines("legacy_checkpoint_dp.pt", sd.items())

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    views = {"base": base, "row": base[1], "col": base[:, 2], "block": base[1:3, 2:5], "tr": base.t(),
             "elem": base[2, 3], "param": torch.nn.Parameter(torch.randn(3))}
    legacy_save(views, "legacy_shared_views.pt")
    lines += expected_lines("legacy_shared_views.pt", views.items())

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
    legacy_save(dtypes, "legacy_dtypes.pt")
    lines += expected_lines("legacy_dtypes.pt", dtypes.items())

    path = os.path.join(HERE, "legacy_old_views.pt")
    old_views_file(path)
    loaded = torch.load(path)  # the reference: what Python makes of it
    lines += expected_lines("legacy_old_views.pt", loaded.items())
    return lines


class OptionABlock(torch.nn.Module):
    """The common option-A CIFAR ResNet block (akamaster/pytorch_resnet_cifar10), as core/nn/models.h builds it."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(planes)
        self.conv2 = torch.nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(planes)
        self.pad = (planes - inplanes) // 2
        self.stride = stride

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x
        if self.stride != 1 or self.pad > 0:
            shortcut = torch.nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return torch.relu(out + shortcut)


class OptionAResNet(torch.nn.Module):
    def __init__(self, depth=20, num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = torch.nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(16)
        inplanes = 16
        layers = []
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for i in range(n):
                blocks.append(OptionABlock(inplanes, planes, stride if i == 0 else 1))
                inplanes = planes
            layers.append(torch.nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.linear = torch.nn.Linear(64, num_classes)

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = torch.nn.functional.avg_pool2d(out, out.size()[3]).flatten(1)
        return self.linear(out)


def resnet_fixtures():
    torch.manual_seed(20240613)
    gen = torch.Generator().manual_seed(7)
    model = OptionAResNet()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # statistics away from their defaults, so they matter
                c = m.num_features
                m.weight.copy_(0.5 + 0.5 * torch.rand(c, generator=gen))
                m.bias.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(2, 3, 32, 32, generator=gen)
    with torch.no_grad():
        y = model(x)
    sd = model.state_dict()
    old = collections.OrderedDict(("module." + k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked"))
    legacy_save({"epoch": 200, "state_dict": old, "best_prec1": 91.25}, "resnet20_option_a_old.th")
    torch.save({"input": x, "logits": y}, os.path.join(HERE, "resnet20_option_a_io.pt"))
    torch.jit.save(torch.jit.script(model), os.path.join(HERE, "resnet20_option_a_scripted.pt"))
    # Python's own load of the old file: num_batches_tracked filled with 0, same logits.
    fresh = OptionAResNet()
    ck = torch.load(os.path.join(HERE, "resnet20_option_a_old.th"))
    fresh.load_state_dict(collections.OrderedDict((k[len("module."):], v) for k, v in ck["state_dict"].items()))
    fresh.eval()
    assert all(int(m.num_batches_tracked) == 0 for m in fresh.modules() if isinstance(m, torch.nn.BatchNorm2d))
    with torch.no_grad():
        assert torch.equal(fresh(x), y)
    print("resnet20 option A: logits[0]", [round(v, 4) for v in y[0].tolist()])


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

    # 5. the pre-1.6 format (torch.save(..., _use_new_zipfile_serialization=False)): the same four kinds of file.
    lines += legacy_fixtures()

    # 6. a pre-0.4.1 style option-A CIFAR ResNet-20 checkpoint (legacy format, no num_batches_tracked, no
    # _metadata), its logits on a fixed batch, and the same network scripted (torch.jit.save).
    resnet_fixtures()

    # 7. a state_dict whose _metadata says BatchNorm version 2 but lacks num_batches_tracked: PyTorch reports it
    # missing rather than filling it.
    model = Tiny()
    sd = model.state_dict()
    del sd["bn.num_batches_tracked"]
    torch.save(sd, os.path.join(HERE, "bn_v2_no_counter.pt"))

    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
