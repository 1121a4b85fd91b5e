"""Builds the CI fixture of the official-checkpoint converter (test/face/fixtures/official/, checked by
test/face/officialConversion.test.ts without PyTorch):

    /usr/bin/python3 tools/official/fixture.py [--out test/face/fixtures/official] [--variants CFNet4,CFNet9,CFNet16]

For each variant: a synthetic checkpoint in the official layout (`{"backbone": PatchCNN state dict, "epoch",
"test_acc", "jigsaw_weight"}`, float32, exactly the official names and shapes) with seeded random values,
saved with torch.save, converted by convert.py (float64 storage for CFNet4 so that the test can be tight,
float32 for CFNet9/16 to halve their size), and the official
float64 forward (official_model.py, unfolded three-BN HerPN) of the three public-domain reference faces
(models/cfnet4/reference/inputs.u8). Written per variant: weights.json, weights.bin.gz (gzip of the
converter's weights.bin) and reference.json.

To keep the committed files small the convolution and linear weights are sparse: every output row/channel
has a few random non-zero taps (at random input channels and kernel positions), the rest is zero; every
other tensor (HerPN gamma/beta, all running statistics, BN affine parameters, biases) is dense and random.
Running statistics are first set by one train-mode pass over calibration images (so activations stay
bounded through the degree-2^11 polynomial network), then perturbed at random (bn0's mean slightly below 1
and its variance above 0, so its Hermite term is not zero as it is after real training).

CFNet9 and CFNet16 would still be 0.25-0.45 MB each; there only patches 0, 1 and L-1 are random (1 and L-1
are not symmetric under a row/column swap of the patch grid, so a transposed or permuted patch order
changes y). The other patch networks are "dead": zero convolution and fusion columns, gamma 1, beta 0 and the
running statistics of their constant activations, so they output exactly 0 and compress to almost nothing.
"""
import argparse
import gzip
import json
import os
import tempfile

import numpy as np
import torch

from convert import convert, load_state_dict
from official_model import PATCH, VARIANTS, PatchCNN, preprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEEDS = {"CFNet4": 4004, "CFNet9": 9009, "CFNet16": 16016}
SAMPLES = 12  # sampled values per traced tensor
# storage dtype of the converted fixture: float64 for CFNet4 (tight check of the folding arithmetic), float32
# (the converter's default) for the larger two, which halves their size
DTYPES = {"CFNet4": "float64", "CFNet9": "float32", "CFNet16": "float32"}
DENSITY = 0.01


def faces():
    u8 = np.fromfile(os.path.join(ROOT, "models", "cfnet4", "reference", "inputs.u8"), dtype=np.uint8).reshape(-1, 112, 112, 3)
    return torch.from_numpy(u8.copy())


def calibration_faces(ref, g):
    """The reference faces, their mirror images, colour-jittered copies and two noise images (uint8)."""
    x = ref.float()
    out = [x, x.flip(2)]
    for _ in range(2):
        gain = 0.7 + 0.6 * torch.rand(len(x), 1, 1, 3, generator=g)
        out.append((x * gain + 40 * (torch.rand(len(x), 1, 1, 3, generator=g) - 0.5)).clamp(0, 255))
    out.append(torch.rand(2, 112, 112, 3, generator=g) * 255)
    return torch.cat(out).round().to(torch.uint8)


def sparse_(w, g):
    """Zero all but max(2, DENSITY * fan-in) random entries per output row/channel; N(0,1) values on a 1/64 grid."""
    rows = w.shape[0]
    fan = w[0].numel()
    k = max(2, int(round(DENSITY * fan)))
    flat = torch.zeros(rows, fan, dtype=w.dtype)
    for r in range(rows):
        idx = torch.randperm(fan, generator=g)[:k]
        flat[r, idx] = torch.round(torch.randn(k, generator=g, dtype=w.dtype) * 64) / 64
    w.copy_(flat.view_as(w))


def uniform(shape, lo, hi, g):
    return lo + (hi - lo) * torch.rand(shape, generator=g, dtype=torch.float64)


