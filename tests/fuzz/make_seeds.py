#!/usr/bin/python3
"""Writes the seed corpora in tests/fuzz/corpus/<harness>/ (committed; rerun to regenerate).

Small, valid inputs of each format, plus a few near-misses, so libFuzzer starts from deep inside each parser.
The .qsckpt seeds need LibTorch's C++ archive writer: `fuzz_make_qsckpt_seeds DIR` (built with the fuzzers).
Usage (Debian python3-torch): /usr/bin/python3 tests/fuzz/make_seeds.py [CORPUS_DIR]
"""
import collections
import gzip
import io
import os
import shutil
import struct
import sys

import torch

SEP = b"QSFUZZ--"  # tests/fuzz/fuzzsupport.h splitInput
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")


def write(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gz(data):
    # mtime=0: the same bytes on every run
    return gzip.compress(data, compresslevel=9, mtime=0)


# ---- torch.save: zip (torch >= 1.6) and legacy (tar-less pickle stream) -------------------------------------
torch.manual_seed(0)
small = collections.OrderedDict(
    [("conv1.weight", torch.randn(2, 1, 3, 3)), ("bn1.running_mean", torch.zeros(2)),
     ("bn1.num_batches_tracked", torch.tensor(3)), ("fc.weight", torch.randn(3, 2).half())])
for name, kwargs in [("zip_state_dict.pt", {}), ("legacy_state_dict.pt", {"_use_new_zipfile_serialization": False})]:
    buf = io.BytesIO()
    torch.save(small, buf, **kwargs)
    write("torchformat", name, buf.getvalue())
base = torch.arange(12, dtype=torch.float32)
for name, kwargs in [("zip_views.pt", {}), ("legacy_views.pt", {"_use_new_zipfile_serialization": False})]:
    buf = io.BytesIO()
    torch.save({"state_dict": collections.OrderedDict([("a", base[2:8].view(2, 3)), ("b", base.view(3, 4).t()),
                                                        ("c", torch.tensor([1, 2], dtype=torch.int8))]),
                "epoch": 3}, buf, **kwargs)
    write("torchformat", name, buf.getvalue())
for f in ["conv_bn_linear.pt", "dtypes.pt", "shared_views.pt", "legacy.pt"]:
    shutil.copy(os.path.join(ROOT, "tests/data/torchformat", f), os.path.join(OUT, "torchformat", "fixture_" + f))

# ---- CIFAR binary: first byte 0 = CIFAR-10, 1 = CIFAR-100 --------------------------------------------------------
pixels = bytes((i * 7) % 256 for i in range(3 * 32 * 32))
write("cifar", "cifar10_two_records", b"\x00" + bytes([3]) + pixels + bytes([9]) + pixels)
write("cifar", "cifar100_one_record", b"\x01" + bytes([19, 99]) + pixels)
write("cifar", "cifar10_truncated", b"\x00" + bytes([3]) + pixels[:100])


# ---- IDX images + labels, plain and gzip -------------------------------------------------------------------------
def idx_images(n, rows, cols):
    return struct.pack(">IIII", 0x803, n, rows, cols) + bytes((i * 13) % 256 for i in range(n * rows * cols))


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


cases = {
    "two_4x4": (idx_images(2, 4, 4), idx_labels([0, 9])),
    "one_28x28": (idx_images(1, 28, 28), idx_labels([7])),
    "count_mismatch": (idx_images(2, 3, 3), idx_labels([1])),
}
for name, (images, labels) in cases.items():
    write("idx", name, images + SEP + labels)
    write("gzip", name, gz(images) + SEP + gz(labels))
# Two gzip members in one file (zlib reads them as one stream), and a truncated stream.
images, labels = cases["two_4x4"]
write("gzip", "two_members", gz(images[:10]) + gz(images[10:]) + SEP + gz(labels))
write("gzip", "truncated", gz(images)[:-6] + SEP + gz(labels))

# ---- run directories: config.ini, separator, metrics.jsonl ------------------------------------------------------
config = open(os.path.join(ROOT, "resources/presets/apot-resnet20-w2a2.ini"), "rb").read()
lines = [
    b'{"type":"start","step":0,"epoch":0,"threads":2,"device":"cpu","parameters":272474,"train_images":512,'
    b'"test_images":256,"data":"synthetic"}',
    b'{"type":"step","step":1,"epoch":0,"loss":2.30,"lr":0.1,"grad_norm":1.5}',
    b'{"type":"layers","epoch":0,"step":1,"layers":[{"name":"layer1.0.conv1","alpha_w":3.0,"alpha_a":8.0,'
    b'"delta_w":0,"delta_a":0,"mse":0.01,"sqnr_db":20.5,"levels":[-1,0,1],"counts":[3,4,5]}]}',
    b'{"type":"ewgs_update","epoch":0,"step":2,"layers":["layer1.0.conv1"],"delta_w":[0.1],"delta_a":[0.2]}',
    b'{"type":"epoch","epoch":0,"step":4,"train_loss":2.1,"train_top1":20.0,"test_loss":2.0,"test_top1":25.5,'
    b'"test_top5":70.0,"best_top1":25.5,"seconds":1.25,"lr":0.1}',
    b'{"type":"divergence","reason":"loss is NaN","epoch":1,"step":6,"loss":"NaN"}',
    b'{"type":"rollback","checkpoint":"last.qsckpt","step":4}',
    b'{"type":"stop","reason":"max_steps","step":6,"epoch":1,"batch":2}',
    b'{"type":"done","step":6,"best_top1":25.5}',
]
write("metrics", "full_run", config + SEP + b"\n".join(lines) + b"\n")
write("metrics", "partial_last_line", b"method = lsq\nwbits = 2\n" + SEP + lines[0] + b"\n" + lines[4][:40])
write("metrics", "malformed", SEP + b'{"type":"step","step":1,"loss":NaN}\n{"type":3}\n\n' + lines[8] + b"\n")

# ---- training configurations -------------------------------------------------------------------------------------
for f in ["apot-resnet20-w2a2.ini", "ewgs-resnet20-w1a1.ini", "daq-resnet20-w1a1.ini", "fashion-mnist-fp.ini"]:
    shutil.copy(os.path.join(ROOT, "resources/presets", f), os.path.join(OUT, "config", f))
os.makedirs(os.path.join(OUT, "config"), exist_ok=True)
write("config", "every_schedule_key", b"schedule = multistep\nmilestones = 1, 2\nlr_gamma = 0.5\n# comment\n"
      b"mean = 0.5, 0.25, 0.125\nstd = 1,1,1\nseed = 18446744073709551615\nmethod = lsq\n")
