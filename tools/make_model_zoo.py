#!/usr/bin/env python3
"""torchvision architectures (random weights), scripted and traced, for scripts/check-model-zoo.sh.

    /usr/bin/python3 tools/make_model_zoo.py --out DIR

Each file embeds a nac.json naming two layers; the point is whether `nac` can tap, fit and score
architectures it was not written for, not what the (untrained) scores are.
"""
import argparse
import json
import os
import sys

import torch
import torchvision

M = torchvision.models


def vit():
    model = M.VisionTransformer(image_size=64, patch_size=16, num_layers=2, num_heads=2, hidden_dim=64,
                                mlp_dim=128, num_classes=10)
    with torch.no_grad():  # torchvision zero-initialises the head
        model.heads.head.weight.normal_(0.0, 0.2)
    return model


# name: (constructor, input side, two layers to cover)
ZOO = {
    "vgg11_bn": (lambda: M.vgg11_bn(num_classes=10), 64, ["features.14", "classifier.3"]),
    "densenet121": (lambda: M.densenet121(num_classes=10), 64, ["features.denseblock3", "features.norm5"]),
    "squeezenet1_1": (lambda: M.squeezenet1_1(num_classes=10), 64, ["features.12", "features.7"]),
    "shufflenet_v2_x0_5": (lambda: M.shufflenet_v2_x0_5(num_classes=10), 64, ["stage3", "conv5"]),
    "mobilenet_v3_small": (lambda: M.mobilenet_v3_small(num_classes=10), 64, ["features.9", "avgpool"]),
    "efficientnet_b0": (lambda: M.efficientnet_b0(num_classes=10), 64, ["features.5", "avgpool"]),
    "regnet_y_400mf": (lambda: M.regnet_y_400mf(num_classes=10), 64, ["trunk_output.block3", "avgpool"]),
    "convnext_tiny": (lambda: M.convnext_tiny(num_classes=10), 64, ["features.5", "avgpool"]),
    "mnasnet0_5": (lambda: M.mnasnet0_5(num_classes=10), 64, ["layers.10", "layers.14"]),
    "googlenet": (lambda: M.googlenet(num_classes=10, aux_logits=False, init_weights=True), 64,
                  ["inception4c", "avgpool"]),
    "resnext50_32x4d": (lambda: M.resnext50_32x4d(num_classes=10), 64, ["layer3", "avgpool"]),
    "wide_resnet50_2": (lambda: M.wide_resnet50_2(num_classes=10), 64, ["layer2.1", "layer4"]),
    "vit": (vit, 64, ["encoder.layers.encoder_layer_1.ln_2", "encoder.ln"]),
    "sequential": (lambda: torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
                                               torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                               torch.nn.Linear(8, 10)), 32, ["1", "2"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for name, (ctor, side, layers) in ZOO.items():
        torch.manual_seed(0)
        model = ctor().eval()
        meta = {"name": name, "input": {"channels": 3, "height": side, "width": side,
                                        "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
                "layers": [{"name": layer, "M": 50, "O": 50, "alpha": 100} for layer in layers]}
        for kind in ("scripted", "traced"):
            try:
                if kind == "scripted":
                    exported = torch.jit.script(model)
                else:
                    exported = torch.jit.trace(model, torch.randn(1, 3, side, side), check_trace=False)
                exported.save(os.path.join(args.out, f"{name}_{kind}.pt"), _extra_files={"nac.json": json.dumps(meta)})
                print(f"wrote {name}_{kind}.pt", flush=True)
            except Exception as e:  # an export PyTorch itself cannot do is not nac's business
                print(f"skipped {name}_{kind}: torch cannot export it ({str(e).splitlines()[0][:120]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
