#!/usr/bin/env python3
"""Fashion-MNIST as 3x32x32 colour IDX files (idx4), for timing and checking CIFAR-sized models.

    /usr/bin/python3 tools/make_rgb32_idx.py --out DIR [--train N] [--test N]

Each 28x28 image is padded to 32x32; the three channels are the image, it flipped upside down and
it mirrored, so that the channels differ. Writes DIR/train-images-idx4-ubyte (first N training
images, default 2000) and DIR/t10k-images-idx4-ubyte (first N test images, default 5000), with the
labels beside them (idx1), named as Fashion-MNIST names them.

    /usr/bin/python3 tools/make_rgb32_idx.py --out DIR --convert SRC=NAME [--convert ...] [--count N]

converts other grey 28x28 IDX files (e.g. the OOD sets in resources/demo/ood) the same way instead:
the first N images (default 2000) of SRC are written to DIR/NAME (idx4, no labels).
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import read_idx  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"


def write(path: str, magic: int, array: np.ndarray) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack(">I", magic))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())
    os.replace(tmp, path)


def rgb32(images: np.ndarray) -> np.ndarray:
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return np.stack([padded, padded[:, ::-1, :], padded[:, :, ::-1]], axis=-1)  # [N, 32, 32, 3]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--test", type=int, default=5000)
    ap.add_argument("--convert", action="append", default=[], metavar="SRC=NAME",
                    help="convert the grey IDX file SRC to DIR/NAME instead of Fashion-MNIST (repeatable)")
    ap.add_argument("--count", type=int, default=2000, help="images per --convert file")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.convert:
        for spec in args.convert:
            src, sep, name = spec.rpartition("=")
            if not sep or not src or not name or os.sep in name:
                raise SystemExit(f"bad --convert '{spec}' (want SRC=NAME)")
            images = read_idx(src)
            if images.ndim != 3 or images.shape[1:] != (28, 28):
                raise SystemExit(f"{src}: want grey 28x28 images, got shape {images.shape}")
            if len(images) < args.count:
                raise SystemExit(f"{src} has {len(images)} images, {args.count} requested")
            write(os.path.join(args.out, name), 0x00000804, rgb32(images[:args.count]))
            print(f"wrote {args.count} images of {src} to {os.path.join(args.out, name)}")
        return 0
    for split, count in (("train", args.train), ("t10k", args.test)):
        images = read_idx(os.path.join(FASHION, f"{split}-images-idx3-ubyte.gz"))[:count]
        labels = read_idx(os.path.join(FASHION, f"{split}-labels-idx1-ubyte.gz"))[:count]
        write(os.path.join(args.out, f"{split}-images-idx4-ubyte"), 0x00000804, rgb32(images))
        write(os.path.join(args.out, f"{split}-labels-idx1-ubyte"), 0x00000801, labels)
        print(f"wrote {count} {split} images to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
