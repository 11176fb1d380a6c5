#!/usr/bin/env python3
"""Train the NAC Studio demo model: a ResNet-18-style Fashion-MNIST classifier.

Trains on training images 0..54999 only; 55000..59999 stay untouched as the held-out
in-distribution split (NAC's sub_train sanity check, threshold selection).  Exports a
scripted TorchScript file with the NAC metadata embedded as the extra file `nac.json`.

Example (12 epochs; about 90 s each with --threads 2, 130 s with --threads 1 on an idle
2-core machine):
    /usr/bin/python3 tools/train_demo_model.py --out resources/demo --threads 1
Re-running with the same torch build and the same --threads gives the same bytes (fixed
seeds, deterministic algorithms, PYTHONHASHSEED=0; checked on short runs).  A different
--threads value gives a slightly different model: the CPU kernels split their reductions by
thread.  The first line of resources/demo/training_log.txt records the settings used.
Quick timing of the per-epoch cost without training a model:
    /usr/bin/python3 tools/train_demo_model.py --benchmark 20
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import (DemoResNet18, FASHION_CLASSES, ensure_hash_seed,  # noqa: E402
                       read_idx, save_torchscript)

DATA_DIR = "/usr/share/datasets/fashion-mnist"
TRAIN_END = 55000          # train on [0, 55000); [55000, 60000) is the held-out InD split
# Placeholder per-layer parameters (the CIFAR-10 defaults of SPEC §2); a tuning step
# replaces them later with tools/set_model_metadata.py.
DEFAULT_LAYERS = [
    {"name": "avgpool", "M": 50, "O": 50, "alpha": 100},
    {"name": "layer3", "M": 500, "O": 100, "alpha": 1000},
    {"name": "layer2", "M": 50, "O": 5, "alpha": 0.001},
    {"name": "layer1", "M": 500, "O": 100, "alpha": 0.001},
]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def augment(x: torch.Tensor, gen: torch.Generator, pad: int = 2) -> torch.Tensor:
    """Random crop with zero padding `pad` plus random horizontal flip, vectorised over the batch.

    x is already normalised, so the padding value is the normalised background (x of a black
    pixel), keeping padded borders identical to the real black borders of the images.
    """
    b, c, h, w = x.shape
    bg = float(x.min())  # background is black in every Fashion-MNIST image
    xp = F.pad(x, (pad, pad, pad, pad), value=bg)
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    rows = oy[:, None] + torch.arange(h)[None, :]                     # [b,h]
    cols = ox[:, None] + torch.arange(w)[None, :]                     # [b,w]
    flip = torch.rand(b, generator=gen) < 0.5
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    bi = torch.arange(b)[:, None, None]
    out = xp[bi, 0, rows[:, :, None], cols[:, None, :]]               # [b,h,w]
    return out.unsqueeze(1).contiguous()


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "resources", "demo"))
    ap.add_argument("--data", default=DATA_DIR)
    ap.add_argument("--width", type=int, default=16, help="base width: stages get w,2w,4w,8w channels")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1, help="OneCycle peak learning rate")
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="intra-op threads; the committed model was trained with 1 (results depend on it)")
    ap.add_argument("--benchmark", type=int, default=0, metavar="N",
                    help="only time N training steps, extrapolate one epoch, and exit")
    ap.add_argument("--limit-steps", type=int, default=0, metavar="N",
                    help="smoke test: stop each epoch after N steps (the export still runs)")
    args = ap.parse_args()
    ensure_hash_seed()

    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    t_start = time.time()

    xtr_all = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    ytr_all = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
    xte = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    yte = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))
    xtr, ytr = xtr_all[:TRAIN_END], ytr_all[:TRAIN_END]

    # Normalisation statistics from the training split only (not the held-out images).
    mean = float(xtr.astype(np.float64).mean() / 255.0)
    std = float((xtr.astype(np.float64) / 255.0).std())
    mean, std = round(mean, 4), round(std, 4)   # rounded values are what the metadata states

    def to_tensor(a: np.ndarray) -> torch.Tensor:
        return ((torch.from_numpy(a.astype(np.float32)) / 255.0 - mean) / std).unsqueeze(1)

    xtr_t, ytr_t = to_tensor(xtr), torch.from_numpy(ytr.astype(np.int64))
    xte_t, yte_t = to_tensor(xte), torch.from_numpy(yte.astype(np.int64))

    model = DemoResNet18(num_classes=10, width=args.width)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=args.wd)
    steps_per_epoch = (len(xtr_t) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.25)
    gen = torch.Generator().manual_seed(args.seed)

    log_lines = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        log_lines.append(msg)

    log("command: tools/train_demo_model.py " + " ".join(sys.argv[1:]))
    log(f"torch {torch.__version__}, threads {args.threads}, seed {args.seed}, "
        f"width {args.width}, epochs {args.epochs}, batch {args.batch}, lr {args.lr}, wd {args.wd}")
    log(f"train images 0-{TRAIN_END - 1} ({len(xtr_t)}), held out {TRAIN_END}-{len(xtr_all) - 1}, "
        f"test {len(xte_t)}; mean {mean} std {std}; params {sum(p.numel() for p in model.parameters())}")

    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(xtr_t), generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        n_steps = args.benchmark or args.limit_steps or steps_per_epoch
        for step in range(n_steps):
            idx = perm[step * args.batch:(step + 1) * args.batch]
            xb, yb = augment(xtr_t[idx], gen), ytr_t[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
        train_s = time.time() - t0
        if args.benchmark:
            print(f"{n_steps} steps in {train_s:.1f}s -> about {train_s / n_steps * steps_per_epoch:.0f}s "
                  f"per epoch ({steps_per_epoch} steps)")
            t1 = time.time()
            evaluate(model, xte_t[:2000], yte_t[:2000])
            print(f"eval of 2000 test images {time.time() - t1:.1f}s")
            return 0
        acc = evaluate(model, xte_t, yte_t)
        log(f"epoch {epoch + 1}/{args.epochs}: loss {loss_sum / seen:.4f} train_acc {correct / seen:.4f} "
            f"test_acc {acc:.4f} lr_end {sched.get_last_lr()[0]:.5f} "
            f"train_s {train_s:.1f} epoch_s {time.time() - t0:.1f}")

    model.eval()
    test_acc = evaluate(model, xte_t, yte_t)
    heldout_acc = evaluate(model, to_tensor(xtr_all[TRAIN_END:]),
                           torch.from_numpy(ytr_all[TRAIN_END:].astype(np.int64)))
    wall = time.time() - t_start
    log(f"final: test_acc {test_acc:.4f} heldout_acc {heldout_acc:.4f} wall_s {wall:.1f}")

    meta = {
        "format": "nac-model-metadata", "version": 1, "name": "Fashion-MNIST ResNet-18 (demo)",
        "input": {"channels": 1, "height": 28, "width": 28, "mean": [mean], "std": [std]},
        "classes": FASHION_CLASSES,
        "layers": DEFAULT_LAYERS,
        "bin_scheme": "reference",
        "training": {"dataset": "Fashion-MNIST", "train_indices": f"0-{TRAIN_END - 1}",
                     "heldout_indices": f"{TRAIN_END}-{len(xtr_all) - 1}",
                     "test_accuracy": round(test_acc, 4), "seed": args.seed},
    }
    os.makedirs(args.out, exist_ok=True)
    pt_path = os.path.join(args.out, "fashion_resnet18.pt")
    scripted = torch.jit.script(model.eval())
    # Sanity check: the scripted module must agree with the eager one before we ship it.
    with torch.no_grad():
        probe = xte_t[:64]
        diff = (scripted(probe) - model(probe)).abs().max().item()
    if diff > 1e-4:
        raise RuntimeError(f"scripted and eager outputs differ by {diff}")
    save_torchscript(scripted, pt_path, {"nac.json": json.dumps(meta, indent=2)})

    with open(pt_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(args.out, "SHA256SUMS"), "w") as f:
        f.write(f"{digest}  fashion_resnet18.pt\n")
    log(f"saved {pt_path} ({os.path.getsize(pt_path)} bytes) sha256 {digest}")
    with open(os.path.join(args.out, "training_log.txt"), "w") as f:
        f.write("\n".join(log_lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
