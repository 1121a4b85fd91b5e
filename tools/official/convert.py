"""Convert an official CryptoFace checkpoint (CFNet4/9/16, PyTorch `model.ckpt` of github.com/human-analysis/
CryptoFace) to this project's weights format "cryptoface-weights" v1 (docs/face-model.md §4).

    /usr/bin/python3 tools/official/convert.py CKPT --out models/cfnet9 \
        (--threshold-file DIR/threshold_lfw.txt [--fold K] | --calibrate FACES.u8 --tau T) \
        [--dtype float32|float64] [--verify FACES.u8] [--trust-pickle]

* CKPT: the training checkpoint (a dict with a "backbone" state dict) or a bare PatchCNN state dict. The
  state dict must have exactly the official names and shapes (official_model.py); the variant follows from
  the number of patch networks. Loaded with `weights_only=True`; checkpoints that pickle other objects need
  `--trust-pickle` (only for files you trust: unpickling runs code).
* Folding (reference §2.3-2.4, in float64): per HerPN a2 = g/sqrt(8pi(v2+e)), a1 = g/(2 sqrt(v1+e)),
  a0 = b + g[(1-m0)/sqrt(2pi(v0+e)) - m1/(2 sqrt(v1+e)) - (1+sqrt2 m2)/sqrt(8pi(v2+e))]; monic a1/a2, a0/a2;
  HerPN1's a2 into conv1's input channels (kept raw for the shortcut), HerPN2's b2 into conv2's; pool HerPN
  monic, raw a2 after pooling; shortcut BN2d and per-patch BN1d copied raw; fusion BN folded into the linear
  layer (A' = A/sqrt(var+e) per row, b' = (b-mean)/sqrt(var+e)), A' split into L blocks, bias b'/L.
* Normalisation polynomial and threshold: either an official threshold file (rows = folds, columns
  [x3, x1, x2, a, b, c, tau], reference §4; fold 0 by default) or a polynomial fitted as in reference §2.6 on
  the squared norms of calibration faces (N x 112 x 112 x 3 uint8 RGB, raw) with a given tau.
* Verification: the folded form (stored dtype) is run on faces (`--verify`, else the calibration faces, else
  the three public-domain faces of models/cfnet4/reference/inputs.u8; never noise, on which a HerPN network
  overflows) and compared with the official forward in float64; the figures go into the manifest and the
  conversion fails above 1e-5 (float64 folding) relative error.
"""
import argparse
import hashlib
import json
import math
import os
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F

from official_model import BLOCKS, EPS, PATCH, VARIANTS, PatchCNN, preprocess, variant_of

FORMAT = "cryptoface-weights"
VERSION = 1
REFERENCE_FACES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "cfnet4", "reference", "inputs.u8")
DOWN = {j for j, (i, o, s) in enumerate(BLOCKS) if s != 1 or i != o}


class ConversionError(Exception):
    pass


def load_state_dict(path, trust_pickle=False):
    """The PatchCNN state dict inside an official checkpoint (or a bare state dict), on the CPU."""
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises UnpicklingError/RuntimeError depending on the content
        if not trust_pickle:
            raise ConversionError(f"{path}: not loadable with weights_only=True ({e.__class__.__name__}: {str(e)[:200]}); "
                                  "pass --trust-pickle if you trust this file") from e
        ck = torch.load(path, map_location="cpu")
    sd = ck["backbone"] if isinstance(ck, dict) and "backbone" in ck else ck
    if not isinstance(sd, dict) or not all(torch.is_tensor(v) for v in sd.values()):
        raise ConversionError(f"{path}: neither a checkpoint with a 'backbone' state dict nor a state dict")
    if sd and all(k.startswith("module.") for k in sd):  # saved from DataParallel
        sd = OrderedDict((k[len("module."):], v) for k, v in sd.items())
    return sd


def check_layout(sd):
    """Variant name and an eval-mode float64 official model holding `sd`; refuses any other layout."""
    variant = variant_of(sd)
    if variant is None:
        raise ConversionError("state dict has no recognisable number of patch networks (nets.{i}.* for i < 4, 9 or 16)")
    model = PatchCNN(VARIANTS[variant])
    want = model.state_dict()
    missing = [k for k in want if k not in sd]
    extra = [k for k in sd if k not in want]
    shapes = [f"{k}: {list(sd[k].shape)} != {list(want[k].shape)}" for k in want if k in sd and sd[k].shape != want[k].shape]
    if missing or extra or shapes:
        raise ConversionError(f"not the official {variant} layout: missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                              f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''}, shapes {shapes[:5]}")
    for k, v in sd.items():
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise ConversionError(f"{k}: non-finite values")
    model.load_state_dict(sd, strict=True)
    return variant, model.double().eval()


