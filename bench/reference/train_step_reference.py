#!/usr/bin/python3
"""Training-step throughput of the PyTorch reference (apot_reference.py) on the same LibTorch as QuantScope.

Times what `quantscope-cli bench train-step` times, the same way: ResNet-20 on synthetic 3x32x32 inputs (one fixed
batch), train mode, SGD momentum 0.9 (lr 0.01, wd 5e-4; act_alpha lr 0.1 and wgt_alpha lr 0.02 with wd 1e-4, the APoT
groups), 2 warm-up steps, then K timed steps of zero_grad + forward + cross-entropy + backward + step. EWGS runs
start from delta = 1e-3, as QuantScope's bench does. Configurations:

    fp          plain convs in the blocks, 8-bit max-scaled first conv / last fc (the reference's "FP" model)
    apot-w2a2   APoT 2-bit (ternary weights, PoT activations), reference `_pq`/`_uq` with the N x L argmin
    apot-w4a4   APoT 4-bit
    apot-w2a2-ewgs  as apot-w2a2 with the EWGS backward

and the EWGS delta update as the reference does it (3 batches; loss.backward(create_graph=True); per tensor,
Hutchinson with its own Hessian-vector products, maxIter 50, tol 1e-3), plus the joint variant (one product per
Rademacher sample for all tensors). Prints one JSON object per line.

The shortcut defaults to option A because `bench train-step` builds option A (TrainConfig's default); the APoT
reference layout is option B (--shortcut B).

Usage: /usr/bin/python3 bench/reference/train_step_reference.py --threads 2 --steps 5 [--configs fp,apot-w2a2]
       [--ewgs-update] [--ewgs-only]
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apot_reference as ref  # noqa: E402

CONFIGS = {
    "fp": dict(float_=True, bit=4, ewgs=False),
    "apot-w2a2": dict(float_=False, bit=2, ewgs=False),
    "apot-w4a4": dict(float_=False, bit=4, ewgs=False),
    "apot-w2a2-ewgs": dict(float_=False, bit=2, ewgs=True),
}


def make_model(cfg, shortcut):
    torch.manual_seed(0)
    model = ref.resnet20_cifar(bit=cfg["bit"], float_=cfg["float_"], shortcut=shortcut)
    if cfg["ewgs"]:
        ref.set_ewgs_delta(model, 1e-3)
    return model


def make_optimizer(model, lr=0.01):
    weights, act, wgt = [], [], []
    for name, p in model.named_parameters():
        if name.endswith("act_alpha"):
            act.append(p)
        elif name.endswith("wgt_alpha"):
            wgt.append(p)
        else:
            weights.append(p)
    groups = [{"params": weights, "lr": lr, "weight_decay": 5e-4}]
    if act:
        groups.append({"params": act, "lr": 0.1, "weight_decay": 1e-4})
    if wgt:
        groups.append({"params": wgt, "lr": 0.02, "weight_decay": 1e-4})
    return torch.optim.SGD(groups, lr=lr, momentum=0.9)


def time_train_step(name, batch, steps, shortcut):
    cfg = CONFIGS[name]
    model = make_model(cfg, shortcut)
    opt = make_optimizer(model)
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    model.train()

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    step()  # warm-up: allocator, first-call costs
    step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - t0
    return {"side": "pytorch-reference", "config": name, "images_per_second": round(batch * steps / seconds, 1),
            "ms_per_step": round(1000 * seconds / steps, 2), "threads": torch.get_num_threads(), "batch": batch,
            "steps": steps, "shortcut": shortcut}


def time_ewgs_update(batch, shortcut, modes, step_ms, reference_denominator, nbatches=3):
    """One delta update (3 batches) of APoT W2A2 + EWGS, per tensor and joint. step_ms converts to training steps."""
    out = []
    for mode in modes:
        model = make_model(CONFIGS["apot-w2a2-ewgs"], shortcut)
        gen = torch.Generator().manual_seed(7)
        batches = [(torch.randn(batch, 3, 32, 32, generator=gen), torch.randint(0, 10, (batch,), generator=gen))
                   for _ in range(nbatches)]
        t0 = time.perf_counter()
        dw, da, products = ref.ewgs_delta_update(model, batches, mode=mode, max_iter=50, tol=1e-3,
                                                 reference_denominator=reference_denominator, seed=0)
        seconds = time.perf_counter() - t0
        rec = {"side": "pytorch-reference", "measure": "ewgs-delta-update", "hutchinson_mode": mode,
               "seconds": round(seconds, 3), "hessian_vector_products": products, "batches": nbatches, "batch": batch,
               "threads": torch.get_num_threads(), "shortcut": shortcut,
               "mean_delta_w": round(sum(dw) / len(dw), 6), "mean_delta_a": round(sum(da) / len(da), 6)}
        if step_ms:
            rec["in_train_steps"] = round(1000 * seconds / step_ms, 2)
        out.append(rec)
    return out


def main():
    ap = argparse.ArgumentParser(description="PyTorch reference training-step benchmark")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave as is)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--configs", default="fp,apot-w2a2,apot-w4a4,apot-w2a2-ewgs")
    ap.add_argument("--shortcut", choices=("A", "B"), default="A")
    ap.add_argument("--ewgs-update", action="store_true", help="also time the EWGS delta update")
    ap.add_argument("--ewgs-modes", default="per-tensor,joint")
    ap.add_argument("--ewgs-batch", type=int, default=0, help="batch size of the update batches (0: --batch)")
    ap.add_argument("--ewgs-batches", type=int, default=3, help="batches per delta update (reference: 3)")
    ap.add_argument("--reference-denominator", action="store_true",
                    help="EWGS's stopping test without abs() (default: PyHessian's, as QuantScope's default)")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    step_ms = {}
    for name in [c for c in args.configs.split(",") if c]:
        if name not in CONFIGS:
            ap.error("unknown configuration " + name)
        rec = time_train_step(name, args.batch, args.steps, args.shortcut)
        step_ms[name] = rec["ms_per_step"]
        print(json.dumps(rec), flush=True)
    if args.ewgs_update:
        for rec in time_ewgs_update(args.ewgs_batch or args.batch, args.shortcut,
                                    [m for m in args.ewgs_modes.split(",") if m],
                                    step_ms.get("apot-w2a2-ewgs") or step_ms.get("apot-w2a2"),
                                    args.reference_denominator, args.ewgs_batches):
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
