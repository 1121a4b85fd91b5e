"""Reader for the face dataset produced by tools/face-data (format contract, version 1):

manifest.json  {version: 1, size: 112, count: C, teacher: {name, dim: 128}, items: [{index, identity, split, source,
               augmented}]}   (items in binary-row order; split in "train" | "heldout" | "heldout-aug")
images.u8      C x 112 x 112 x 3 uint8 RGB, HWC
teacher.f32    C x 128 float32 little-endian (raw dlib descriptors)
pairs.json     {genuine: [[i, j], ...], impostor: [[i, j], ...]} over "heldout" items
"""
import json
import os

import numpy as np
import torch

from cfnet import preprocess


class FaceData:
    """Memory-mapped view of one dataset directory."""

    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "manifest.json")) as f:
            self.manifest = json.load(f)
        m = self.manifest
        if m.get("version") != 1 or m.get("size") != 112:
            raise ValueError(f"unsupported dataset manifest in {root}")
        self.count = m["count"]
        self.items = m["items"]
        self.images = np.memmap(os.path.join(root, "images.u8"), dtype=np.uint8, mode="r", shape=(self.count, 112, 112, 3))
        dim = m["teacher"]["dim"]
        self.teacher = np.fromfile(os.path.join(root, "teacher.f32"), dtype="<f4").reshape(self.count, dim)
        with open(os.path.join(root, "pairs.json")) as f:
            self.pairs = json.load(f)

    def indices(self, split):
        return np.array([it["index"] for it in self.items if it["split"] == split], dtype=np.int64)

    def identities(self, idx):
        return [self.items[i]["identity"] for i in idx]

    def preprocessed(self, idx, input_size, dtype=torch.float32, chunk=512):
        """Model inputs (N,3,S,S) for the given rows (reference §3 preprocessing, no flip)."""
        out = []
        for s in range(0, len(idx), chunk):
            u8 = torch.from_numpy(np.ascontiguousarray(self.images[idx[s:s + chunk]]))
            out.append(preprocess(u8, input_size, dtype))
        return torch.cat(out, 0) if out else torch.zeros(0, 3, input_size, input_size, dtype=dtype)


def find_dataset(explicit=None):
    """The real dataset if it exists (tools/face-data/work/dataset), else the synthetic development set."""
    here = os.path.dirname(os.path.abspath(__file__))
    cands = [explicit] if explicit else [os.path.join(here, "..", "face-data", "work", "dataset"), os.path.join(here, "work", "synth")]
    for c in cands:
        if c and os.path.exists(os.path.join(c, "manifest.json")):
            return os.path.normpath(c)
    raise FileNotFoundError("no dataset found: " + ", ".join(str(c) for c in cands))
