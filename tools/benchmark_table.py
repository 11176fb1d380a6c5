#!/usr/bin/env python3
"""Renders docs/BENCHMARKS.md from the outputs of scripts/make-benchmark-table.sh (do not run by hand).

    benchmark_table.py layer-prefixes PROFILE
        prints the ablation layer lists: the profile's first layer, then one more at a time
        ("avgpool", "avgpool,layer3", ...), one per line.
    benchmark_table.py render --work DIR --model M.pt --train-log LOG --grid "..." --quick 0|1
                              --started EPOCH --out docs/BENCHMARKS.md
        reads DIR/steps.tsv (name, seconds, exact command), the nac JSON outputs (eval-*.json,
        ablation-*.json, tune.json, bench.json) and the profiles, and writes the Markdown file.

Every number in the output is read from those files (or from /proc, git and the training log for
the machine and model lines); nothing is typed in. Needs only the Python standard library + numpy.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import struct
import subprocess
import sys
import time

import numpy as np

METHODS = ["NAC-UE", "MSP", "MaxLogit", "Energy"]
METRICS = [("auroc", "AUROC"), ("fpr95", "FPR@95"), ("aupr_in", "AUPR-In"), ("aupr_out", "AUPR-Out")]
COVARIATE_PREFIXES = ("invert:", "rot90:", "rot180:")


# ----------------------------------------------------------------------------------------------
# inputs

def read_profile(path: str, raw: bool = False):
    """Header of a .nacprofile (see engine/profile_io.cpp) and, with raw, the fit raw products."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"NACPROF\x1a":
        raise SystemExit(f"{path}: not a .nacprofile")
    _version, length = struct.unpack("<IQ", data[8:20])
    header = json.loads(data[20:20 + length].decode("utf-8"))
    if not raw:
        return header, None
    offset = 20 + length
    count = header["fit"]["count"]
    products = []
    for layer in header["layers"]:
        n = count * layer["neurons"]
        products.append(np.frombuffer(data, dtype="<f4", count=n, offset=offset).reshape(count, layer["neurons"]))
        offset += 4 * n
    return header, products


def load_json(path: str):
    with open(path) as f:
        return json.load(f)


def read_steps(work: str):
    steps = []
    with open(os.path.join(work, "steps.tsv")) as f:
        for line in f:
            name, seconds, command = line.rstrip("\n").split("\t", 2)
            steps.append({"name": name, "seconds": float(seconds), "command": command})
    return steps


def sh(*cmd) -> str:
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine_info():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    os_name = ""
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    commit = sh("git", "rev-parse", "HEAD")
    dirty = sh("git", "status", "--porcelain", "--untracked-files=no")
    return {
        "cpu": cpu or platform.processor() or "unknown",
        "logical": os.cpu_count(),
        "usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "mem_gib": mem_kib / 1024 / 1024,
        "os": os_name,
        "kernel": platform.release(),
        "commit": commit or "unknown (not a git checkout)",
        "dirty": bool(dirty),
    }


def loadavg(work: str) -> str:
    """Load averages when the script started and now (other work on the machine skews timings)."""
    def fmt(text):
        return ", ".join(text.split()[:3])
    parts = []
    start = os.path.join(work, "loadavg-start.txt")
    if os.path.exists(start):
        with open(start) as f:
            parts.append(f"{fmt(f.read())} at the start")
    with open("/proc/loadavg") as f:
        parts.append(f"{fmt(f.read())} at the end")
    return "; ".join(parts)


# ----------------------------------------------------------------------------------------------
# formatting helpers

def pct(v) -> str:
    return "n/a" if v is None else f"{100.0 * v:.2f}"


def num(v, digits=1) -> str:
    return f"{v:,.{digits}f}"


def table(header, rows, align=None) -> str:
    align = align or ["---"] * len(header)
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def params_text(layer) -> str:
    return f"M={layer['M']}, O={layer['O']:g}, alpha={layer['alpha']:g}"


