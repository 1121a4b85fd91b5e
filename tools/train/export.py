"""Export a trained CryptoFaceNet to the versioned folded weights format + reference outputs.

    /usr/bin/python3 tools/train/export.py [--run tools/train/work/CFNet4] [--out models/cfnet4]

Writes <out>/weights.bin (little-endian float32 tensors, concatenated) and <out>/weights.json (format
"cryptoface-weights" v1: tensor names/shapes/offsets/dtype, SHA-256 of the binary, normalisation polynomial,
threshold tau, preprocessing, provenance), and <out>/reference/ (inputs.u8, reference.bin, reference.json):
per-layer activations of patch 0 and the final embeddings computed in float64 by PyTorch from the STORED
(float32-rounded) folded tensors. Also verifies that the folded form equals the unfolded training model in
eval mode (float64, max-abs-relative error <= 1e-5) and records the figures in weights.json.

Polynomial (reference §2.6): s = ||y||^2 over the fit rows of the training split (no flip), non-finite
dropped, smallest 99% kept; x1 = mean, x2 = min(mean+std, max), x3 = max(mean-std, min); p(xk) = 1/sqrt(xk).
Threshold: grid 0..3.99 step 0.01 (reference §2.7); tau maximises agreement with the teacher's verdict
(dlib L2 < 0.6) over all pairs of the CALIBRATION crops (training identities never trained on); the
reference's label-based balanced-accuracy choice is recorded as tauLabelBalanced. Never the held-out pairs.
"""
import argparse
import hashlib
import json
import os

import numpy as np
import torch

from cfnet import BN_EPS, CryptoFaceNet, PATCH
from data import FaceData
from encrypted_bounds import fit_norm_range
from fold import fold, folded_forward
from metrics import best_threshold, calib_pairs, embed, pair_dist, poly_norm, roc_auc, unit

FORMAT = "cryptoface-weights"
VERSION = 1


def norm_polynomial(s):
    s = np.sort(s[np.isfinite(s)])
    kept = s[: int(len(s) * 0.99)]
    mu, sd, lo, hi = float(kept.mean()), float(kept.std()), float(kept.min()), float(kept.max())
    xs = [mu, min(mu + sd, hi), max(mu - sd, lo)]
    V = np.array([[x * x, x, 1.0] for x in xs])
    a, b, c = np.linalg.solve(V, np.array([1 / np.sqrt(x) for x in xs]))
    grid = np.linspace(lo, hi, 2001)
    err = np.abs((a * grid * grid + b * grid + c) * np.sqrt(grid) - 1)
    return {"a": float(a), "b": float(b), "c": float(c), "controlPoints": xs,
            "stats": {"count": int(len(s)), "kept": int(len(kept)), "mean": mu, "std": sd, "min": lo, "max": hi},
            "maxRelErrorOnKeptRange": float(err.max())}


def write_tensors(path, tensors, dtype):
    """Concatenate tensors as little-endian `dtype`; returns (entries, sha256 hex, byteLength)."""
    entries, off, h = [], 0, hashlib.sha256()
    np_dt = {"float32": "<f4", "float64": "<f8"}[dtype]
    with open(path, "wb") as f:
        for name, t in tensors.items():
            v = t.detach().cpu().numpy().astype(np_dt)
            if not np.isfinite(v).all():
                raise ValueError(f"{name}: non-finite value when stored as {dtype}")
            b = np.ascontiguousarray(v).tobytes()
            f.write(b)
            h.update(b)
            entries.append({"name": name, "shape": list(t.shape), "dtype": dtype, "offset": off, "length": int(t.numel())})
            off += len(b)
    return entries, h.hexdigest(), off


TEACHER_THRESHOLD = 0.6  # dlib face descriptor: same person iff L2 distance < 0.6


def teacher_verdicts(t):
    """Upper-triangle (i<j) boolean vector: teacher says 'same' for the pair."""
    t = t.astype(np.float64)
    n = (t * t).sum(1)
    d = np.sqrt(np.maximum(n[:, None] + n[None, :] - 2 * t @ t.T, 0))
    return d[np.triu_indices(len(t), 1)] < TEACHER_THRESHOLD


def agreement_threshold(e, teach_same):
    """tau in {0, 0.01, ..., 3.99} maximising agreement of (d < tau) with the teacher over all pairs i<j."""
    n = (e * e).sum(1)
    d = (n[:, None] + n[None, :] - 2 * e @ e.T)[np.triu_indices(len(e), 1)]
    best = (0.0, -1.0)
    for t in np.arange(400) / 100.0:
        a = float(np.mean((d < t) == teach_same))
        if a > best[1]:
            best = (float(t), a)
    return best


