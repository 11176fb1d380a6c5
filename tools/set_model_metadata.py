#!/usr/bin/env python3
"""Replace the embedded NAC metadata (`nac.json` extra file) of a TorchScript model.

    /usr/bin/python3 tools/set_model_metadata.py --model M.pt --json meta.json [--out NEW.pt]

The module itself is loaded and saved unchanged; only the extra file differs.  Other extra
files present in the archive are not preserved (TorchScript cannot list them), so this tool
is meant for models whose only extra file is nac.json.
"""
import argparse
import json
import os
import sys
import tempfile

import torch


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="TorchScript file to update")
    ap.add_argument("--json", required=True, help="new metadata document")
    ap.add_argument("--out", help="write here instead of rewriting --model in place")
    args = ap.parse_args()

    with open(args.json, "r", encoding="utf-8") as f:
        meta = json.load(f)  # validates that it is JSON at all
    if meta.get("format") != "nac-model-metadata":
        print(f"warning: {args.json}: 'format' is not 'nac-model-metadata'", file=sys.stderr)

    old = {"nac.json": ""}
    module = torch.jit.load(args.model, map_location="cpu", _extra_files=old)
    out = args.out or args.model
    # Write to a temporary file beside the target and rename, so a failure never leaves a
    # half-written model in place of the original.
    fd, tmp = tempfile.mkstemp(prefix=".nacmeta-", suffix=".pt", dir=os.path.dirname(os.path.abspath(out)))
    os.close(fd)
    try:
        torch.jit.save(module, tmp, _extra_files={"nac.json": json.dumps(meta, indent=2)})
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print(f"{out}: nac.json {'replaced' if old['nac.json'] else 'added'} "
          f"({len(json.dumps(meta, indent=2))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
