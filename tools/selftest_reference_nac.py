#!/usr/bin/env python3
"""Self-test of reference_nac.py against a second, deliberately literal NAC-UE implementation.

    /usr/bin/python3 tools/selftest_reference_nac.py [--model M.pt --arch demo]

The literal version follows the structure of the authors' code as SPEC.md describes it:
forward monkey-patching instead of hooks, one autograd.grad call per layer with
retain_graph, torch-built edges, and the dense [B, M-1, N] boolean histogram.  Without
--model a randomly initialised demo network (BN statistics warmed up) and synthetic
images are used, so the test needs no data set and no trained model.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from demo_arch import DemoResNet18, read_idx, write_idx  # noqa: E402
import reference_nac  # noqa: E402

LAYERS = [("avgpool", 50, 50, 100.0), ("layer3", 500, 100, 1000.0),
          ("layer2", 50, 5, 0.001), ("layer1", 1000, 3, 0.005), ("layer4", 50, 10, 1.0)]


def literal_edges(m: int) -> torch.Tensor:
    h = m // 2
    x = torch.linspace(1, 1000 ** 0.5, h, dtype=torch.float64)
    left = torch.log(x) / math.log(1000)
    right = torch.flip(1 - left, dims=[0])
    t = torch.cat([left[:-1], right])
    t[-1] = t[-1] + 0.01
    return torch.cat([t, torch.tensor([1.2], dtype=torch.float64)])


def literal_states(model, names, alphas, x):
    store = {}
    modules = dict(model.named_modules())
    originals = {}
    for n in names:
        mod = modules[n]
        originals[n] = mod.forward

        def patched(*a, _orig=mod.forward, _n=n, **k):
            out = _orig(*a, **k)
            store[_n] = out
            return out
        mod.forward = patched
    try:
        logits = model(x)
    finally:
        for n in names:
            modules[n].forward = originals[n]
    c = logits.shape[1]
    targets = torch.ones_like(logits) / c
    loss = torch.sum(-targets * F.log_softmax(logits, dim=1))
    states = []
    for j, (n, alpha) in enumerate(zip(names, alphas)):
        g = torch.autograd.grad(loss, store[n], retain_graph=j < len(names) - 1)[0]
        o = store[n].detach()
        if o.dim() > 2:
            o, g = o.sum(dim=[2, 3]), g.sum(dim=[2, 3])
        states.append(torch.sigmoid(alpha * o * g))
    return logits.detach(), states


def literal_nac(model, fit_x, score_x, batch):
    names = [l[0] for l in LAYERS]
    alphas = [l[3] for l in LAYERS]
    counts = [None] * len(LAYERS)
    for i in range(0, len(fit_x), batch):
        _, states = literal_states(model, names, alphas, fit_x[i:i + batch])
        for j, (s, (_, m, _, _)) in enumerate(zip(states, LAYERS)):
            t = literal_edges(m)
            hit = (s[:, None, :] >= t[None, :-1, None]) & (s[:, None, :] < t[None, 1:, None])
            c = hit.sum(0).float()
            counts[j] = c if counts[j] is None else counts[j] + c
    phis = [torch.clamp(c / o, max=1) for c, (_, _, o, _) in zip(counts, LAYERS)]
    totals, per_layer, all_logits = [], [], []
    for i in range(0, len(score_x), batch):
        logits, states = literal_states(model, names, alphas, score_x[i:i + batch])
        all_logits.append(logits)
        score = 0
        layer_vals = []
        for s, phi, (_, m, _, _) in zip(states, phis, LAYERS):
            t = literal_edges(m)
            hit = (s[:, None, :] >= t[None, :-1, None]) & (s[:, None, :] < t[None, 1:, None])
            ls = (hit.float() * phi[None]).sum(1).mean(1)
            layer_vals.append(ls)
            score = score + ls / len(LAYERS)
        totals.append(score)
        per_layer.append(torch.stack(layer_vals, 1))
    return torch.cat(totals), torch.cat(per_layer), torch.cat(all_logits)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="demo TorchScript model (default: a random one)")
    ap.add_argument("--fit-count", type=int, default=300)
    ap.add_argument("--score-count", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        model_path = args.model
        if not model_path:
            torch.manual_seed(0)
            m = DemoResNet18()
            m.train()
            with torch.no_grad():        # give BatchNorm non-trivial running statistics
                for _ in range(5):
                    m(torch.randn(64, 1, 28, 28))
            model_path = os.path.join(tmp, "random_demo.pt")
            torch.jit.save(torch.jit.script(m.eval()), model_path)
        # Synthetic images: smooth blobs plus noise, from a fixed seed.
        rng = np.random.RandomState(0)
        n = args.fit_count + args.score_count
        yy, xx = np.mgrid[0:28, 0:28]
        cy, cx, r = rng.uniform(6, 22, n), rng.uniform(6, 22, n), rng.uniform(3, 10, n)
        imgs = 255 * np.exp(-((yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2)
                            / (2 * r[:, None, None] ** 2))
        imgs = np.clip(imgs + rng.normal(0, 20, imgs.shape), 0, 255).astype(np.uint8)
        fit_path, score_path = os.path.join(tmp, "fit.idx"), os.path.join(tmp, "score.idx.gz")
        write_idx(fit_path, imgs[:args.fit_count])
        write_idx(score_path, imgs[args.fit_count:])
        assert (read_idx(score_path) == imgs[args.fit_count:]).all()

        out_csv = os.path.join(tmp, "ref.csv")
        cmd = [sys.executable, os.path.join(HERE, "reference_nac.py"), "--arch", "demo", "--model", model_path,
               "--fit", fit_path, "--fit-count", "all", "--score", score_path, "--score-count", "all",
               "--mean", "0.2858", "--std", "0.3529", "--batch", "50", "--threads", str(args.threads),
               "--out", out_csv]
        for name, m_, o, a in LAYERS:
            cmd += ["--layer", f"{name}:M={m_},O={o},alpha={a}"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

        scripted, _ = reference_nac.load_metadata(model_path)
        model = reference_nac.build_eager("demo", scripted.state_dict())
        to_x = lambda a: ((torch.from_numpy(a.astype(np.float32)) / 255 - 0.2858) / 0.3529).unsqueeze(1)
        total, per_layer, logits = literal_nac(model, to_x(imgs[:args.fit_count]),
                                               to_x(imgs[args.fit_count:]), batch=64)
        lit_csv = os.path.join(tmp, "literal.csv")
        with open(lit_csv, "w") as f:
            f.write("index,score," + ",".join(f"score_{l[0]}" for l in LAYERS) + ",maxlogit\n")
            for i in range(len(total)):
                f.write(f"{i},{total[i].item():.10g}," + ",".join(f"{v:.10g}" for v in per_layer[i].tolist())
                        + f",{logits[i].max().item():.9g}\n")
        print(f"literal mean score {total.mean().item():.6f}")
        rc = subprocess.run([sys.executable, os.path.join(HERE, "compare_scores.py"), out_csv, lit_csv]).returncode
    print("SELFTEST", "PASS" if rc == 0 else "FAIL")
    return rc


if __name__ == "__main__":
    sys.exit(main())
