#!/usr/bin/env python3
"""Independent eager-PyTorch NAC-UE (SPEC.md §1-3), for cross-checking the C++ engine.

    /usr/bin/python3 tools/reference_nac.py --arch demo --model resources/demo/fashion_resnet18.pt \
        --fit  /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz --fit-count 1000 \
        --score /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --score-count 2000 \
        --layer avgpool:M=50,O=50,alpha=100 --layer layer3:M=500,O=100,alpha=1000 \
        --mean 0.2858 --std 0.3529 --out scores.csv

The network is rebuilt as an *eager* nn.Module (demo architecture, torchvision resnet18, or any
torchvision classification constructor with --arch torchvision:NAME; --arch torchvision:NAME:wrapped
holds it as attribute `net` of a wrapper whose forward returns self.net(x), so that layer names
read net.layer3 etc.; the number of classes is the TorchScript model's on a dry run) and the
weights are copied from the TorchScript file, so nothing here shares code paths with the C++
graph rewriting.  Layer outputs are captured with forward hooks (kept in the autograd graph) and
one torch.autograd.grad call yields the gradients for all layers.

--layer, --mean and --std default to the model's embedded nac.json (or <model>.nac.json); the
input shape too, or --input CxHxW for a model without metadata.
Fit images are --fit-count images of --fit (or "all") from index --fit-start; score images
likewise.  The CSV's `index` is the image's index in the --score file.
Note that the fit must not use images that are scored afterwards (SPEC §7).

--device cuda[:N] runs the eager network on a GPU (TensorFloat-32 off, as in the C++ engine); the
histograms and scores are still computed on the CPU in float64 comparisons.  --rounds R times the
fit's state extraction R times (same images, same results) and prints the median throughput.
"""
import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import DemoResNet18, read_idx  # noqa: E402


# --------------------------------------------------------------------------- NAC pieces
def reference_edges(m: int) -> np.ndarray:
    """The mirrored-logspace bin edges of [OC] nac/coverage.py::logspace (SPEC §2), float64.

    M edges -> M-1 half-open bins [t_k, t_{k+1}); dense around 0.5, coarse near 0 and 1.
    """
    if m < 4 or m % 2:
        raise ValueError(f"M must be even and >= 4 (got {m}); odd M breaks the reference code")
    h = m // 2
    x = np.linspace(1.0, math.sqrt(1000.0), h)
    xl = np.log(x) / np.log(1000.0)          # 0 .. 0.5
    xr = (1.0 - xl)[::-1]                    # 0.5 .. 1
    edges = np.concatenate([xl[:-1], xr])
    edges[-1] += 0.01                        # 1 -> 1.01
    edges = np.append(edges, 1.2)            # dead last bin [1.01, 1.2)
    assert len(edges) == m
    return edges