def is_covariate(entry) -> bool:
    return entry["data"].startswith(COVARIATE_PREFIXES)


def group_means(ev, method, metric):
    """Unweighted means over far-OOD sets, covariate-shift sets and all sets."""
    far = [o[method][metric] for o in ev["ood"] if not is_covariate(o)]
    cov = [o[method][metric] for o in ev["ood"] if is_covariate(o)]
    both = far + cov
    mean = lambda xs: float(np.mean(xs)) if xs else None  # noqa: E731
    return mean(far), mean(cov), mean(both)


def compare(a: float, b: float) -> str:
    d = 100.0 * (a - b)
    if abs(d) < 0.005:
        return "equal to"
    return f"{abs(d):.2f} points {'above' if d > 0 else 'below'}"


# ----------------------------------------------------------------------------------------------
# rendering

def render(args) -> str:
    work = args.work
    steps = read_steps(work)
    by_name = {s["name"]: s for s in steps}
    ev_def = load_json(os.path.join(work, "eval-default.json"))
    ev_tun = load_json(os.path.join(work, "eval-tuned.json"))
    tune = load_json(os.path.join(work, "tune.json"))
    bench = load_json(os.path.join(work, "bench.json"))
    prof_def, raw = read_profile(os.path.join(work, "default.nacprofile"), raw=True)
    prof_tun, _ = read_profile(os.path.join(work, "tuned.nacprofile"))
    ablations = []
    i = 1
    while os.path.exists(os.path.join(work, f"ablation-{i}.json")):
        ablations.append(load_json(os.path.join(work, f"ablation-{i}.json")))
        i += 1
    m = machine_info()
    now = datetime.datetime.now(datetime.timezone.utc)
    total_s = time.time() - args.started
    with open(args.model, "rb") as f:
        model_sha = hashlib.sha256(f.read()).hexdigest()
    layer_names = [l["name"] for l in prof_def["layers"]]
    notes = []

    # Consistency checks on nac's own outputs (reported, never silently fixed).
    for o_def, o_tun in zip(ev_def["ood"], ev_tun["ood"]):
        for meth in METHODS[1:]:
            for key, _ in METRICS:
                if abs(o_def[meth][key] - o_tun[meth][key]) > 1e-9:
                    notes.append(f"{meth} {key} on {o_def['name']} differs between the default and tuned runs "
                                 f"({o_def[meth][key]} vs {o_tun[meth][key]}); baselines should not depend on NAC parameters.")
    for ev, label in ((ev_def, "default"), (ev_tun, "tuned")):
        for meth in METHODS:
            for key, _ in METRICS:
                _, _, allm = group_means(ev, meth, key)
                if abs(allm - ev["average"][meth][key]) > 1e-9:
                    notes.append(f"nac eval's 'average' {meth} {key} ({label}) is {ev['average'][meth][key]}, "
                                 f"the unweighted mean of its per-set values is {allm}.")

    L = []
    w = L.append
    w("# NAC Studio benchmarks")
    w("")
    w(f"_Generated by `scripts/make-benchmark-table.sh` on {now:%Y-%m-%d %H:%M} UTC. Do not edit by hand: "
      f"every figure below is read from the outputs of the commands listed at the end "
      f"(`nac eval --json`, `nac tune --json`, `nac bench --json`, the profiles), so re-run the script instead._")
    w("")
    if args.quick:
        w("> **QUICK MODE (development only): every data set was cut to 500 images. These numbers are not the "
          "benchmark.**")
        w("")

    # ---- machine
    w("## Machine")
    w("")
    w(table(["", ""], [
        ["CPU", m["cpu"]],
        ["cores", f"{m['logical']} logical CPUs ({m['usable']} usable by this process); nac used "
                  f"{bench['threads']} threads, {bench['workers']} worker(s), device {bench['device']}"],
        ["memory", f"{m['mem_gib']:.1f} GiB"],
        ["system", f"{m['os']}, Linux {m['kernel']}"],
        ["date", f"{now:%Y-%m-%d %H:%M} UTC"],
        ["git commit", f"`{m['commit']}`" + (" (with uncommitted changes)" if m["dirty"] else "")],
        ["load average (1, 5, 15 min)", loadavg(work)],
        ["script run time", f"{total_s / 60:.1f} min ({total_s:.0f} s), all commands below included"],
    ]))
    w("")

    # ---- model
    w("## Demo model")
    w("")
    acc = ev_def.get("id_accuracy")
    w(f"`{args.model}` (SHA-256 `{model_sha[:16]}…`), layers {', '.join(f'`{n}`' for n in layer_names)}.")
    w("")
    w(f"* Test accuracy measured by `nac eval` (InD set `{ev_def['id']}`): **{pct(acc)} %**.")
    if args.train_log and os.path.exists(args.train_log):
        with open(args.train_log) as f:
            log_lines = [ln.strip() for ln in f if ln.strip()]
        final = [ln for ln in log_lines if ln.startswith("final:")]
        head = [ln for ln in log_lines if ln.startswith("torch ")]
        if final:
            w(f"* Training log (`{args.train_log}`), last line: `{final[-1]}`")
            mt = re.search(r"test_acc ([0-9.]+)", final[-1])
            if mt and acc is not None:
                w(f"  (test accuracy {pct(float(mt.group(1)))} % in PyTorch vs {pct(acc)} % in nac)")
        if head:
            w(f"* Training set-up: `{head[0]}`")
    else:
        w(f"* Training log: not found (`{args.train_log}`).")
    w("")

    # ---- fit
    fit = prof_def["fit"]
    held = prof_def["heldout"]
    w("## Fit")
    w("")
    w(f"{fit['count']} class-balanced training images (`--samples 1000 --seed 1`) from `{prof_def['dataset']}`, "
      f"plus {held['count']} more held out (`--holdout 1000`) for the sanity check. "
      f"`nac fit` took {by_name['fit']['seconds']:.1f} s (model load, one pass over "
      f"{fit['count'] + held['count']} images, histograms). Default parameters: the reference's CIFAR-10 defaults "
      "(SPEC §2; the committed demo model's `nac.json` now holds the tuned ones):")
    w("")
    rows = []
    for layer, prod in zip(prof_def["layers"], raw):
        a = np.abs(prod.astype(np.float64))
        q50, q99 = np.quantile(a, [0.5, 0.99])
        spread = float(np.median(prod.astype(np.float64).std(axis=0)))
        rows.append([f"`{layer['name']}`", "x".join(str(s) for s in layer["shape"][1:]), layer["neurons"],
                     params_text(layer), f"{q50:.3g}", f"{q99:.3g}", f"{spread:.3g}",
                     f"{layer['alpha'] * spread:.3g}"])
    w(table(["layer", "output", "neurons", "default parameters", "median abs(z·g)", "99 % abs(z·g)",
             "spread s", "alpha × s"], rows, ["---", "---", "---:", "---", "---:", "---:", "---:", "---:"]))
    w("")
    w("Raw products z·g of the fitted images (spread s: median over neurons of the standard deviation). They "
      "are sum-pooled over the feature map (SPEC §1), so they grow with the map size of the earlier layers. "
      "z-hat = sigmoid(alpha · z·g) separates images when alpha × s is of order 1: far below, every z-hat is "
      "close to 0.5 and falls in a few bins; far above, z-hat saturates at 0 or 1. The tuning grid offers each "
      "layer its default alpha and one near 1/s.")
    w("")

    # ---- tuning
    tl = {l["name"]: l for l in tune["layers"]}
    w("## Tuning (`nac tune`)")
    w("")
    w(f"Grid (per layer; the full Cartesian product is searched): "
      f"{' '.join(f'`{g}`' for g in args.grid.split())}.")
    w("")
    w(f"InD validation: held-out training images never seen in training (`--id-val`), OOD validation: "
      f"`textures-val` only (photos disjoint from `textures-test`; no OOD test set is used for tuning).")
    w("")
    w(table(["", ""], [
        ["combinations tried", f"{tune['combinations']}"],
        ["histograms re-binned", f"{tune['histograms']}"],
        ["grid search time", f"{tune['seconds']:.2f} s (cached raw products; no model pass per combination)"],
        ["whole `nac tune` command", f"{by_name['tune']['seconds']:.1f} s (includes loading and one pass over the "
                                     f"validation images)"],
        ["validation AUROC, default parameters", pct(tune["default_auroc"])],
        ["validation AUROC, tuned parameters", pct(tune["best_auroc"])],
    ]))
    w("")
    w(table(["layer", "default", "tuned"],
            [[f"`{l['name']}`", params_text(l), params_text(tl[l["name"]]) if l["name"] in tl else "?"]
             for l in prof_def["layers"]]))
    w("")

    # ---- OOD results
    w("## OOD detection: NAC-UE vs MSP, MaxLogit, Energy")
    w("")
    w(f"InD test set: `{ev_def['id']}`. OOD test sets:")
    w("")
    for o in ev_def["ood"]:
        kind = "covariate shift" if is_covariate(o) else "far-OOD"
        w(f"* **{o['name']}** ({kind}): `{o['data']}`, {o['count']} images")
    w("")
    w("Metrics follow OpenOOD v1.5 (SPEC §5): OOD is the positive class; FPR@95 is the fraction of InD images "
      "flagged at 95 % OOD recall (lower is better); all others higher is better. Averages are unweighted "
      "means over the sets of a group. NAC-UE *default* uses the reference's CIFAR-10 parameters, *tuned* those chosen by "
      "`nac tune`; the baselines come from the same forward pass and do not depend on them.")
    w("")
    names = [o["name"] for o in ev_def["ood"]]
    far_names = [o["name"] for o in ev_def["ood"] if not is_covariate(o)]
    cov_names = [o["name"] for o in ev_def["ood"] if is_covariate(o)]
    variants = [("NAC-UE (default)", ev_def, "NAC-UE"), ("**NAC-UE (tuned)**", ev_tun, "NAC-UE"),
                ("MSP", ev_def, "MSP"), ("MaxLogit", ev_def, "MaxLogit"), ("Energy", ev_def, "Energy")]
    for key, title in (("auroc", "AUROC"), ("fpr95", "FPR@95")):
        w(f"### {title} (%)")
        w("")
        header = ["method"] + far_names + ["**far-OOD avg**"] + cov_names + ["**covariate avg**", "all avg"]
        rows = []
        for label, ev, meth in variants:
            per = {o["name"]: o[meth][key] for o in ev["ood"]}
            far, cov, allm = group_means(ev, meth, key)
            rows.append([label] + [pct(per[n]) for n in far_names] + [f"**{pct(far)}**"] +
                        [pct(per[n]) for n in cov_names] + [f"**{pct(cov)}**", pct(allm)])
        w(table(header, rows, ["---"] + ["---:"] * (len(header) - 1)))
        w("")

    far_t = group_means(ev_tun, "NAC-UE", "auroc")[0]
    far_d = group_means(ev_def, "NAC-UE", "auroc")[0]
    base = {meth: group_means(ev_def, meth, "auroc")[0] for meth in METHODS[1:]}
    cov_t = group_means(ev_tun, "NAC-UE", "auroc")[1]
    cov_base = {meth: group_means(ev_def, meth, "auroc")[1] for meth in METHODS[1:]}
    if far_t is not None:
        w(f"**Far-OOD average AUROC:** tuned NAC-UE {pct(far_t)} is "
          + ", ".join(f"{compare(far_t, v)} {meth} ({pct(v)})" for meth, v in base.items())
          + f"; default NAC-UE {pct(far_d)}.")
        w("")
    if cov_t is not None:
        w(f"**Covariate-shift average AUROC:** tuned NAC-UE {pct(cov_t)} is "
          + ", ".join(f"{compare(cov_t, v)} {meth} ({pct(v)})" for meth, v in cov_base.items()) + ".")
    w("")
    w("### All metrics (%)")
    w("")
    rows = []
    for n in names + ["far-OOD avg", "covariate avg"]:
        for label, ev, meth in variants:
            if n == "far-OOD avg" or n == "covariate avg":
                vals = [group_means(ev, meth, key)[0 if n == "far-OOD avg" else 1] for key, _ in METRICS]
            else:
                o = next(o for o in ev["ood"] if o["name"] == n)
                vals = [o[meth][key] for key, _ in METRICS]
            rows.append([n, label.replace("**", "")] + [pct(v) for v in vals])
    w(table(["OOD set", "method"] + [t for _, t in METRICS], rows, ["---", "---"] + ["---:"] * 4))
    w("")

    # ---- ablation
    w("## Layer ablation (tuned parameters, `nac eval --layers`)")
    w("")
    abl = [(",".join(layer_names[:i + 1]), ev) for i, ev in enumerate(ablations)]
    abl.append((",".join(layer_names), ev_tun))
    header = ["layers"] + far_names + ["**far-OOD avg**"] + cov_names + ["**covariate avg**", "FPR@95 far avg"]
    rows = []
    for label, ev in abl:
        per = {o["name"]: o["NAC-UE"]["auroc"] for o in ev["ood"]}
        far, cov, _ = group_means(ev, "NAC-UE", "auroc")
        fpr_far = group_means(ev, "NAC-UE", "fpr95")[0]
        rows.append([f"`{label}`"] + [pct(per[n]) for n in far_names] + [f"**{pct(far)}**"] +
                    [pct(per[n]) for n in cov_names] + [f"**{pct(cov)}**", pct(fpr_far)])
    w("NAC-UE AUROC (%) with the first layer alone, then one more layer at a time (the last row is the full "
      "tuned run above).")
    w("")
    w(table(header, rows, ["---"] + ["---:"] * (len(header) - 1)))
    w("")

    # ---- sanity
    w("## Sanity check")
    w("")
    w(f"AUROC of the {held['count']} held-out training images (trained on by the model, not used by the fit) "
      f"against the InD test set, NAC-UE scores (SPEC §3, §7: near 50 % means the histograms did not memorise "
      f"their fitting images):")
    w("")
    w(table(["parameters", "sanity AUROC (%)", "95 %-InD threshold"], [
        ["default", pct(ev_def.get("sanity_auroc")), f"{ev_def.get('threshold_95', float('nan')):.4g}"],
        ["tuned", pct(ev_tun.get("sanity_auroc")), f"{ev_tun.get('threshold_95', float('nan')):.4g}"],
    ]))
    w("")

    # ---- bench
    w("## Speed and memory (`nac bench`)")
    w("")
    w(f"Model `{bench['model']}` on {bench['device']}, {bench['threads']} threads, {bench['workers']} worker(s), "
      f"batch {bench['batch']}, {bench['samples']} images, on the machine above. `nac bench` says:")
    w("")
    bench_log = os.path.join(work, "bench.log")
    if os.path.exists(bench_log):
        with open(bench_log) as f:
            keep = [ln.rstrip() for ln in f if ln.split(" ", 1)[0] in ("model", "device", "layers", "data")]
        w("```")
        L.extend(keep)
        w("```")
        w("")
    w(table(["", ""], [
        ["fit throughput (states + histograms)", f"{num(bench['fit_images_per_second'])} images/s"],
        ["plain forward + gradient, no NAC work", f"{num(bench['plain_images_per_second'])} images/s"],
        ["NAC overhead over the plain passes", f"{bench['overhead_percent']:.1f} %"],
        ["fit including data decoding", f"{num(bench['fit_with_decoding_images_per_second'])} images/s"],
        ["one image, end to end (open, decode, forward, gradient, score)", f"{bench['score_one_image_ms']:.2f} ms"],
        ["peak resident memory", f"{bench['peak_resident_mib']:.0f} MiB"],
    ]))
    w("")
    w(table(["fit samples", "first build (sorts), ms", "alpha change, ms", "M change, ms", "O change, ms"],
            [[num(r["samples"], 0), f"{r['build_ms']:.2f}", f"{r['alpha_ms']:.2f}", f"{r['m_ms']:.2f}",
              f"{r['o_ms']:.3f}"] for r in bench["rebin"]], ["---:"] * 5))
    w("")
    w("Re-binning times: what a parameter change in the GUI or one `nac tune` combination costs per layer "
      "set, without any model pass.")
    w("")

    # ---- GPU: not measured by this script (no GPU here); scripts/gpu-bench.sh does it on a GPU machine
    w('## GPU (`scripts/gpu-bench.sh`)')
    w('')
    w('**Not yet run on a GPU**: no GPU machine was available when this section was written, so there are no')
    w('GPU figures here. The script is ready and was checked on the CPU with `--cpu-dry-run` (the same parts,')
    w('tiny sizes, `cuda` replaced by `cpu`).')
    w('')
    w('```sh')
    w('bash scripts/gpu-prepare.sh                       # here: copies the nlohmann-json headers into build-deps/')
    w('bash scripts/gpu-bench.sh [--python PY] [--budget 470]   # there, with build-deps/ carried along')
    w('bash scripts/gpu-bench.sh --cpu-dry-run --nac build-ci/app/cli/nac   # a check of the script without a GPU')
    w('```')
    w('')
    w('On a machine with an NVIDIA GPU and PyTorch (no Qt, no OpenCV needed) it builds the engine-only `nac`')
    w("against that PyTorch's LibTorch, then runs these parts, each under `timeout` with its share of one")
    w('budget (470 s, build included; a part that would start with too little time left is skipped and')
    w('named at the end):')
    w('')
    w('| part | what it prints |')
    w('| --- | --- |')
    w("| `bench-same-data` | `nac bench` on CUDA on the 2,000 `textures-val` demo images, batch 256: NAC fit images/s, the plain forward + gradient images/s, NAC's overhead |")
    w('| `bench-noise` | the same on 16,384 noise images at the automatic batch |')
    w('| `reference` | `tools/reference_nac.py --device cuda` (eager PyTorch, forward hooks + `autograd.grad`) on the same images and batch: its images/s |')
    w('| `agreement` | the same fit and scores on CUDA and on the CPU: mean and max \\|CUDA - CPU\\| of every score column; PASS when the NAC-UE mean is below 1e-5 |')
    w('| `max-batch` | `nac bench --find-max-batch`: batches double from 1,024 until one runs out of GPU memory (or fails otherwise: its message is printed), then halving steps narrow the gap; the largest batch that runs and its images/s |')
    w("| `bench-cpu` | `nac bench` on the same machine's CPU, for scale |")
    w('')
    w('TensorFloat-32 is off on CUDA in both `nac` and the reference, so states keep full float32 precision.')
    w('')

    # ---- commands
    w("## Commands and run times")
    w("")
    w(table(["step", "seconds"], [[s["name"], f"{s['seconds']:.1f}"] for s in steps] +
            [["**whole script**", f"**{total_s:.0f}**"]], ["---", "---:"]))
    w("")
    w("```sh")
    for s in steps:
        w(s["command"])
    w("```")
    w("")
    if notes:
        w("## Warnings from the consistency checks")
        w("")
        for n in notes:
            w(f"* {n}")
        w("")
    return "\n".join(L)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("layer-prefixes")
    p.add_argument("profile")
    r = sub.add_parser("render")
    r.add_argument("--work", required=True)
    r.add_argument("--model", required=True)
    r.add_argument("--train-log", default="")
    r.add_argument("--grid", default="")
    r.add_argument("--quick", type=int, default=0)
    r.add_argument("--started", type=float, default=time.time())
    r.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "layer-prefixes":
        header, _ = read_profile(args.profile)
        names = [l["name"] for l in header["layers"]]
        for i in range(len(names)):
            print(",".join(names[:i + 1]))
        return 0
    text = render(args)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