def fit_bounds(t64, ds, fit, S, grid, patches, a):
    """Measure the bootstrap point and ||y||^2 over the clean fit rows and --range-views realistic heavy
    augmentations of them (seeded); scale the bootstrap point to --bootstrap-target if it is exceeded."""
    from augment_real import augment_real
    from cfnet import preprocess
    from encrypted_bounds import bootstrap_max, scale_bootstrap_point
    gen = torch.Generator().manual_seed(20261201)
    pick = fit[torch.randperm(len(fit), generator=gen)[: a.range_views].numpy()]
    peaks, ss = [], []
    with torch.random.fork_rng():
        torch.manual_seed(20261201)
        for s0 in range(0, len(fit), 512):  # clean fit rows
            pk, y = bootstrap_max(t64, ds.preprocessed(fit[s0:s0 + 512], S, torch.float64), grid)
            peaks.append(pk)
            ss.append((y * y).sum(1))
        n_clean = sum(len(p) for p in peaks)
        for s0 in range(0, len(pick), 256):  # realistic heavy augmentations
            u8 = torch.from_numpy(np.ascontiguousarray(ds.images[np.sort(pick[s0:s0 + 256])]))
            pk, y = bootstrap_max(t64, preprocess(augment_real(u8, 1.0), S, torch.float64), grid)
            peaks.append(pk)
            ss.append((y * y).sum(1))
    peaks, ss = np.concatenate(peaks), np.concatenate(ss)
    info = {"rows": int(n_clean), "augmentedViews": int(len(pick)), "augmentation": "augment_real.py, p_heavy 1.0, seed 20261201",
            "bootstrapMaxAbsBefore": float(peaks.max()), "bootstrapMaxAbsAugmentedBefore": float(peaks[n_clean:].max()) if len(pick) else None,
            "bootstrapTarget": a.bootstrap_target, "bootstrapScale": 1.0, "s": ss}
    if a.bootstrap_target > 0 and peaks.max() > a.bootstrap_target:
        c = a.bootstrap_target / float(peaks.max())
        t64 = scale_bootstrap_point(t64, c, patches)
        info["bootstrapScale"] = c
    return t64, info