def synthetic_state_dict(variant, seed):
    g = torch.Generator().manual_seed(seed)
    size = VARIANTS[variant]
    model = PatchCNN(size).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 4 or name == "linear.weight":  # convolutions, fusion
                sparse_(p, g)
            elif name.endswith("weight") and p.ndim == 3:  # HerPN gamma [C,1,1]
                p.copy_(uniform(p.shape, 0.6, 1.4, g))
            elif name.endswith("bias") and p.ndim == 3:  # HerPN beta
                p.copy_(uniform(p.shape, -0.3, 0.3, g))
            elif name.endswith("weight") and p.ndim == 1:  # BatchNorm gamma
                p.copy_(uniform(p.shape, 0.5, 1.5, g))
            else:  # BatchNorm beta, linear biases, jigsaw head
                p.copy_(uniform(p.shape, -0.5, 0.5, g))
        # CFNet9/16: only patches 0, 1 and L-1 are random (see the module docstring); the others are dead
        L = model.grid ** 2
        dead = [] if variant == "CFNet4" else [i for i in range(L) if i not in (0, 1, L - 1)]
        for name, p in model.named_parameters():
            parts = name.split(".")
            if parts[0] == "nets" and int(parts[1]) in dead:
                if p.ndim == 4 or "shortcut.0" in name:
                    p.zero_()
                else:
                    p.fill_(1.0 if name.endswith("weight") else 0.0)
        for i in dead:
            model.linear.weight[:, 256 * i:256 * (i + 1)] = 0
        # running statistics from one train-mode pass (momentum None: the cumulative average = this batch)
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.momentum = None
        model.train()
        model(preprocess(calibration_faces(faces(), g), size))
        buffers = dict(model.named_buffers())
        live = lambda name: not (name.startswith("nets.") and int(name.split(".")[1]) in dead)  # noqa: E731
        for name, b in buffers.items():
            if not live(name):
                continue
            if name.endswith("num_batches_tracked"):
                b.fill_(int(torch.randint(1, 10**6, (1,), generator=g)))
            elif ".bn0." in name and name.endswith("running_mean"):
                b.copy_(1 - uniform(b.shape, 0, 1e-3, g))
            elif ".bn0." in name and name.endswith("running_var"):
                b.copy_(uniform(b.shape, 1e-5, 1e-4, g))
            elif name.endswith("running_mean"):  # shift by up to 5% of the channel's standard deviation
                b.add_(uniform(b.shape, -0.05, 0.05, g) * buffers[name[:-4] + "var"].sqrt())
        for name, b in buffers.items():
            if name.endswith("running_var") and ".bn0." not in name and live(name):
                b.mul_(uniform(b.shape, 0.95, 1.05, g))
    return {k: v.float() if v.is_floating_point() else v for k, v in model.state_dict().items()}, g


def sample_indices(n, g):
    return sorted(set(int(i) for i in torch.randint(0, n, (SAMPLES,), generator=g)))


HERPN_POINTS = [f"block{j}.herpn{h}" for j in range(5) for h in (1, 2)] + ["pool"]


def herpn_inputs(trace):
    """HerPN input tensors of one patch trace: block j's HerPN1 reads the previous output (the stem for j = 0),
    its HerPN2 reads conv1's output, the pool HerPN reads block 4's output."""
    prev = ["stem"] + [f"block{j}" for j in range(4)]
    out = {f"block{j}.herpn1": trace[prev[j]] for j in range(5)}
    out.update({f"block{j}.herpn2": trace[f"block{j}.conv1"] for j in range(5)})
    out["pool"] = trace["block4"]
    return out


