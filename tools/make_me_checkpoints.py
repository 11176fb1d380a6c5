#!/usr/bin/env python3
"""Three checkpoints of one small CNN trained on Fashion-MNIST for 10, 60 and 400 steps.

    /usr/bin/python3 tools/make_me_checkpoints.py --train TRAIN-images-idx3-ubyte.gz --out DIR

NAC-ME (SPEC §4) compares checkpoints of one model; the tests check that NAC Studio's NAC-ME
panel gives what `nac me` gives on these.  Training uses a fixed seed, a fixed slice of the
training set (the first 4000 images) and one thread, so re-runs give the same weights.  Writes
DIR/step0010.pt, DIR/step0060.pt, DIR/step0400.pt (about 19 kB each), nac.json embedded.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import ensure_hash_seed, read_idx, save_torchscript  # noqa: E402

STEPS = [10, 60, 400]
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MEAN, STD = 0.2860, 0.3530


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.pool(self.body(x)), 1))


def metadata(steps: int) -> dict:
    return {
        "format": "nac-model-metadata", "version": 1, "name": f"Small CNN, {steps} steps",
        "input": {"channels": 1, "height": 28, "width": 28, "mean": [MEAN], "std": [STD]},
        "classes": CLASSES,
        "layers": [{"name": "pool", "M": 50, "O": 500, "alpha": 0.1},
                   {"name": "body.1", "M": 50, "O": 500, "alpha": 0.1}],
        "bin_scheme": "linear",
        "training": {"dataset": "Fashion-MNIST train[0:4000]", "steps": steps, "seed": 7},
    }


def main() -> None:
    ensure_hash_seed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, help="Fashion-MNIST train-images-idx3-ubyte(.gz)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    labels_path = args.train.replace("images-idx3", "labels-idx1")
    if not os.path.isfile(args.train) or not os.path.isfile(labels_path):
        # The tests that use the checkpoints skip without them (packaging/setup.sh installs the data).
        print(f"skipped: {args.train} or its labels are missing (Debian package dataset-fashion-mnist)")
        return
    images = torch.from_numpy(read_idx(args.train)[:4000].astype(np.float32) / 255.0).unsqueeze(1)
    labels = torch.from_numpy(read_idx(labels_path)[:4000].astype(np.int64))
    images = (images - MEAN) / STD
    torch.set_num_threads(1)
    torch.manual_seed(7)
    model = SmallNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(7)
    os.makedirs(args.out, exist_ok=True)
    step = 0
    for target in STEPS:
        model.train()
        while step < target:
            batch = torch.randint(0, images.shape[0], (64,), generator=generator)
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
            loss.backward()
            optimiser.step()
            step += 1
        model.eval()
        path = os.path.join(args.out, f"step{target:04d}.pt")
        save_torchscript(torch.jit.script(model), path, {"nac.json": json.dumps(metadata(target), indent=2)})
        with torch.no_grad():
            accuracy = (model(images[:1000]).argmax(1) == labels[:1000]).float().mean().item()
        print(f"{path}: {target} steps, accuracy on train[0:1000] {accuracy:.3f}")


if __name__ == "__main__":
    main()
