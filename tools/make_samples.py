#!/usr/bin/env python3
"""Write the drag-and-drop sample images under resources/samples/ (deterministic, a few KB each).

    /usr/bin/python3 tools/make_samples.py --out resources/samples \
        [--fmnist /usr/share/datasets/fashion-mnist] [--ood resources/demo/ood]

Good inputs (PNG, 8-bit grey, 28x28):
  fmnist-test-NNNNN-<class>.png   Fashion-MNIST test images t10k[NNNNN] (FMNIST_TEST below)
  mnist-NNNN-digit<d>.png         MNIST digits from resources/demo/ood/mnist-images-idx3-ubyte.gz
  texture-test-NNNN.png           patches from resources/demo/ood/textures-test-images-idx3-ubyte.gz
  noise-gaussian.png, noise-uniform.png
                                  one image each with the distributions of nac's noise: specs
                                  (gaussian: mean 0.5, std 0.25, clipped to [0,1]; uniform [0,1)),
                                  drawn with numpy RandomState(7) / (8), not nac's own generator
  inverted-fmnist-test-NNNNN-<class>.png   255 - t10k[NNNNN] (covariate shift)
Bad inputs for the GUI demo (resources/samples/bad/):
  not-an-image.png                a text file with a .png name
  truncated.png                   the first 60% of the bytes of a valid PNG (t10k[6], a coat)
  colour-64x64.png                RGB 64x64: t10k[1] (a pullover) enlarged (bilinear) and tinted
                                  orange on dark blue, to show the conversion to grey and resizing
PNG files are written by Pillow without timestamps, so a re-run gives the same bytes.
"""
import argparse
import io
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_arch import read_idx  # noqa: E402

CLASSES = ["tshirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
           "ankle-boot"]
FMNIST_TEST = [19, 2, 13, 8, 18, 0]      # first test image of T-shirt/top, trouser, dress, sandal, bag, ankle boot
MNIST = [0, 1, 2]
TEXTURES_TEST = [0, 1]
INVERTED = 9                             # a sneaker
TRUNCATED = 6                            # a coat
COLOUR = 1                               # a pullover


def png_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fmnist", default="/usr/share/datasets/fashion-mnist")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--ood", default=os.path.join(here, "resources", "demo", "ood"))
    args = ap.parse_args()

    bad = os.path.join(args.out, "bad")
    os.makedirs(bad, exist_ok=True)
    x = read_idx(os.path.join(args.fmnist, "t10k-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(args.fmnist, "t10k-labels-idx1-ubyte.gz"))
    digits = read_idx(os.path.join(args.ood, "mnist-images-idx3-ubyte.gz"))
    digit_labels = read_idx(os.path.join(args.ood, "mnist-labels-idx1-ubyte.gz"))
    textures = read_idx(os.path.join(args.ood, "textures-test-images-idx3-ubyte.gz"))

    written = []

    def put(name: str, data: bytes) -> None:
        path = os.path.join(args.out, name)
        write(path, data)
        written.append((name, len(data)))

    for i in FMNIST_TEST:
        put(f"fmnist-test-{i:05d}-{CLASSES[y[i]]}.png", png_bytes(x[i]))
    for i in MNIST:
        put(f"mnist-{i:04d}-digit{digit_labels[i]}.png", png_bytes(digits[i]))
    for i in TEXTURES_TEST:
        put(f"texture-test-{i:04d}.png", png_bytes(textures[i]))
    gauss = np.clip(0.5 + 0.25 * np.random.RandomState(7).standard_normal((28, 28)), 0.0, 1.0)
    put("noise-gaussian.png", png_bytes(np.rint(gauss * 255).astype(np.uint8)))
    uni = np.random.RandomState(8).random_sample((28, 28))
    put("noise-uniform.png", png_bytes(np.floor(uni * 256).clip(0, 255).astype(np.uint8)))
    put(f"inverted-fmnist-test-{INVERTED:05d}-{CLASSES[y[INVERTED]]}.png", png_bytes(255 - x[INVERTED]))

    put("bad/not-an-image.png", b"This is a plain text file with a .png name; NAC Studio should refuse it "
                                b"and say why.\n")
    full = png_bytes(x[TRUNCATED])
    put("bad/truncated.png", full[: int(len(full) * 0.6)])
    grey = np.asarray(Image.fromarray(x[COLOUR]).resize((64, 64), Image.BILINEAR), dtype=np.float64) / 255.0
    fg, bg = np.array([255.0, 140.0, 20.0]), np.array([20.0, 30.0, 90.0])
    rgb = np.rint(grey[..., None] * fg + (1.0 - grey[..., None]) * bg).astype(np.uint8)
    put("bad/colour-64x64.png", png_bytes(rgb))

    total = sum(n for _, n in written)
    for name, n in written:
        print(f"{n:6d}  {name}")
    print(f"{total:6d}  total bytes in {len(written)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