def bin_index(states: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Bin of each state, -1 where it falls in no bin (outside [t_0, t_{M-1}) or NaN).

    Compared in float64 like the reference, where float32 states meet float64 thresholds.
    """
    s = states.double()
    k = torch.bucketize(s, edges, right=True) - 1      # edges[k] <= s < edges[k+1]
    valid = (k >= 0) & (k <= len(edges) - 2) & ~torch.isnan(s)
    return torch.where(valid, k, torch.full_like(k, -1))


def parse_layer(spec: str) -> dict:
    """'name:M=50,O=50,alpha=100' -> {'name':..., 'M':50, 'O':50.0, 'alpha':100.0}."""
    try:
        name, params = spec.split(":", 1)
        kv = dict(p.split("=", 1) for p in params.split(","))
        return {"name": name, "M": int(kv["M"]), "O": float(kv["O"]), "alpha": float(kv["alpha"])}
    except (ValueError, KeyError) as e:
        raise argparse.ArgumentTypeError(f"bad --layer '{spec}' (want name:M=..,O=..,alpha=..): {e}")


class StateExtractor:
    """Forward hooks on the named modules + one autograd.grad call for all of them."""

    def __init__(self, model: torch.nn.Module, layer_names):
        self.model = model
        self.names = list(layer_names)
        modules = dict(model.named_modules())
        missing = [n for n in self.names if n not in modules]
        if missing:
            raise SystemExit(f"unknown layer(s) {missing}; modules: {[n for n in modules if n]}")
        self.captured = {}
        for n in self.names:
            modules[n].register_forward_hook(self._hook(n))

    def _hook(self, name):
        def hook(_module, _inputs, output):
            if not isinstance(output, torch.Tensor):
                raise RuntimeError(f"layer {name} does not output a single tensor")
            # Remember the version counter: if a later in-place op (e.g. ReLU(inplace=True))
            # modified this tensor, the z we read after the forward would be wrong.
            self.captured[name] = (output, output._version)
        return hook

    def __call__(self, x: torch.Tensor):
        """Returns logits [B,C] and, per layer, the raw product sumHW(z)*sumHW(g) [B,N]."""
        self.captured.clear()
        with torch.enable_grad():
            logits = self.model(x)
            zs = []
            for n in self.names:
                z, version = self.captured[n]
                if z._version != version:
                    raise RuntimeError(f"output of {n} was modified in place after the hook ran")
                zs.append(z)
            # Cross-entropy to the uniform target, summed over the batch (SPEC §1.3);
            # mean over classes == (1/C) * sum over classes.
            loss = (-F.log_softmax(logits, dim=1).mean(dim=1)).sum()
            grads = torch.autograd.grad(loss, zs)
        products = []
        for z, g in zip(zs, grads):
            # SUM over all spatial dims, z and g separately, product afterwards (SPEC §1.5-6).
            dims = tuple(range(2, z.dim()))
            zp = z.detach().sum(dim=dims) if dims else z.detach()
            gp = g.sum(dim=dims) if dims else g
            products.append(zp * gp)
        return logits.detach(), products


# --------------------------------------------------------------------------- model and data
def load_metadata(path: str):
    extra = {"nac.json": ""}
    module = torch.jit.load(path, map_location="cpu", _extra_files=extra)
    meta = None
    if extra["nac.json"]:
        meta = json.loads(extra["nac.json"])
    elif os.path.exists(path + ".nac.json"):
        with open(path + ".nac.json", "r", encoding="utf-8") as f:
            meta = json.load(f)
    return module, meta


class Wrapped(torch.nn.Module):
    """--arch torchvision:NAME:wrapped: the model as attribute `net` (layer names net.*)."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def parse_arch(arch: str):
    """'demo' | 'resnet18' | 'torchvision:NAME[:wrapped]' -> (kind, torchvision name, wrapped)."""
    if arch in ("demo", "resnet18"):
        return arch, None, False
    parts = arch.split(":")
    if parts[0] == "torchvision" and len(parts) in (2, 3) and parts[1] and \
            (len(parts) == 2 or parts[2] == "wrapped"):
        name = parts[1]
        import torchvision                   # only needed here: GPU machines may lack it
        ctor = getattr(torchvision.models, name, None)
        if name.startswith("_") or not callable(ctor):
            raise SystemExit(f"--arch {arch}: torchvision.models has no constructor {name}")
        return "torchvision", name, len(parts) == 3
    raise SystemExit(f"unknown --arch {arch} (want demo, resnet18, torchvision:NAME or torchvision:NAME:wrapped)")


def build_eager(arch: str, state: dict, num_classes: int = None) -> torch.nn.Module:
    kind, name, wrapped = parse_arch(arch)
    if kind == "demo":
        model = DemoResNet18(num_classes=state["fc.weight"].shape[0], width=state["conv1.weight"].shape[0],
                             in_channels=state["conv1.weight"].shape[1])
    elif kind == "resnet18":
        import torchvision
        model = torchvision.models.resnet18(num_classes=state["fc.weight"].shape[0])
    else:
        if num_classes is None:
            raise SystemExit(f"--arch {arch}: number of classes unknown")
        import torchvision
        model = getattr(torchvision.models, name)(num_classes=num_classes)
        if wrapped:
            model = Wrapped(model)
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_images(path: str, start: int, count: str, shape, mean, std, resize: str) -> torch.Tensor:
    """uint8 IDX -> float in [0,1] -> size/channels of the model input -> (x-mean)/std."""
    arr = read_idx(path)
    if not 0 <= start < len(arr):
        raise SystemExit(f"{path} has {len(arr)} images, start {start} is out of range")
    arr = arr[start:]
    if count != "all":
        n = int(count)
        if n > len(arr):
            raise SystemExit(f"{path} has {len(arr)} images from {start}, {n} requested")
        arr = arr[:n]
    x = torch.from_numpy(arr.astype(np.float32)) / 255.0
    if x.dim() == 3:
        x = x.unsqueeze(1)                        # [N,H,W] -> [N,1,H,W]
    elif x.dim() == 4:
        x = x.permute(0, 3, 1, 2)                 # IDX colour images are stored [N,H,W,C]
    else:
        raise SystemExit(f"{path}: unsupported IDX shape {tuple(arr.shape)}")
    c, h, w = shape
    if x.shape[1] != c:
        if x.shape[1] == 1:
            x = x.expand(-1, c, -1, -1)           # grey -> replicate to the model's channels
        elif c == 1:
            x = x.mean(dim=1, keepdim=True)
        else:
            raise SystemExit(f"cannot map {x.shape[1]} channels to {c}")
    if x.shape[2:] != (h, w):
        if resize == "bilinear":
            x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
        else:
            raise SystemExit(f"images are {tuple(x.shape[2:])}, model wants {(h, w)}; use --resize bilinear")
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return ((x - m) / s).contiguous()


def synchronize(device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def extract_all(extractor, x: torch.Tensor, batch: int, device: torch.device = torch.device("cpu")):
    """Runs the extractor over x in batches on device; returns (logits, [products per layer],
    seconds), the results on the CPU.  The time includes copying each batch to the device and the
    results back, as the C++ engine's does."""
    logits, prods, secs = [], None, 0.0
    for i in range(0, len(x), batch):
        xb = x[i:i + batch]
        synchronize(device)
        t0 = time.perf_counter()
        lg, pr = extractor(xb.to(device))
        lg, pr = lg.cpu(), [p.cpu() for p in pr]
        secs += time.perf_counter() - t0
        logits.append(lg)
        prods = [[p] for p in pr] if prods is None else [acc + [p] for acc, p in zip(prods, pr)]
    return torch.cat(logits), [torch.cat(p) for p in prods], secs


def parse_device(text: str) -> torch.device:
    """'cpu', 'cuda' or 'cuda:N', checked against the machine."""
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise SystemExit(f"--device {text}: no CUDA device is available (torch {torch.__version__}, "
                             f"CUDA {torch.version.cuda}); use --device cpu")
        index = 0
        if text != "cuda":
            try:
                index = int(text[5:])
            except ValueError:
                raise SystemExit(f"--device {text} is not cpu, cuda or cuda:N")
        if not 0 <= index < torch.cuda.device_count():
            raise SystemExit(f"--device {text} does not exist: {torch.cuda.device_count()} CUDA device(s) found")
        return torch.device("cuda", index)
    raise SystemExit(f"--device {text} is not cpu, cuda or cuda:N")


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True,
                    help="demo, resnet18, torchvision:NAME (any torchvision classification constructor) "
                         "or torchvision:NAME:wrapped (the model as attribute `net` of a wrapper)")
    ap.add_argument("--model", required=True, help="TorchScript file; only its weights (and nac.json) are used")
    ap.add_argument("--fit", required=True, help="IDX images for the coverage fit")
    ap.add_argument("--fit-count", default="1000", help="first N images, or 'all'")
    ap.add_argument("--fit-start", type=int, default=0, help="skip this many images first")
    ap.add_argument("--score", required=True, action="append",
                    help="IDX images to score (repeatable, one --out each: the fit is done once)")
    ap.add_argument("--score-count", default="all", help="first N images, or 'all'")
    ap.add_argument("--score-start", type=int, default=0,
                    help="skip this many images first; CSV indices stay relative to the file")
    ap.add_argument("--layer", action="append", type=parse_layer, default=[],
                    help="name:M=..,O=..,alpha=.. (repeatable; default: layers of the model metadata)")
    ap.add_argument("--mean", help="comma-separated per-channel mean (default: metadata)")
    ap.add_argument("--std", help="comma-separated per-channel std (default: metadata)")
    ap.add_argument("--input", metavar="CxHxW",
                    help="model input shape when the model has no metadata (metadata wins otherwise)")
    ap.add_argument("--resize", choices=["bilinear", "none"], default="none",
                    help="how to fit images of another size to the model input")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (where the network runs)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="time the fit's state extraction this many times; prints the median images/s")
    ap.add_argument("--warmup", type=int, default=1, metavar="BATCHES",
                    help="untimed extraction batches before the fit (oneDNN primitive set-up)")
    ap.add_argument("--out", required=True, action="append",
                    help="CSV of per-image scores (one per --score, in the same order)")
    ap.add_argument("--dump-products", metavar="NPZ",
                    help="also save the raw products sumHW(z)*sumHW(g) of fit and score images "
                         "(keys fit_LAYER, score_LAYER; with several --score: scoreJ_LAYER, J from 0)")
    args = ap.parse_args()
    if len(args.score) != len(args.out):
        raise SystemExit(f"{len(args.score)} --score but {len(args.out)} --out; give one --out per --score")

    if args.rounds < 1:
        raise SystemExit(f"--rounds {args.rounds} must be at least 1")
    if args.batch < 1:
        raise SystemExit(f"--batch {args.batch} must be at least 1")
    device = parse_device(args.device)
    t_wall = time.perf_counter()
    torch.set_num_threads(args.threads)
    if device.type == "cuda":
        # Full float32 like the C++ engine on CUDA: TF32 would move states across bin edges.
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    parse_arch(args.arch)
    scripted, meta = load_metadata(args.model)

    layers = args.layer or (meta or {}).get("layers")
    if not layers:
        raise SystemExit("no --layer given and the model has no metadata layers")
    for l in layers:
        l["M"], l["O"], l["alpha"] = int(l["M"]), float(l["O"]), float(l["alpha"])
    inp = (meta or {}).get("input", {})
    mean = [float(v) for v in args.mean.split(",")] if args.mean else inp.get("mean")
    std = [float(v) for v in args.std.split(",")] if args.std else inp.get("std")
    if mean is None or std is None:
        raise SystemExit("need --mean/--std (the model has no metadata)")
    state = scripted.state_dict()
    if args.arch == "demo":
        shape = (state["conv1.weight"].shape[1], 28, 28)
    else:
        shape = (3, 32, 32)
    if args.input:
        try:
            shape = tuple(int(v) for v in args.input.lower().split("x"))
            assert len(shape) == 3 and min(shape) > 0
        except (ValueError, AssertionError):
            raise SystemExit(f"bad --input '{args.input}' (want CxHxW, e.g. 3x32x32)")
    if inp:
        shape = (inp["channels"], inp["height"], inp["width"])
    num_classes = None
    if parse_arch(args.arch)[0] == "torchvision":
        with torch.no_grad():                  # dry run: the classes are the model's output width
            num_classes = int(scripted(torch.zeros(2, *shape)).shape[1])
    model = build_eager(args.arch, state, num_classes)

    x_fit = load_images(args.fit, args.fit_start, args.fit_count, shape, mean, std, args.resize)
    x_scores = [load_images(p, args.score_start, args.score_count, shape, mean, std, args.resize)
                for p in args.score]
    device_text = str(device) + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
    print(f"model {args.model} ({args.arch}), input {shape}, mean {mean} std {std}, "
          f"threads {torch.get_num_threads()}, batch {args.batch}, device {device_text}")
    print("layers: " + "; ".join(f"{l['name']} M={l['M']} O={l['O']:g} alpha={l['alpha']:g}" for l in layers))

    # The eager rebuild must compute what the TorchScript file computes (right arch, all weights).
    with torch.no_grad():
        probe = x_fit[:8]
        gap = (model(probe) - scripted(probe)).abs().max().item()
    if not gap <= 1e-4:
        raise SystemExit(f"eager {args.arch} and TorchScript model disagree (max |logit diff| {gap})")
    del scripted
    model = model.to(device)

    extractor = StateExtractor(model, [l["name"] for l in layers])

    for i in range(args.warmup):                                        # results discarded
        extractor(x_fit[i * args.batch:(i + 1) * args.batch].to(device))

    # ---- fit: histogram counts [M-1, N] per layer over all fit images (no filtering, §1.8)
    round_secs = []
    for _ in range(args.rounds):
        _, fit_prods, fit_secs = extract_all(extractor, x_fit, args.batch, device)
        round_secs.append(fit_secs)
    fit_secs = sorted(round_secs)[len(round_secs) // 2] if len(round_secs) % 2 else \
        0.5 * sum(sorted(round_secs)[len(round_secs) // 2 - 1:len(round_secs) // 2 + 1])
    print(f"fit: {len(x_fit)} images, state extraction {fit_secs:.2f}s = "
          f"{len(x_fit) / fit_secs:.1f} images/s" + (f" (median of {args.rounds})" if args.rounds > 1 else ""))
    phis, edges_all = [], []
    for l, prod in zip(layers, fit_prods):
        edges = torch.from_numpy(reference_edges(l["M"]))
        states = torch.sigmoid(l["alpha"] * prod)                       # float32, like [OC]
        k = bin_index(states, edges)                                    # [B,N]
        n_neurons = k.shape[1]
        counts = torch.zeros(l["M"] - 1, n_neurons, dtype=torch.float32)
        valid = k >= 0
        cols = torch.arange(n_neurons).expand_as(k)
        counts.index_put_((k[valid], cols[valid]), torch.ones(int(valid.sum())), accumulate=True)
        phis.append(torch.clamp(counts / l["O"], max=1.0))              # Phi = min(count/O, 1)
        edges_all.append(edges)

    # ---- score (each --score set with the same fit)
    dump = {f"fit_{l['name']}": p.numpy() for l, p in zip(layers, fit_prods)}
    for j, (x_score, out_path) in enumerate(zip(x_scores, args.out)):
        key = "score" if len(x_scores) == 1 else f"score{j}"
        logits, score_prods, score_secs = extract_all(extractor, x_score, args.batch, device)
        print(f"score: {len(x_score)} images, state extraction {score_secs:.2f}s = "
              f"{len(x_score) / score_secs:.1f} images/s")
        layer_scores = []
        for l, prod, phi, edges in zip(layers, score_prods, phis, edges_all):
            states = torch.sigmoid(l["alpha"] * prod)
            k = bin_index(states, edges)
            cols = torch.arange(k.shape[1]).expand_as(k)
            per_neuron = torch.where(k >= 0, phi[k.clamp(min=0), cols], torch.zeros(()))
            layer_scores.append(per_neuron.double().mean(dim=1))            # mean over neurons
        total = torch.stack(layer_scores).mean(dim=0)                       # equal layer weights

        msp = torch.softmax(logits, 1).max(1).values
        maxlogit = logits.max(1).values
        energy = torch.logsumexp(logits, 1)

        with open(out_path, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["index", "score"] + [f"score_{l['name']}" for l in layers] + ["msp", "maxlogit", "energy"])
            for i in range(len(x_score)):
                wr.writerow([args.score_start + i, f"{total[i].item():.10g}"] + [f"{s[i].item():.10g}" for s in layer_scores]
                            + [f"{msp[i].item():.9g}", f"{maxlogit[i].item():.9g}", f"{energy[i].item():.9g}"])
        dump.update({f"{key}_{l['name']}": p.numpy() for l, p in zip(layers, score_prods)})
        dump[f"{key}_logits"] = logits.numpy()
        print(f"mean score {total.mean().item():.6f}; wrote {out_path}")
    if args.dump_products:
        np.savez(args.dump_products, **dump)
    print(f"total wall time {time.perf_counter() - t_wall:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
