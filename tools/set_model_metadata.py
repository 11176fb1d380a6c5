#!/usr/bin/env python3
"""Replace the embedded NAC metadata (`nac.json` extra file) of a TorchScript model.

    /usr/bin/python3 tools/set_model_metadata.py --model M.pt --json meta.json [--out NEW.pt]

The module is loaded and saved again: the code, tensors and outputs stay the same, but the
bytes of the archive's debug info and data.pkl change (TorchScript re-serialises them), so
the file's SHA-256 changes even for identical metadata.  Other extra files in the archive are dropped (TorchScript cannot list them),
so this is meant for models whose only extra file is nac.json.  If a SHA256SUMS file beside
the output lists it, that line is updated too.
"""
import argparse
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import save_torchscript  # noqa: E402


def update_sums(path: str) -> bool:
    sums = os.path.join(os.path.dirname(os.path.abspath(path)), "SHA256SUMS")
    name = os.path.basename(path)
    if not os.path.exists(sums):
        return False
    with open(sums) as f:
        lines = f.read().splitlines()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    found = False
    for i, line in enumerate(lines):
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            lines[i] = f"{digest}  {name}"
            found = True
    if found:
        with open(sums, "w") as f:
            f.write("\n".join(lines) + "\n")
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="TorchScript file to update")
    ap.add_argument("--json", required=True, help="new metadata document")
    ap.add_argument("--out", help="write here instead of rewriting --model in place")
    args = ap.parse_args()

    with open(args.json, "r", encoding="utf-8") as f:
        meta = json.load(f)  # fails early on a malformed document
    if meta.get("format") != "nac-model-metadata":
        print(f"warning: {args.json}: 'format' is not 'nac-model-metadata'", file=sys.stderr)

    old = {"nac.json": ""}
    module = torch.jit.load(args.model, map_location="cpu", _extra_files=old)
    out = args.out or args.model
    text = json.dumps(meta, indent=2)
    if out == args.model and old["nac.json"] == text.encode():
        # Re-saving is not byte-stable (debug info and pickle memo layout change), so skip
        # it when nothing changes; this keeps the tool idempotent.
        print(f"{out}: nac.json already up to date")
        return 0
    save_torchscript(module, out, {"nac.json": text})   # atomic: never leaves a half-written model
    print(f"{out}: nac.json {'replaced' if old['nac.json'] else 'added'} ({len(text)} bytes)")
    if update_sums(out):
        print(f"updated SHA256SUMS entry for {os.path.basename(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
