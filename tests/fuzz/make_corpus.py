#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/): a few small valid and
invalid inputs each. The .nacprofile seeds come from the real writer (saveProfile): build the
target fuzz_make_profile_seeds and run it with the corpus folder; the damaged variants beside them
(bad-*) were made from whole-file by hand (version byte 7, one flipped byte, cut to 40 bytes).
Regression inputs (what the fuzz targets found trouble with) are kept beside them as regress-*.
Usage: make_corpus.py [CORPUS_FOLDER]"""
import gzip
import json
import os
import struct
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(root, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gzipped(data):
    return gzip.compress(data, mtime=0)


# IDX: harness flags byte, count byte, labels length (LE16), labels file, images file.
def idx(magic, dims, payload):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_input(images, labels=None, flags=0, first=0):
    if labels is not None:
        flags |= 2
    head = bytes([flags, first]) + struct.pack("<H", len(labels or b""))
    return head + (labels or b"") + images


gray = idx(0x803, [3, 4, 4], bytes(range(48)))
labels = idx(0x801, [3], bytes([0, 1, 9]))
write("fuzz_idx_dataset", "gray-plain", idx_input(gray))
write("fuzz_idx_dataset", "gray-gzip-by-harness", idx_input(gray, flags=1))
write("fuzz_idx_dataset", "gray-gzip-file", idx_input(gzipped(gray)))
write("fuzz_idx_dataset", "gray-with-labels", idx_input(gray, labels))
write("fuzz_idx_dataset", "gray-with-gzip-labels", idx_input(gray, labels, flags=1 | 4))
write("fuzz_idx_dataset", "gray-first-image", idx_input(gray, labels, flags=8, first=1))
write("fuzz_idx_dataset", "gray-first-image-gzip", idx_input(gray, flags=8 | 1, first=2))
write("fuzz_idx_dataset", "colour", idx_input(idx(0x804, [2, 2, 2, 3], bytes(range(24)))))
write("fuzz_idx_dataset", "bad-labels-count", idx_input(gray, idx(0x801, [2], b"\x00\x01")))
write("fuzz_idx_dataset", "bad-truncated", idx_input(gray[:30]))
write("fuzz_idx_dataset", "bad-trailing", idx_input(gray + b"xyz"))
write("fuzz_idx_dataset", "bad-zero-dim", idx_input(idx(0x803, [0, 4, 4], b"")))
write("fuzz_idx_dataset", "bad-huge-count", idx_input(idx(0x803, [0x7fffffff, 28, 28], bytes(64)), flags=1))
write("fuzz_idx_dataset", "bad-magic", idx_input(idx(0x802, [3, 4, 4], bytes(48))))
write("fuzz_idx_dataset", "bad-gzip-cut", idx_input(gzipped(gray)[:20]))

# Image headers: the first bytes of real files are all the reader looks at (JPEG: its segments).
png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 28, 28) + b"\x08\x00\x00\x00\x00"
write("fuzz_image_header", "png", png + bytes(16))
jpeg = (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xdb" + struct.pack(">H", 4) + b"\x00\x00"
        + b"\xff\xc0" + struct.pack(">H", 11) + b"\x08" + struct.pack(">HH", 32, 48) + b"\x01\x01\x11\x00"
        + b"\xff\xda\x00\x02\xff\xd9")
write("fuzz_image_header", "jpeg", jpeg)
write("fuzz_image_header", "jpeg-progressive-fill", jpeg.replace(b"\xff\xc0", b"\xff\xff\xff\xc2"))
bmp = b"BM" + struct.pack("<IHHI", 70, 0, 0, 54) + struct.pack("<IiiHH", 40, 5, -7, 1, 24) + bytes(24)
write("fuzz_image_header", "bmp", bmp)
write("fuzz_image_header", "bmp-os2", b"BM" + struct.pack("<IHHI", 40, 0, 0, 26) + struct.pack("<IHHHH", 12, 9, 3, 1, 24))
riff = lambda chunk: b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
write("fuzz_image_header", "webp-lossy", riff(b"VP8 " + struct.pack("<I", 10) + b"\x00\x00\x00\x9d\x01\x2a"
                                              + struct.pack("<HH", 64, 32) + bytes(8)))
write("fuzz_image_header", "webp-lossless", riff(b"VP8L" + struct.pack("<I", 5) + b"\x2f"
                                                 + struct.pack("<I", (15) | (7 << 14)) + bytes(8)))
write("fuzz_image_header", "webp-extended", riff(b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
                                                 + (99).to_bytes(3, "little") + (49).to_bytes(3, "little") + bytes(4)))
write("fuzz_image_header", "bad-zero-size", png.replace(struct.pack(">II", 28, 28), struct.pack(">II", 0, 28)))
write("fuzz_image_header", "bad-text", b"not an image at all\n")
write("fuzz_image_header", "empty", b"")

# nac.json
meta = {
    "format": "nac-model-metadata", "version": 1, "name": "tiny",
    "input": {"channels": 1, "height": 28, "width": 28, "mean": [0.2858], "std": [0.3529]},
    "classes": ["a", "b", "c"],
    "layers": [{"name": "avgpool", "M": 50, "O": 10.0, "alpha": 10.0},
               {"name": "layer3", "M": 500, "O": 100, "alpha": 0.1, "bin_scheme": "reference"}],
    "bin_scheme": "reference",
    "training": {"dataset": "Fashion-MNIST", "seed": 0, "nested": {"list": [1, 2.5, None, True, "x\u00e9"]}},
}
write("fuzz_model_metadata", "full.json", json.dumps(meta, indent=2))
write("fuzz_model_metadata", "minimal.json", "{}")
write("fuzz_model_metadata", "rgb.json", json.dumps({"input": {"channels": 3, "height": 224, "width": 224,
                                                                "mean": [0.485, 0.456, 0.406], "std": 0.25}}))
write("fuzz_model_metadata", "bad-version.json", '{"version": 7}')
write("fuzz_model_metadata", "bad-types.json", '{"input": {"channels": "one", "height": 2, "width": 2}}')
write("fuzz_model_metadata", "bad-layer.json", '{"layers": [{"name": "x", "M": 1, "O": -1}]}')
write("fuzz_model_metadata", "bad-syntax.json", '{"name": "x",')
write("fuzz_model_metadata", "bad-array.json", "[1, 2]")
