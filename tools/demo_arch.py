"""Shared model definition and data helpers for the NAC Studio demo model.

Imported by train_demo_model.py (training/export) and reference_nac.py (the eager
NAC reference), so both build exactly the same module tree and parameter names.
"""
import gzip
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class BasicBlock(nn.Module):
    """ResNet BasicBlock (two 3x3 convs); 1x1 projection shortcut when the shape changes."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                nn.BatchNorm2d(planes))
        else:
            # An empty Sequential is the identity and keeps forward free of branches,
            # which keeps the scripted graph simple for the C++ layer tapper.
            self.shortcut = nn.Sequential()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class DemoResNet18(nn.Module):
    """ResNet-18 with a CIFAR-style stem (3x3 conv, stride 1, no max-pool) for 1x28x28.

    Stage outputs (base width w=16): layer1 [B,16,28,28], layer2 [B,32,14,14],
    layer3 [B,64,7,7], layer4 [B,128,4,4], avgpool [B,128,1,1].
    """

    def __init__(self, num_classes: int = 10, width: int = 16, in_channels: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=False)
        planes = [width, width * 2, width * 4, width * 8]
        self.layer1 = self._make_layer(width, planes[0], 1)
        self.layer2 = self._make_layer(planes[0], planes[1], 2)
        self.layer3 = self._make_layer(planes[1], planes[2], 2)
        self.layer4 = self._make_layer(planes[2], planes[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(planes[3], num_classes)

    @staticmethod
    def _make_layer(in_planes: int, planes: int, stride: int) -> nn.Sequential:
        return nn.Sequential(BasicBlock(in_planes, planes, stride),
                             BasicBlock(planes, planes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into a numpy array (uint8 data only)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file (magic {data[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {int(np.prod(dims))} values, found {arr.size}")
    return arr.reshape(dims)


def ensure_hash_seed() -> None:
    """Re-execute the current script with PYTHONHASHSEED=0 and OMP_WAIT_POLICY=PASSIVE.

    * torch.jit.script emits a module's `__constants__` in Python set order, which depends on
      string hash randomisation; without a fixed hash seed every export differs byte-wise.
    * On a shared 2-core machine libgomp's spin-waiting threads starve each other and the
      other processes (measured: one training step 20x slower); PASSIVE makes idle threads
      sleep.  It does not change any result.  An explicit setting in the caller's environment
      is kept.
    Both must be in the environment before the interpreter (and libgomp) starts, hence exec.
    """
    import os
    import sys
    if os.environ.get("PYTHONHASHSEED") != "0" or "OMP_WAIT_POLICY" not in os.environ:
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.execv(sys.executable, [sys.executable] + sys.argv)


def save_torchscript(module, path: str, extra_files: dict) -> None:
    """torch.jit.save through a memory buffer, then an atomic rename.

    Saving to a buffer names the archive's top folder "archive" instead of after the file
    name, so the bytes do not depend on the output path (or on a temporary file name).
    """
    import io
    import os
    buf = io.BytesIO()
    torch.jit.save(module, buf, _extra_files=extra_files)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def write_idx(path: str, arr: np.ndarray) -> None:
    """Write a uint8 array as an IDX file; gzip-compressed when the name ends with .gz.

    gzip's header timestamp is fixed at 0 so the same array always gives the same bytes.
    """
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    payload = header + arr.tobytes()
    if path.endswith(".gz"):
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)
