#!/usr/bin/env python3
"""Create the TorchScript models used by the C++ tests.

    /usr/bin/python3 tools/make_test_models.py --out DIR

Everything is generated from fixed seeds in eval mode and written atomically, so a re-run
produces byte-identical files.  DIR/models.json describes every file (input shape, class
count, where its metadata lives, whether loading is expected to succeed).
"""
import argparse
import hashlib
import json
import os
import sys
import zipfile

import torch
from typing import Tuple
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import ensure_hash_seed, save_torchscript  # noqa: E402

CIFAR_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR_STD = [0.2470, 0.2435, 0.2616]
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"]
DIGITS = [str(i) for i in range(10)]


def metadata(name, shape, mean, std, classes, layers, seed):
    c, h, w = shape
    return {
        "format": "nac-model-metadata", "version": 1, "name": name,
        "input": {"channels": c, "height": h, "width": w, "mean": mean, "std": std},
        "classes": classes,
        "layers": [{"name": n, "M": m, "O": o, "alpha": a} for n, m, o, a in layers],
        "bin_scheme": "reference",
        # Test models are randomly initialised: nothing was trained, so no accuracy/splits.
        "training": {"dataset": "none (random initialisation)", "seed": seed},
    }


def resnet_layers():
    # The CIFAR-10 defaults of SPEC §2 (O, M, alpha order rearranged to name, M, O, alpha).
    return [("avgpool", 50, 50, 100), ("layer3", 500, 100, 1000),
            ("layer2", 50, 5, 0.001), ("layer1", 500, 100, 0.001)]


# --------------------------------------------------------------------------- small modules
class HelperMethodNet(nn.Module):
    """forward -> self.features_of (a helper method) -> body, pool; then head.

    Checks that the layer tapper follows calls through helper methods on `self`.
    """

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 3, 1, 1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(32, 10)

    def features_of(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(x)
        x = self.pool(x)
        return torch.flatten(x, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features_of(x))


class SmallBackbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage1 = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1), nn.BatchNorm2d(8), nn.ReLU())
        self.stage2 = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage2(self.stage1(x))
        return torch.flatten(self.avgpool(x), 1)


class BackboneHead(nn.Module):
    """The `.backbone` / `.head` layout (SPEC §1.1: layer names get the `backbone.` prefix)."""

    def __init__(self):
        super().__init__()
        self.backbone = SmallBackbone()
        self.head = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


class TinyFixed(nn.Module):
    """1x4x4 input, 3 channels, 4 classes, weights from closed-form formulas (see set_fixed_weights)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.relu = nn.ReLU()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def set_fixed_weights(m: TinyFixed) -> dict:
    """Deterministic, seed-free weights; every value is exactly representable in float32."""
    with torch.no_grad():
        for o in range(3):
            for i in range(3):
                for j in range(3):
                    # Mixed signs, so ReLU clips some positions and not others.
                    m.conv.weight[o, 0, i, j] = ((o + 1) * (3 * i + j + 1) % 7 - 3) / 8.0
        m.conv.bias.copy_(torch.tensor([0.125, -0.25, 0.5]))
        for k in range(4):
            for c in range(3):
                m.fc.weight[k, c] = ((k + 1) * (c + 2) % 5 - 2) / 4.0
        m.fc.bias.copy_(torch.tensor([0.0, 0.25, -0.25, 0.5]))
    return {
        "conv_weight": m.conv.weight.tolist(), "conv_bias": m.conv.bias.tolist(),
        "fc_weight": m.fc.weight.tolist(), "fc_bias": m.fc.bias.tolist(),
    }


class SmallCNN(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(),
                                      nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(self.features(x)), 1))


class DropoutCNN(SmallCNN):
    """SmallCNN with dropout before the classifier (traced in training mode for a test)."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(torch.flatten(self.avgpool(self.features(x)), 1)))


