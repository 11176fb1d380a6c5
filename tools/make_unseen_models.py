#!/usr/bin/env python3
"""Three CIFAR-sized torchvision models that no test and not the model zoo use, for
scripts/check-unseen-models.sh (nac's defaults against the eager reference on unseen models).

    /usr/bin/python3 tools/make_unseen_models.py --out DIR

Random (seeded) weights, eval mode, 10 classes, input 3x32x32, CIFAR-10 mean/std:

* resnet34_traced.pt: torchvision resnet34, TRACED, nac.json embedded (avgpool and layer3 with the
  CIFAR-10 ResNet parameters of docs/algorithm.md §2).
* mobilenet_v3_large_scripted.pt: torchvision mobilenet_v3_large, SCRIPTED, metadata in the
  sidecar mobilenet_v3_large_scripted.pt.nac.json (features.12 and avgpool).
* regnet_x_400mf_wrapped_scripted.pt: torchvision regnet_x_400mf held as attribute `net` of a
  wrapper (layer names net.trunk_output.block3 ...), SCRIPTED, with NO metadata at all.

Files that already exist are left alone (idempotent); --force re-makes them. The weights only
depend on the seed, but TorchScript archives are not byte-identical across runs.
"""
import argparse
import json
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The eager reference rebuilds the wrapped model with the same class, so the layer names agree.
from reference_nac import Wrapped  # noqa: E402

M = torchvision.models
MEAN = [0.4914, 0.4822, 0.4465]
STD = [0.2470, 0.2435, 0.2616]


def meta(name, layers):
    return {"name": name,
            "input": {"channels": 3, "height": 32, "width": 32, "mean": MEAN, "std": STD},
            "layers": [{"name": n, "M": m, "O": o, "alpha": a} for n, m, o, a in layers]}


def calibrate_bn(model: torch.nn.Module, batches: int = 8) -> None:
    """Sets every BatchNorm's running statistics to those of seeded random N(0,1) inputs.

    With torchvision's initialisation (running mean 0, variance 1) a random mobilenet_v3_large
    shrinks its activations layer after layer: its logits are ~1e-10, every gradient ~0, every
    neuron state exactly 0.5, every NAC score 1, and a comparison of scores proves nothing.
    """
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None                      # cumulative average over the batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(32, 3, 32, 32))
    model.eval()


# file: (constructor, export kind, where the metadata goes, layers (name, M, O, alpha),
#        calibrate BatchNorm statistics first)
MODELS = {
    "resnet34_traced.pt": (lambda: M.resnet34(num_classes=10), "trace", "embedded",
                           [("avgpool", 50, 50, 100), ("layer3", 500, 100, 1000)], False),
    "mobilenet_v3_large_scripted.pt": (lambda: M.mobilenet_v3_large(num_classes=10), "script", "sidecar",
                                       [("features.12", 500, 100, 1000), ("avgpool", 50, 50, 100)], True),
    "regnet_x_400mf_wrapped_scripted.pt": (lambda: Wrapped(M.regnet_x_400mf(num_classes=10)), "script", "none",
                                           [("net.trunk_output.block3", 500, 100, 1000),
                                            ("net.avgpool", 50, 50, 100)], False),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--force", action="store_true", help="re-make files that exist")
    ap.add_argument("--print-layers", metavar="FILE",
                    help="only print the --layer options of FILE (a key of MODELS) and exit")
    args = ap.parse_args()
    if args.print_layers:
        layers = MODELS[args.print_layers][3]
        print(" ".join(f"--layer {n}:M={m},O={o},alpha={a}" for n, m, o, a in layers))
        return 0
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for i, (fname, (ctor, kind, where, layers, calibrate)) in enumerate(MODELS.items()):
        path = os.path.join(args.out, fname)
        if os.path.exists(path) and not args.force:
            print(f"{path} exists, kept")
            continue
        torch.manual_seed(1000 + i)
        model = ctor().eval()
        if calibrate:
            calibrate_bn(model)
        assert not any(m.training for m in model.modules())
        if kind == "trace":
            exported = torch.jit.trace(model, torch.randn(2, 3, 32, 32), check_trace=False)
        else:
            exported = torch.jit.script(model)
        exported.eval()
        md = meta(fname[:-3], layers)
        side = path + ".nac.json"
        if where == "embedded":
            exported.save(path + ".tmp", _extra_files={"nac.json": json.dumps(md)})
        else:
            exported.save(path + ".tmp")
        if where == "sidecar":
            with open(side, "w", encoding="utf-8") as f:
                json.dump(md, f, indent=1)
        elif os.path.exists(side):
            os.remove(side)
        os.replace(path + ".tmp", path)
        with torch.no_grad():  # the export computes what the eager model computes
            x = torch.randn(4, 3, 32, 32)
            gap = (model(x) - torch.jit.load(path)(x)).abs().max().item()
        print(f"wrote {path} ({kind.replace('script', 'scripte')}d, metadata {where}; |eager - exported| {gap:.2e})", flush=True)
        if not gap <= 1e-4:
            raise SystemExit(f"{path}: export differs from the eager model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
