"""Tiny synthetic dataset in the exact format of tools/face-data (manifest.json, images.u8, teacher.f32,
pairs.json) for developing the training/export/eval pipeline before the real data exists.

Each identity is a smooth random colour field (sum of a few Gaussian blobs); its images add random shifts,
brightness changes and noise. The "teacher" descriptor is a fixed random projection of the identity's
latent code plus noise, scaled to a dlib-like norm (~0.9). Not faces: a plumbing test only.

    /usr/bin/python3 tools/train/synth.py --out tools/train/work/synth
"""
import argparse
import json
import os

import numpy as np

SIZE = 112


def blob_image(rng, code, shift, bright):
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    img = np.full((SIZE, SIZE, 3), 0.5)
    for k in range(6):
        cx, cy, r = code[4 * k] * 30 + 56 + shift[0], code[4 * k + 1] * 30 + 56 + shift[1], 10 + 6 * abs(code[4 * k + 2])
        col = np.tanh(code[24 + 3 * (k % 2): 27 + 3 * (k % 2)]) * 0.4
        g = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
        img += g[:, :, None] * col[None, None, :] * np.sign(code[4 * k + 3])
    img = img * bright + rng.normal(0, 0.03, img.shape)
    return np.clip(img * 255, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tools/train/work/synth")
    ap.add_argument("--train-ids", type=int, default=40)
    ap.add_argument("--per-id", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    proj = rng.normal(0, 1, (30, 128))
    items, imgs, teach = [], [], []

    def add(identity, split, code, augmented):
        shift = rng.normal(0, 3, 2) if augmented or split == "train" else rng.normal(0, 1.5, 2)
        imgs.append(blob_image(rng, code, shift, 1 + rng.normal(0, 0.1)))
        t = np.tanh(code @ proj / 4) + rng.normal(0, 0.08, 128)
        teach.append((t / np.linalg.norm(t) * 0.9).astype(np.float32))
        items.append({"index": len(items), "identity": identity, "split": split, "source": "synthetic", "augmented": augmented})

    for i in range(a.train_ids):
        code = rng.normal(0, 1, 30)
        for _ in range(a.per_id):
            add(f"train/synth{i}", "train", code, True)
    for i in range(6):
        code = rng.normal(0, 1, 30)
        for _ in range(8):
            add(f"heldout/synth{i}", "heldout", code, False)
        for _ in range(6):
            add(f"heldout/synth{i}", "heldout-aug", code, True)
    os.makedirs(a.out, exist_ok=True)
    np.stack(imgs).tofile(os.path.join(a.out, "images.u8"))
    np.stack(teach).astype("<f4").tofile(os.path.join(a.out, "teacher.f32"))
    ho = [it for it in items if it["split"] == "heldout"]
    gen, imp = [], []
    for x in range(len(ho)):
        for y in range(x + 1, len(ho)):
            (gen if ho[x]["identity"] == ho[y]["identity"] else imp).append([ho[x]["index"], ho[y]["index"]])
    json.dump({"genuine": gen, "impostor": imp}, open(os.path.join(a.out, "pairs.json"), "w"))
    json.dump({"version": 1, "size": SIZE, "count": len(items), "teacher": {"name": "synthetic-projection", "dim": 128},
               "items": items}, open(os.path.join(a.out, "manifest.json"), "w"), indent=1)
    print(f"wrote {len(items)} items, {len(gen)} genuine / {len(imp)} impostor pairs to {a.out}")


if __name__ == "__main__":
    main()