def herpn_coefficients(sd, q):
    """(a2, a1, a0) of the eval-mode HerPN with state-dict prefix q (float64, shape [C])."""
    g = sd[q + "weight"].double().reshape(-1)
    b = sd[q + "bias"].double().reshape(-1)
    m = [sd[f"{q}bn{k}.running_mean"].double() for k in range(3)]
    v = [sd[f"{q}bn{k}.running_var"].double() for k in range(3)]
    a2 = g / torch.sqrt(8 * math.pi * (v[2] + EPS))
    a1 = g / (2 * torch.sqrt(v[1] + EPS))
    a0 = b + g * ((1 - m[0]) / torch.sqrt(2 * math.pi * (v[0] + EPS)) - m[1] / (2 * torch.sqrt(v[1] + EPS))
                  - (1 + math.sqrt(2) * m[2]) / torch.sqrt(8 * math.pi * (v[2] + EPS)))
    return a2, a1, a0


def fold(sd, variant):
    """Official state dict -> OrderedDict of the folded tensors (float64), names and order of docs/face-model.md §4."""
    L = (VARIANTS[variant] // PATCH) ** 2
    t = OrderedDict()
    inv = 1 / torch.sqrt(sd["bn.running_var"].double() + EPS)
    A = sd["linear.weight"].double() * inv.view(-1, 1)
    bias = (sd["linear.bias"].double() - sd["bn.running_mean"].double()) * inv
    for i in range(L):
        n, p = f"nets.{i}.", f"p{i}."
        t[p + "stem.weight"] = sd[n + "conv.weight"].double()
        for j in range(len(BLOCKS)):
            s, q = f"{n}layers.{j}.", f"{p}block{j}."
            a2, a1, a0 = herpn_coefficients(sd, s + "herpn1.")
            b2, b1, b0 = herpn_coefficients(sd, s + "herpn2.")
            t[q + "herpn1.a2"], t[q + "herpn1.a1"], t[q + "herpn1.a0"] = a2, a1 / a2, a0 / a2
            t[q + "conv1.weight"] = sd[s + "conv1.weight"].double() * a2.view(1, -1, 1, 1)
            t[q + "herpn2.a1"], t[q + "herpn2.a0"] = b1 / b2, b0 / b2
            t[q + "conv2.weight"] = sd[s + "conv2.weight"].double() * b2.view(1, -1, 1, 1)
            if j in DOWN:
                t[q + "shortcut.weight"] = sd[s + "shortcut.0.weight"].double()
                for ours, theirs in (("weight", "weight"), ("bias", "bias"), ("mean", "running_mean"), ("var", "running_var")):
                    t[q + "shortcut.bn." + ours] = sd[s + "shortcut.1." + theirs].double()
        c2, c1, c0 = herpn_coefficients(sd, n + "herpnpool.herpn.")
        t[p + "pool.a2"], t[p + "pool.a1"], t[p + "pool.a0"] = c2, c1 / c2, c0 / c2
        for ours, theirs in (("weight", "weight"), ("bias", "bias"), ("mean", "running_mean"), ("var", "running_var")):
            t[p + "bn." + ours] = sd[n + "bn." + theirs].double()
        t[p + "fc.weight"] = A[:, 256 * i:256 * (i + 1)].clone()
    t["fc.bias"] = bias / L
    for k, v in t.items():
        if not torch.isfinite(v).all():
            raise ConversionError(f"folded {k}: non-finite values (a HerPN with gamma = 0?)")
    return t


def folded_forward(t, x, grid):
    """The folded network (what the TypeScript library runs) on x (B,3,S,S) float64 -> y (B,256)."""
    def monic(h, a1, a0):
        return h * h + a1.view(1, -1, 1, 1) * h + a0.view(1, -1, 1, 1)

    def bn(h, q):
        shape = (1, -1, 1, 1) if h.ndim == 4 else (1, -1)
        return (h - t[q + "mean"].view(shape)) / torch.sqrt(t[q + "var"].view(shape) + EPS) * t[q + "weight"].view(shape) + t[q + "bias"].view(shape)

    y = 0
    for i in range(grid * grid):
        r, c, p = divmod(i, grid) + (f"p{i}.",)
        h = F.conv2d(x[:, :, r * PATCH:(r + 1) * PATCH, c * PATCH:(c + 1) * PATCH], t[p + "stem.weight"], padding=1)
        for j, (_, _, s) in enumerate(BLOCKS):
            q = f"{p}block{j}."
            um = monic(h, t[q + "herpn1.a1"], t[q + "herpn1.a0"])
            v = F.conv2d(um, t[q + "conv1.weight"], stride=s, padding=1)
            out = F.conv2d(monic(v, t[q + "herpn2.a1"], t[q + "herpn2.a0"]), t[q + "conv2.weight"], padding=1)
            u = um * t[q + "herpn1.a2"].view(1, -1, 1, 1)
            h = out + (bn(F.conv2d(u, t[q + "shortcut.weight"], stride=s), q + "shortcut.bn.") if j in DOWN else u)
        h = F.adaptive_avg_pool2d(monic(h, t[p + "pool.a1"], t[p + "pool.a0"]), 2) * t[p + "pool.a2"].view(1, -1, 1, 1)
        f = bn(h.flatten(1), p + "bn.")
        y = y + f @ t[p + "fc.weight"].t() + t["fc.bias"]
    return y


def read_faces(path):
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % (112 * 112 * 3):
        raise ConversionError(f"{path}: not a whole number of 112x112x3 uint8 faces ({raw.size} bytes)")
    return torch.from_numpy(raw.reshape(-1, 112, 112, 3).copy())


def fit_polynomial(s):
    """Reference §2.6: finite values, sorted, smallest 99% kept; x1 = mean, x2 = min(mean+std, max),
    x3 = max(mean-std, min); p(xk) = 1/sqrt(xk)."""
    s = np.sort(s[np.isfinite(s)])
    kept = s[: max(1, int(len(s) * 0.99))]
    mu, sd, lo, hi = float(kept.mean()), float(kept.std()), float(kept.min()), float(kept.max())
    xs = [mu, min(mu + sd, hi), max(mu - sd, lo)]
    if len(set(xs)) < 3:
        raise ConversionError(f"cannot fit the polynomial: control points {xs} are not distinct (too few calibration faces?)")
    a, b, c = np.linalg.solve(np.array([[x * x, x, 1.0] for x in xs]), np.array([1 / math.sqrt(x) for x in xs]))
    grid = np.linspace(lo, hi, 2001)
    err = np.abs((a * grid * grid + b * grid + c) * np.sqrt(grid) - 1)
    return {"a": float(a), "b": float(b), "c": float(c), "controlPoints": xs,
            "stats": {"count": int(len(s)), "kept": int(len(kept)), "mean": mu, "std": sd, "min": lo, "max": hi},
            "maxRelErrorOnKeptRange": float(err.max())}


def polynomial_from_threshold_file(path, fold_index):
    """One fold's row of an official threshold_{dataset}.txt: [x3, x1, x2, a, b, c, tau] (reference §4)."""
    rows = np.loadtxt(path, delimiter=",", ndmin=2)
    if rows.shape[1] != 7:
        raise ConversionError(f"{path}: {rows.shape[1]} columns; expected 7 ([x3, x1, x2, a, b, c, tau], reference §4)")
    if not 0 <= fold_index < rows.shape[0]:
        raise ConversionError(f"{path}: no fold {fold_index} (it has {rows.shape[0]})")
    x3, x1, x2, a, b, c, tau = (float(v) for v in rows[fold_index])
    # The file keeps only the control points: the data's min/max/std are unknown. [x3, x2] (the outer control
    # points, where p is exact) stands in for the fitted range; std is x2 - x1 (exact unless x2 was capped at max).
    poly = {"a": a, "b": b, "c": c, "controlPoints": [x1, x2, x3],
            "stats": {"count": 0, "kept": 0, "mean": x1, "std": x2 - x1, "min": x3, "max": x2},
            "statsSource": f"official threshold file {os.path.basename(path)}, fold {fold_index}: control points only; "
                           "min/max are the outer control points x3/x2, count 0 = unknown"}
    return poly, tau


def write_tensors(path, tensors, dtype):
    """Little-endian `dtype` tensors back to back; returns (entries, sha256, byte length)."""
    entries, off, h = [], 0, hashlib.sha256()
    with open(path, "wb") as f:
        for name, t in tensors.items():
            b = np.ascontiguousarray(t.detach().numpy().astype({"float32": "<f4", "float64": "<f8"}[dtype])).tobytes()
            f.write(b)
            h.update(b)
            entries.append({"name": name, "shape": list(t.shape), "dtype": dtype, "offset": off, "length": int(t.numel())})
            off += len(b)
    return entries, h.hexdigest(), off


def rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


def convert(sd, out, dtype="float32", threshold_file=None, fold_index=0, calibrate=None, tau=None, verify=None, source=None):
    """Writes out/weights.bin + out/weights.json; returns the manifest (without the tensor list)."""
    variant, model = check_layout(sd)
    size, grid = VARIANTS[variant], VARIANTS[variant] // PATCH
    t64 = fold(sd, variant)
    stored = OrderedDict((k, v.float().double() if dtype == "float32" else v) for k, v in t64.items())
    if threshold_file is not None:
        poly, tau = polynomial_from_threshold_file(threshold_file, fold_index)
        selection = f"official threshold file {os.path.basename(threshold_file)}, fold {fold_index} (column 6)"
    elif calibrate is not None and tau is not None:
        with torch.no_grad():
            y = model(preprocess(read_faces(calibrate), size))
        poly = fit_polynomial((y * y).sum(1).numpy())
        selection = "given on the command line (--tau)"
    else:
        raise ConversionError("need --threshold-file, or --calibrate with --tau")
    # faces, not noise: a HerPN network is a degree-2^11 polynomial and overflows on inputs far from faces
    xv = preprocess(read_faces(verify or calibrate or REFERENCE_FACES)[:64], size)
    with torch.no_grad():
        y_ref = model(xv)
        if not torch.isfinite(y_ref).all():
            raise ConversionError("the official forward itself is not finite on the verification faces (--verify other faces?)")
        e64, est = rel(folded_forward(t64, xv, grid), y_ref), rel(folded_forward(stored, xv, grid), y_ref)
    if not e64 <= 1e-5:
        raise ConversionError(f"folded form differs from the official forward by {e64:.2e} (relative)")
    os.makedirs(out, exist_ok=True)
    entries, sha, nbytes = write_tensors(os.path.join(out, "weights.bin"), stored, dtype)
    manifest = {
        "format": FORMAT, "version": VERSION, "variant": variant,
        "inputSize": size, "patchSize": PATCH, "grid": grid, "patches": grid * grid, "embeddingDim": 256, "bnEps": EPS,
        "preprocessing": {"input": "RGB uint8 112x112 HWC", "steps": ["x/255", "(x-0.5)/0.5", f"bilinear antialiased resize 112->{size} (torch F.interpolate antialias=True, align_corners=False)"]},
        "normalization": poly,
        "threshold": {"tau": float(tau), "selection": selection},
        "verification": {"images": int(len(xv)), "foldedFloat64MaxRelError": e64, "storedMaxRelError": est,
                         "metric": "max|y_folded - y_official| / max|y_official|, y_official = official PatchCNN forward (eval mode, float64)"},
        "source": {"converter": "tools/official/convert.py", "checkpoint": source, "layout": "official PatchCNN state dict (github.com/human-analysis/CryptoFace models/pcnn.py)"},
        "byteLength": nbytes, "checksum": {"algorithm": "sha256", "value": sha},
        "tensors": entries,
    }
    with open(os.path.join(out, "weights.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return {k: v for k, v in manifest.items() if k != "tensors"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threshold-file")
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--calibrate", help="N x 112 x 112 x 3 uint8 RGB faces (raw) for the normalisation polynomial")
    ap.add_argument("--tau", type=float)
    ap.add_argument("--verify", help="faces (same raw format) for the folded-vs-official check")
    ap.add_argument("--trust-pickle", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        sd = load_state_dict(a.checkpoint, a.trust_pickle)
        m = convert(sd, a.out, a.dtype, a.threshold_file, a.fold, a.calibrate, a.tau, a.verify, os.path.basename(a.checkpoint))
    except ConversionError as e:
        raise SystemExit(f"convert: {e}")
    v = m["verification"]
    print(f"{m['variant']}: wrote {a.out}/weights.bin ({m['byteLength']} bytes) and weights.json; folded vs official "
          f"{v['foldedFloat64MaxRelError']:.2e} (float64), {v['storedMaxRelError']:.2e} (stored {a.dtype}) on {v['images']} images")


if __name__ == "__main__":
    main()