def build(variant, out_dir):
    sd, g = synthetic_state_dict(variant, SEEDS[variant])
    size, grid = VARIANTS[variant], VARIANTS[variant] // PATCH
    L = grid * grid
    ref = faces()
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = os.path.join(tmp, "model.ckpt")
        # the official training checkpoint's shape ("head", "optimizer", "scheduler" left out: not read)
        torch.save({"backbone": sd, "epoch": 26, "test_acc": 0.5, "jigsaw_weight": 0.005}, ckpt)
        calib = os.path.join(tmp, "calibration.u8")
        calibration_faces(ref, g).numpy().tofile(calib)
        summary = convert(load_state_dict(ckpt, trust_pickle=True), tmp,  # our own file; torch 1.13 refuses its floats otherwise
                          DTYPES[variant], calibrate=calib, tau=1.0,
                          source=f"synthetic official-layout {variant} checkpoint (tools/official/fixture.py, seed {SEEDS[variant]})")
        with open(os.path.join(tmp, "weights.bin"), "rb") as f:
            raw = f.read()
        with open(os.path.join(out_dir, "weights.bin.gz"), "wb") as f:
            f.write(gzip.compress(raw, compresslevel=9, mtime=0))
        with open(os.path.join(tmp, "weights.json")) as f:
            manifest = json.load(f)
    with open(os.path.join(out_dir, "weights.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))

    # official float64 forward, unfolded, with per-patch traces
    model = PatchCNN(size)
    model.load_state_dict(sd, strict=True)
    model = model.double().eval()
    x = preprocess(ref, size)
    cases = []
    bounds = {"bootstrapMaxAbs": 0.0, "herpnMaxAbs": {k: 0.0 for k in HERPN_POINTS}}
    with torch.no_grad():
        for k in range(len(ref)):
            traces = [dict() for _ in range(L)]
            y = model(x[k:k + 1], traces)[0]
            s = float((y * y).sum())
            ii = sample_indices(x[k].numel(), g)
            case = {"input": {"index": ii, "value": [float(x[k].flatten()[i]) for i in ii]},
                    "y": [float(v) for v in y], "s": s, "patches": {}}
            for p in (0, L - 1):
                layers = {}
                for name, v in traces[p].items():
                    v = v[0].flatten()
                    ii = sample_indices(v.numel(), g)
                    layers[name] = {"maxAbs": float(v.abs().max()), "index": ii, "value": [float(v[i]) for i in ii]}
                case["patches"][str(p)] = layers
            for tr in traces:
                for name, v in herpn_inputs(tr).items():
                    bounds["herpnMaxAbs"][name] = max(bounds["herpnMaxAbs"][name], float(v.abs().max()))
                bounds["bootstrapMaxAbs"] = max(bounds["bootstrapMaxAbs"], float(tr["block3"].abs().max()))
            cases.append(case)
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump({"format": "cryptoface-official-conversion-reference", "variant": variant,
                   "inputs": "models/cfnet4/reference/inputs.u8",
                   "note": "official PatchCNN forward (tools/official/official_model.py, eval mode, float64, unfolded) of the "
                           "synthetic float32 checkpoint; per patch 0 and L-1 the traced layers (stem, blockJ, blockJ.conv1, pool, "
                           "bn) with max |value| and sampled flat (CHW) indices; bounds over all patches and inputs",
                   "weightsSha256": summary["checksum"]["value"], "cases": cases, "bounds": bounds}, f, separators=(",", ":"))
    v = summary["verification"]
    print(f"{variant}: {summary['byteLength']} bytes raw -> {os.path.getsize(os.path.join(out_dir, 'weights.bin.gz'))} gz; "
          f"folded vs official {v['foldedFloat64MaxRelError']:.2e} (float64), {v['storedMaxRelError']:.2e} (stored {DTYPES[variant]}); max|y| {max(abs(t) for c in cases for t in c['y']):.3g}; "
          f"s {[round(c['s'], 2) for c in cases]}; bootstrap max {bounds['bootstrapMaxAbs']:.3g}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "face", "fixtures", "official"))
    ap.add_argument("--variants", default="CFNet4,CFNet9,CFNet16")
    a = ap.parse_args()
    torch.set_num_threads(1)
    for variant in a.variants.split(","):
        build(variant, os.path.join(a.out, variant.lower()))


if __name__ == "__main__":
    main()