def rel(a, b):
    return float((a - b).abs().max() / b.abs().max())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default=os.path.join(here, "work", "CFNet4"))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "models", "cfnet4"))
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--norm-fit", default="reference", choices=["reference", "range"],
                    help="reference: section-5 rule on the fit rows; range: encrypted_bounds.fit_norm_range over the fit rows AND "
                         "--range-views realistic heavy augmentations of them (issue 17)")
    ap.add_argument("--range-views", type=int, default=3000, help="augmented fit rows measured for --norm-fit range / --bootstrap-target")
    ap.add_argument("--bootstrap-target", type=float, default=0.0,
                    help="if > 0 and max |block 3 output| over the fit rows and range views exceeds it, scale the bootstrap point "
                         "down to it (encrypted_bounds.scale_bootstrap_point, exact)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ck = torch.load(os.path.join(a.run, "model.pt"))
    model = CryptoFaceNet(ck["variant"])
    model.load_state_dict(ck["state_dict"])
    model.eval()
    S, g = model.input_size, model.grid
    ds = FaceData(ck["data"])
    tr = ds.indices("train")
    fitset = set(ck["fit_identities"])
    fit = np.array([i for i in tr if ds.items[i]["identity"] in fitset], dtype=np.int64)
    cal = np.array([i for i in tr if ds.items[i]["identity"] not in fitset], dtype=np.int64)

    # 1. fold, fit to the encrypted side's bounds, round to the storage dtype, verify against the unfolded model
    t64 = fold(model)
    range_info = None
    if a.norm_fit == "range" or a.bootstrap_target > 0:
        t64, range_info = fit_bounds(t64, ds, fit, S, g, model.L, a)
        print("bounds fit", json.dumps({k: v for k, v in range_info.items() if k != "s"}))
    tst = {k: (v.float().double() if a.dtype == "float32" else v) for k, v in t64.items()}
    md = CryptoFaceNet(ck["variant"]).double()
    md.load_state_dict(ck["state_dict"])
    md.eval()
    vidx = np.concatenate([fit[:: max(1, len(fit) // 48)][:48], cal[:16]])
    xv = ds.preprocessed(vidx, S, torch.float64)
    with torch.no_grad():
        y_ref = md(xv)[0]
        e64, est = rel(folded_forward(t64, xv, g), y_ref), rel(folded_forward(tst, xv, g), y_ref)
    print(f"folded vs unfolded (float64, {len(vidx)} images): {e64:.2e}; with stored {a.dtype} tensors: {est:.2e}")
    assert e64 <= 1e-5, "folding check failed"

    # 2. normalisation polynomial on the fit rows, threshold on the calibration identities
    xf = ds.preprocessed(fit, S)
    yf = embed(model, xf)
    del xf
    s_fit = np.sum(yf * yf, axis=1)
    poly = norm_polynomial(s_fit) if a.norm_fit == "reference" else fit_norm_range(np.concatenate([s_fit, range_info.pop("s")]))
    coeffs = (poly["a"], poly["b"], poly["c"])
    print("polynomial", json.dumps(poly))
    yc = embed(model, ds.preprocessed(cal, S))
    gen, imp = calib_pairs(ds.identities(cal), np.random.default_rng(ck["args"]["seed"] + 1))
    ep, ee = poly_norm(yc, coeffs), unit(yc)
    tau_l, acc_l = best_threshold(pair_dist(ep, gen), pair_dist(ep, imp))
    cal_auc = float(roc_auc(pair_dist(ep, gen), pair_dist(ep, imp)))
    teach_same = teacher_verdicts(ds.teacher[cal])
    tau, agree = agreement_threshold(ep, teach_same)
    tau_e, agree_e = agreement_threshold(ee, teach_same)
    print(f"tau {tau} (agreement with the teacher on all calibration pairs {agree:.4f}); exact-norm tau {tau_e} ({agree_e:.4f}); "
          f"label-balanced tau {tau_l} (balanced accuracy {acc_l:.4f}, AUC {cal_auc:.4f})")

    # activation ranges (max |value| per traced layer over 512 fit rows, all patches): what CKKS must hold
    ranges = {}
    xr = ds.preprocessed(fit[:: max(1, len(fit) // 512)][:512], S, torch.float64)
    with torch.no_grad():
        from cfnet import to_patches
        from fold import patch_forward
        for i, patch in enumerate(to_patches(xr, g)):
            tr_ = {}
            patch_forward(tst, i, patch, tr_)
            for k, v in tr_.items():
                ranges[k] = max(ranges.get(k, 0.0), float(v.abs().max()))
        ranges["y"] = float(np.abs(yf).max())
    # JSON has no NaN/Infinity: a non-finite maximum (an input the network blows up on) is recorded as null
    ranges = {k: (v if np.isfinite(v) else None) for k, v in ranges.items()}
    print("activation ranges", json.dumps(ranges))

    # 3. weights
    os.makedirs(os.path.join(a.out, "reference"), exist_ok=True)
    entries, sha, nbytes = write_tensors(os.path.join(a.out, "weights.bin"), tst, a.dtype)
    manifest = {
        "format": FORMAT, "version": VERSION, "variant": ck["variant"],
        "inputSize": S, "patchSize": PATCH, "grid": g, "patches": model.L, "embeddingDim": 256, "bnEps": BN_EPS,
        "preprocessing": {"input": "RGB uint8 112x112 HWC", "steps": ["x/255", "(x-0.5)/0.5", f"bilinear antialiased resize 112->{S} (torch F.interpolate antialias=True, align_corners=False)"]},
        "normalization": poly,
        "threshold": {"tau": tau, "tauExactNorm": tau_e, "teacherThreshold": TEACHER_THRESHOLD,
                      "calibrationPairs": int(len(cal) * (len(cal) - 1) // 2), "calibrationTeacherAgreement": agree,
                      "calibrationTeacherAgreementExactNorm": agree_e,
                      "tauLabelBalanced": tau_l, "labelBalancedAccuracy": acc_l, "labelAuc": cal_auc,
                      "labelPairs": {"genuine": int(len(gen)), "impostor": int(len(imp))},
                      "selection": "grid 0..3.99 step 0.01; tau maximises agreement of (d < tau), d = ||y1 p(s1) - y2 p(s2)||^2, with the "
                                   "teacher's verdict (dlib L2 < 0.6) over ALL pairs of the calibration crops (training identities held out of "
                                   "training); tauExactNorm likewise with y/||y||. tauLabelBalanced (reference protocol: best balanced accuracy "
                                   "against identity labels on genuine + equally many impostor calibration pairs) is given for comparison. "
                                   "The held-out pairs are never used."},
        "activationMaxAbs": {"rows": int(len(xr)), "values": ranges,
                             "note": "max |activation| over fit rows, any patch: stem, block outputs, pool (after a2), bn (per-patch BN1d), y"},
        **({"encryptedBoundsFit": range_info} if range_info else {}),
        "verification": {"images": int(len(vidx)), "foldedFloat64MaxRelError": e64, "storedMaxRelError": est,
                         "metric": "max|y_folded - y_unfolded| / max|y_unfolded| over the embeddings of the verification images"},
        "training": {"data": os.path.relpath(ck["data"], os.path.join(here, "..", "..")), "args": ck["args"], "seconds": round(ck["train_seconds"]),
                     "fitIdentities": len(ck["fit_identities"]), "calibrationIdentities": len(ck["calib_identities"]),
                     "fitRows": int(len(fit)), "calibrationRows": int(len(cal)), "lastEpoch": ck["log"][-1] if ck["log"] else None},
        "byteLength": nbytes, "checksum": {"algorithm": "sha256", "value": sha},
        "tensors": entries,
    }
    with open(os.path.join(a.out, "weights.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {a.out}/weights.bin ({nbytes} bytes, {len(entries)} tensors)")

    # 4. reference outputs from the stored tensors, float64
    # public-domain faces only (Grace Hopper, NASA astronaut photo) + their mirrored blend
    pd = ("train/deb-hopper", "train/deb-astronaut")
    pick = [i for i in tr if ds.items[i]["identity"] in pd and not ds.items[i]["augmented"]][:2]
    imgs = [np.asarray(ds.images[i]) for i in pick]
    names = [ds.items[i]["source"] for i in pick]
    if len(imgs) == 2:  # a third, unseen face: the 50/50 pixel blend of the two, mirrored
        imgs.append(((imgs[0].astype(np.uint16) + imgs[1]) // 2).astype(np.uint8)[:, ::-1].copy())
        names.append("mirrored 50/50 pixel blend of the two images above")
    u8 = np.stack(imgs)
    u8.tofile(os.path.join(a.out, "reference", "inputs.u8"))
    from cfnet import preprocess
    x = preprocess(torch.from_numpy(u8), S, torch.float64)
    ref = {}
    with torch.no_grad():
        for k in range(len(u8)):
            tr_ = {}
            y = folded_forward(tst, x[k:k + 1], g, tr_)
            s = float((y * y).sum())
            ref[f"{k}.input"] = x[k]
            for name, v in tr_.items():
                ref[f"{k}.p0.{name}"] = v[0]
            ref[f"{k}.y"] = y[0]
            ref[f"{k}.s"] = torch.tensor([s], dtype=torch.float64)
            ref[f"{k}.yExact"] = y[0] / np.sqrt(s)
            ref[f"{k}.yPoly"] = y[0] * (coeffs[0] * s * s + coeffs[1] * s + coeffs[2])
    yp = [ref[f"{k}.yPoly"] for k in range(len(u8))]
    dists = [[float(((yp[i] - yp[j]) ** 2).sum()) for j in range(len(u8))] for i in range(len(u8))]
    rentries, rsha, rbytes = write_tensors(os.path.join(a.out, "reference", "reference.bin"), ref, "float32")
    with open(os.path.join(a.out, "reference", "reference.json"), "w") as f:
        json.dump({"format": "cryptoface-reference", "version": 1, "variant": ck["variant"], "weightsSha256": sha,
                   "inputs": {"file": "inputs.u8", "shape": [len(u8), 112, 112, 3], "sources": names},
                   "distancesPoly": dists, "byteLength": rbytes, "checksum": {"algorithm": "sha256", "value": rsha},
                   "note": "float64 PyTorch forward of the stored folded tensors; p0.* = activations of patch 0 (CHW), "
                           "p0.pool after the pool a2, p0.fc = A'_0 f_0 + b'/L; y un-normalised, yExact = y/||y||, yPoly = y p(||y||^2)",
                   "tensors": rentries}, f, indent=1)
    print(f"wrote reference outputs for {len(u8)} inputs ({rbytes} bytes)")


if __name__ == "__main__":
    main()