class BatchNormCNN(SmallCNN):
    """SmallCNN with BatchNorm after the convolutions (traced in training mode for a test)."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(self.bn(self.features(x))), 1))


class BatchStatisticsCNN(SmallCNN):
    """Centres its features on the batch mean by hand: no dropout or BatchNorm node to find in
    the graph, but every image's output depends on the rest of its batch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        f = f - f.mean(0, keepdim=True)
        return self.fc(torch.flatten(self.avgpool(f), 1))


class TupleOutput(SmallCNN):
    def forward(self, x: torch.Tensor):  # -> Tuple[Tensor, Tensor]
        f = torch.flatten(self.avgpool(self.features(x)), 1)
        return self.fc(f), f


class SpatialOutput(nn.Module):
    """Returns a [B,10,7,7] map (segmentation-like) instead of [B,classes]."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(),
                                      nn.Conv2d(8, 10, 3, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class NanOutput(nn.Module):
    """Injects NaN after `conv`; `block` (tappable) and everything after it is NaN."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, 2, 1)
        self.block = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x) * float("nan")
        x = self.block(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


class MeanSquare(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.pow(2).mean()


class OddModules(nn.Module):
    """Has a submodule forward never calls (`unused`), one that returns a tuple (`pair`) and one
    that returns a 0-dimensional tensor (`energy`)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU())
        self.pair = SplitHalves()
        self.energy = MeanSquare()
        self.unused = nn.Conv2d(8, 8, 1)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.pair(self.features(x))
        return self.fc(torch.flatten(self.avgpool(a + b), 1)) + 0.0 * self.energy(a)


class ViewFlatten(nn.Module):
    """Flattens a [B,16,7,7] map with .view(), which a channels-last tensor cannot do."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.ReLU(),
                                      nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.fc(x.view(x.size(0), -1))


class InplaceAfterTap(nn.Module):
    """Changes the output of `features` in place (relu_), as torchvision's DenseNet does."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 2, 1), nn.BatchNorm2d(8))
        self.features = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.BatchNorm2d(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(self.stem(x))
        f = torch.relu_(f)
        return self.fc(f.mean(dim=(2, 3)))


class WidthChanges(SmallCNN):
    """Logits [B,10] for the inputs NAC's dry runs feed (zeros; a sin/cos pattern within +-1.25)
    but [B,5] for a batch with any value above 1.5, which normalised real images reach."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.fc(torch.flatten(self.avgpool(self.features(x)), 1))
        if bool(x.max() > 1.5):
            logits = logits[:, :5]
        return logits


class NeverReturns(SmallCNN):
    """Returns for the dry runs' inputs (all values within +-1.25) but loops forever on a batch
    with a value above 1.5, as normalised real images have: for Ctrl+C while forward runs."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.fc(torch.flatten(self.avgpool(self.features(x)), 1))
        spins = 0
        while bool(x.max() > 1.5):
            spins += 1
        return logits + 0.0 * float(spins)


class SplitHalves(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return x * 0.5, x * 0.5


# --------------------------------------------------------------------------- writing
def eager_expected(model: nn.Module, shape, layer_names) -> dict:
    """Logits and raw products sum(z)*sum(g) of a probe batch, eager: hooks + one autograd.grad.

    The probe is x[i] = sin(0.37 i) + 0.25 cos(0.011 i) over the flat [2, C, H, W] batch (the C++
    test builds the same). Feature maps [B, C, H, W] are summed over H and W; token sequences
    [B, T, D] over T, except encoder.ln, whose CLS token (token 0) is taken.
    """
    n = 2 * shape[0] * shape[1] * shape[2]
    i = torch.arange(n, dtype=torch.float64)
    x = (torch.sin(0.37 * i) + 0.25 * torch.cos(0.011 * i)).float().view(2, *shape)
    modules = dict(model.named_modules())
    captured = {}
    hooks = [modules[name].register_forward_hook(lambda _m, _i, o, name=name: captured.__setitem__(name, o))
             for name in layer_names]
    with torch.enable_grad():
        logits = model(x)
        loss = (-torch.log_softmax(logits, dim=1).mean(dim=1)).sum()
        grads = torch.autograd.grad(loss, [captured[name] for name in layer_names])
    for h in hooks:
        h.remove()
    raw = {}
    for name, g in zip(layer_names, grads):
        z = captured[name].detach()
        if name == "encoder.ln":
            zp, gp = z[:, 0], g[:, 0]
        elif z.dim() == 4:
            zp, gp = z.sum(dim=(2, 3)), g.sum(dim=(2, 3))
        else:
            zp, gp = z.sum(dim=1), g.sum(dim=1)
        raw[name] = (zp * gp).flatten().tolist()
    return {"probe": "sin(0.37 i) + 0.25 cos(0.011 i), flat index i of [2, C, H, W]", "batch": 2,
            "logits": logits.detach().flatten().tolist(), "raw_products": raw}


def atomic_write_bytes(path: str, data: bytes) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save_module(module, path: str, meta) -> None:
    extra = {"nac.json": json.dumps(meta, indent=2)} if meta is not None else {}
    save_torchscript(module, path, extra)


def build(out: str) -> list:
    entries = []

    def add(file, shape, classes, description, metadata_loc="embedded", expect="ok", **extra):
        e = {"file": file, "input_shape": list(shape) if shape else None, "classes": classes,
             "metadata": metadata_loc, "expect": expect, "description": description}
        e.update(extra)
        entries.append(e)

    def seeded(seed, ctor):
        torch.manual_seed(seed)
        return ctor().eval()

    # --- torchvision ResNet-18, scripted and traced from identical weights
    shape = (3, 32, 32)
    rn = seeded(1, lambda: torchvision.models.resnet18(num_classes=10))
    meta = metadata("ResNet-18 (random weights, scripted)", shape, CIFAR_MEAN, CIFAR_STD,
                    CIFAR_CLASSES, resnet_layers(), 1)
    save_module(torch.jit.script(rn), os.path.join(out, "resnet18_scripted.pt"), meta)
    add("resnet18_scripted.pt", shape, 10,
        "torchvision resnet18, scripted; forward calls the helper self._forward_impl")
    torch.manual_seed(101)
    example = torch.randn(2, *shape)
    with torch.no_grad():
        traced = torch.jit.trace(rn, example)
    meta = dict(meta, name="ResNet-18 (random weights, traced)")
    save_module(traced, os.path.join(out, "resnet18_traced.pt"), meta)
    add("resnet18_traced.pt", shape, 10,
        "same weights as resnet18_scripted.pt, torch.jit.trace on a [2,3,32,32] input")

    # --- MobileNetV2: deep nesting and calls inside prim::If branches
    mb = seeded(2, lambda: torchvision.models.mobilenet_v2(num_classes=10))
    layers = [("features.18", 50, 50, 100), ("features.15.conv", 50, 5, 1), ("features.5", 50, 5, 0.01)]
    meta = metadata("MobileNetV2 (random weights, scripted)", shape, CIFAR_MEAN, CIFAR_STD,
                    CIFAR_CLASSES, layers, 2)
    save_module(torch.jit.script(mb), os.path.join(out, "mobilenet_v2_scripted.pt"), meta)
    add("mobilenet_v2_scripted.pt", shape, 10,
        "torchvision mobilenet_v2, scripted; features.N.conv sits inside InvertedResidual's "
        "`if self.use_res_connect` branch (features.3,5,6,8,9,10,12,13,15,16 take the residual path)")

    # --- helper method on self
    shape = (1, 28, 28)
    hm = seeded(3, HelperMethodNet)
    meta = metadata("Helper-method CNN", shape, [0.2860], [0.3530], DIGITS,
                    [("pool", 50, 50, 100), ("body.3", 50, 5, 0.01), ("body", 50, 5, 0.01)], 3)
    save_module(torch.jit.script(hm), os.path.join(out, "helper_method.pt"), meta)
    add("helper_method.pt", shape, 10,
        "forward -> self.features_of(x) -> self.body (Sequential) and self.pool; then self.head")

    # --- backbone/head wrapper, metadata in a side file
    bh = seeded(4, BackboneHead)
    meta = metadata("Backbone/head CNN", shape, [0.2860], [0.3530], DIGITS,
                    [("backbone.avgpool", 50, 50, 100), ("backbone.stage2", 50, 5, 0.01),
                     ("backbone.stage1", 50, 5, 0.001)], 4)
    save_module(torch.jit.script(bh), os.path.join(out, "backbone_head.pt"), None)
    atomic_write_bytes(os.path.join(out, "backbone_head.pt.nac.json"),
                       (json.dumps(meta, indent=2) + "\n").encode())
    add("backbone_head.pt", shape, 10,
        "wrapper with .backbone (stage1, stage2, avgpool) and .head; metadata only in the side "
        "file backbone_head.pt.nac.json", metadata_loc="side")

    # --- hand-checkable model
    shape = (1, 4, 4)
    tf = TinyFixed().eval()
    weights = set_fixed_weights(tf)
    meta = metadata("Tiny fixed-weight CNN", shape, [0.0], [1.0], ["a", "b", "c", "d"],
                    [("avgpool", 50, 1, 1.0)], 0)
    save_module(torch.jit.script(tf), os.path.join(out, "tiny_fixed.pt"), meta)
    # Provide a probe input and its expected values so the C++ test has ground truth that
    # does not depend on re-deriving the conv by hand.
    probe = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4) / 8.0 - 1.0
    z = torch.flatten(tf.avgpool(tf.relu(tf.conv(probe))), 1)
    logits = tf.fc(z)
    g = (torch.softmax(logits, 1) - 1.0 / 4) @ tf.fc.weight   # W^T (softmax(p) - 1/C)
    weights.update({
        "note": "grad of sum_i sum_c -(1/C) log_softmax(p_i)_c w.r.t. avgpool output "
                "= fc_weight^T (softmax(p) - 1/C); avgpool output is [B,3,1,1]",
        "probe_input": probe.reshape(4, 4).tolist(),
        "probe_avgpool": z[0].tolist(), "probe_logits": logits[0].tolist(),
        "probe_avgpool_grad": g[0].tolist(),
    })
    atomic_write_bytes(os.path.join(out, "tiny_fixed.weights.json"),
                       (json.dumps(weights, indent=2) + "\n").encode())
    add("tiny_fixed.pt", shape, 4,
        "conv(1->3,k3,p1) -> relu -> avgpool -> flatten -> fc(3->4), fixed weights in "
        "tiny_fixed.weights.json with a probe input and its expected avgpool/logits/gradient")

    # --- no metadata anywhere
    shape = (1, 28, 28)
    nm = seeded(5, SmallCNN)
    save_module(torch.jit.script(nm), os.path.join(out, "no_metadata.pt"), None)
    add("no_metadata.pt", shape, 10, "small CNN (features, avgpool, fc) without any nac.json",
        metadata_loc="none")

    # --- bad files
    to = seeded(6, TupleOutput)
    meta = metadata("Tuple-output CNN", shape, [0.2860], [0.3530], DIGITS, [("avgpool", 50, 50, 100)], 6)
    save_module(torch.jit.script(to), os.path.join(out, "tuple_output.pt"), meta)
    add("tuple_output.pt", shape, 10, "valid model whose forward returns (logits [B,10], features [B,16])",
        expect="error")

    so = seeded(7, SpatialOutput)
    meta = metadata("Spatial-output CNN", shape, [0.2860], [0.3530], DIGITS, [("features", 50, 50, 100)], 7)
    save_module(torch.jit.script(so), os.path.join(out, "spatial_output.pt"), meta)
    add("spatial_output.pt", shape, 10, "valid model returning [B,10,7,7] instead of [B,classes]",
        expect="error")

    nn_ = seeded(8, NanOutput)
    meta = metadata("NaN-producing CNN", shape, [0.2860], [0.3530], DIGITS,
                    [("avgpool", 50, 50, 100), ("block", 50, 5, 0.01)], 8)
    save_module(torch.jit.script(nn_), os.path.join(out, "nan_output.pt"), meta)
    add("nan_output.pt", shape, 10,
        "loads fine, but conv output is multiplied by NaN, so `block`, `avgpool` and the logits "
        "are NaN for every input", expect="nan")

    om = seeded(9, OddModules)
    meta = metadata("CNN with an unused and a tuple-returning module", shape, [0.2860], [0.3530], DIGITS,
                    [("avgpool", 50, 50, 100)], 9)
    save_module(torch.jit.script(om), os.path.join(out, "odd_modules.pt"), meta)
    add("odd_modules.pt", shape, 10, "`unused` is never called by forward; `pair` returns a tuple, not a tensor; `energy` returns a "
        "0-dimensional tensor")

    # --- a tiny torchvision ViT, with its states computed here by hooks + autograd.grad, pooled as
    # SPEC §1.5 says (tokens summed; the CLS token of encoder.ln), for the C++ test to match.
    vit_shape = (3, 28, 28)
    vit = seeded(11, lambda: torchvision.models.VisionTransformer(
        image_size=28, patch_size=7, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=10))
    with torch.no_grad():  # torchvision zero-initialises the head: logits and gradients would be 0
        vit.heads.head.weight.normal_(0.0, 0.5)
        vit.heads.head.bias.normal_(0.0, 0.1)
        vit.class_token.normal_(0.0, 0.5)
    vit_layers = [("encoder.ln", 50, 50, 100), ("encoder.layers.encoder_layer_1.ln_2", 500, 10, 10)]
    meta = metadata("Tiny ViT (random weights, scripted)", vit_shape, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], DIGITS,
                    vit_layers, 11)
    save_module(torch.jit.script(vit), os.path.join(out, "vit_tiny.pt"), meta)
    atomic_write_bytes(os.path.join(out, "vit_tiny.expected.json"),
                       (json.dumps(eager_expected(vit, vit_shape, [name for name, *_ in vit_layers])) + "\n").encode())
    add("vit_tiny.pt", vit_shape, 10, "torchvision VisionTransformer (2 layers, 16 features, 16+1 tokens); "
        "vit_tiny.expected.json holds a probe batch's logits and per-layer raw products")

    vf = seeded(10, ViewFlatten)
    meta = metadata("CNN flattening with .view()", shape, [0.2860], [0.3530], DIGITS,
                    [("features", 50, 50, 100)], 10)
    save_module(torch.jit.script(vf), os.path.join(out, "view_flatten.pt"), meta)
    add("view_flatten.pt", shape, 10, "flattens a 7x7 feature map with .view(): cannot run channels-last")

    # --- a tapped output that forward then changes in place, with eager states for `features`.
    ia = seeded(12, InplaceAfterTap)
    with torch.no_grad():  # BatchNorm statistics that are not the identity, so folding them matters
        for bn in (ia.stem[1], ia.features[1]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    meta = metadata("CNN that applies relu_ to a tapped output", shape, [0.2860], [0.3530], DIGITS,
                    [("features", 50, 50, 100)], 12)
    save_module(torch.jit.script(ia), os.path.join(out, "inplace_after_tap.pt"), meta)
    atomic_write_bytes(os.path.join(out, "inplace_after_tap.expected.json"),
                       (json.dumps(eager_expected(ia, shape, ["features"])) + "\n").encode())
    add("inplace_after_tap.pt", shape, 10, "forward applies relu_ to the output of `features` (as DenseNet does); "
        "inplace_after_tap.expected.json holds a probe batch's eager logits and raw products")

    # --- models left in training mode (refused: their states would be random or batch-dependent)
    shape = (1, 28, 28)
    probe = torch.rand(4, *shape, generator=torch.Generator().manual_seed(12))
    for file, cls, seed in [("train_dropout_traced.pt", DropoutCNN, 12), ("train_batchnorm_traced.pt", BatchNormCNN, 13)]:
        torch.manual_seed(seed)
        m = cls().train()
        meta = metadata(f"{cls.__name__} traced in training mode", shape, [0.2860], [0.3530], DIGITS,
                        [("avgpool", 50, 50, 100)], seed)
        save_module(torch.jit.trace(m, probe, check_trace=False), os.path.join(out, file), meta)
        add(file, shape, 10, f"{cls.__name__} traced in training mode: the graph has a training=True constant",
            expect="error")
    bs = seeded(14, BatchStatisticsCNN)
    meta = metadata("CNN centred on batch statistics", shape, [0.2860], [0.3530], DIGITS, [("avgpool", 50, 50, 100)], 14)
    save_module(torch.jit.script(bs), os.path.join(out, "batch_statistics.pt"), meta)
    add("batch_statistics.pt", shape, 10, "subtracts the batch mean of its features: loads, refused when layers are tapped",
        expect="batch-dependent")

    atomic_write_bytes(os.path.join(out, "not_a_model.pt"),
                       b"This is a text file, not a TorchScript archive.\n")
    add("not_a_model.pt", None, None, "plain text file", metadata_loc="none", expect="error")
    atomic_write_bytes(os.path.join(out, "empty.pt"), b"")
    add("empty.pt", None, None, "0 bytes", metadata_loc="none", expect="error")
    with open(os.path.join(out, "no_metadata.pt"), "rb") as f:
        whole = f.read()
    atomic_write_bytes(os.path.join(out, "truncated.pt"), whole[:len(whole) // 2])
    add("truncated.pt", None, None, "first half of no_metadata.pt", metadata_loc="none", expect="error")

    # --- hostile models (issue 9): their behaviour on real data differs from the dry runs'
    wc = seeded(13, WidthChanges)
    meta = metadata("CNN whose logits width depends on its input", shape, [0.2860], [0.3530], DIGITS,
                    [("avgpool", 50, 50, 100)], 13)
    meta["classes"] = []
    save_module(torch.jit.script(wc), os.path.join(out, "width_changes.pt"), meta)
    add("width_changes.pt", shape, 10, "[B,10] logits for zeros and the tap check's pattern, [B,5] for real "
        "images (any normalised value above 1.5)", expect="error")
    nr = seeded(14, NeverReturns)
    meta = metadata("CNN whose forward never returns on real images", shape, [0.2860], [0.3530], DIGITS,
                    [("avgpool", 50, 50, 100)], 14)
    save_module(torch.jit.script(nr), os.path.join(out, "never_returns.pt"), meta)
    add("never_returns.pt", shape, 10, "returns for zeros and the tap check's pattern; loops forever on a batch "
        "with a normalised value above 1.5 (real images)", expect="hang")

    # A real archive (no_metadata.pt's records, stored) plus an extra/nac.json deflated from
    # 256 MiB of zeros to about 256 KB: LibTorch would inflate all of it into memory.
    bomb_path = os.path.join(out, "metadata_bomb.pt")
    with zipfile.ZipFile(os.path.join(out, "no_metadata.pt")) as source, \
            zipfile.ZipFile(bomb_path + ".tmp", "w", zipfile.ZIP_STORED) as bomb:
        prefix = source.namelist()[0].split("/")[0]
        for info in source.infolist():
            bomb.writestr(info.filename, source.read(info.filename))
        info = zipfile.ZipInfo(prefix + "/extra/nac.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        zeros = bytes(1 << 20)
        with bomb.open(info, "w", force_zip64=True) as f:
            for _ in range(256):
                f.write(zeros)
    os.replace(bomb_path + ".tmp", bomb_path)
    add("metadata_bomb.pt", shape, 10, "no_metadata.pt's records plus an extra/nac.json deflated from 256 MiB of "
        "zeros (a deflate bomb)", metadata_loc="embedded", expect="error")

    for e in entries:
        with open(os.path.join(out, e["file"]), "rb") as f:
            e["sha256"] = hashlib.sha256(f.read()).hexdigest()
    return entries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    ensure_hash_seed()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    entries = build(args.out)
    doc = {"format": "nac-test-models", "version": 1,
           "generator": "tools/make_test_models.py",
           "torch": torch.__version__.split("+")[0], "torchvision": torchvision.__version__.split("+")[0],
           "models": entries}
    atomic_write_bytes(os.path.join(args.out, "models.json"), (json.dumps(doc, indent=2) + "\n").encode())
    print(f"wrote {len(entries)} files + models.json to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
