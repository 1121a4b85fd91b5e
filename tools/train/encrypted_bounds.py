"""Fitting a folded CryptoFaceNet to the encrypted network's bounds (issue 17, docs/face-model.md §10, §12).

1. Bootstrap point. The encrypted side refreshes block 3's output by bootstrapping, correct only for
   |x| <= B (B = 32, CRYPTOFACE_REFRESH_BOUND). `scale_bootstrap_point(t, c)` multiplies block 3's output by
   c and compensates in block 4, an exact reparametrisation of the folded network:
     block 3 (down-sampling): out = conv2'(..) + BN(conv1x1(u)) -> conv2' *= c, shortcut BN weight and bias *= c;
     block 4 (identity shortcut): u = a2 (x^2 + a1' x + a0') with x = x'/c
       = (a2/c^2) (x'^2 + c a1' x' + c^2 a0')  ->  a2 /= c^2, a1' *= c, a0' *= c^2, conv1 (a2 folded in) /= c^2.
   Every later value is unchanged (up to rounding); only the bootstrap point is scaled.
2. Normalisation range. `fit_norm_range(s, margin)` fits p(s) ~ 1/sqrt(s) through three Chebyshev nodes of
   [min(s)(1 - margin), max(s)(1 + margin)] over ALL observed s (the section-5 rule keeps the smallest 99 % and
   uses mean, mean +- std), so that the fitted range covers the inputs the network really produces,
   augmented ones included; stats.min / stats.max record that range (the loader's `normRange`).
"""
import math

import numpy as np
import torch

from cfnet import to_patches
from fold import patch_forward


def scale_bootstrap_point(t, c, patches):
    """Scale block 3's output by c in every patch of the folded tensors t (a new dict; t is not modified)."""
    out = dict(t)
    for i in range(patches):
        p3, p4 = f"p{i}.block3.", f"p{i}.block4."
        out[p3 + "conv2.weight"] = t[p3 + "conv2.weight"] * c
        out[p3 + "shortcut.bn.weight"] = t[p3 + "shortcut.bn.weight"] * c
        out[p3 + "shortcut.bn.bias"] = t[p3 + "shortcut.bn.bias"] * c
        out[p4 + "herpn1.a2"] = t[p4 + "herpn1.a2"] / (c * c)
        out[p4 + "herpn1.a1"] = t[p4 + "herpn1.a1"] * c
        out[p4 + "herpn1.a0"] = t[p4 + "herpn1.a0"] * (c * c)
        out[p4 + "conv1.weight"] = t[p4 + "conv1.weight"] / (c * c)
    return out


@torch.no_grad()
def bootstrap_max(t, x, grid, batch=128):
    """Per input: max |block 3 output| over all patches (float64 folded forward), and y (N,256)."""
    peaks, ys = [], []
    for s in range(0, len(x), batch):
        xb = x[s:s + batch].double()
        m = torch.zeros(len(xb), dtype=torch.float64)
        y = 0
        for i, patch in enumerate(to_patches(xb, grid)):
            tr = {}
            f = patch_forward(t, i, patch, tr)
            m = torch.maximum(m, tr["block3"].abs().flatten(1).amax(1))
            y = y + f @ t[f"p{i}.fc.weight"].t() + t["fc.bias"]
        peaks.append(m)
        ys.append(y)
    return torch.cat(peaks).numpy(), torch.cat(ys).numpy()


def fit_norm_range(s, margin=0.05):
    """p(s) = a s^2 + b s + c through three Chebyshev nodes of the widened observed range of s = ||y||^2."""
    s = np.sort(s[np.isfinite(s)])
    lo, hi = float(s[0]) * (1 - margin), float(s[-1]) * (1 + margin)
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    xs = [mid + half * math.cos((2 * k - 1) * math.pi / 6) for k in (1, 2, 3)]
    V = np.array([[x * x, x, 1.0] for x in xs])
    a, b, c = np.linalg.solve(V, np.array([1 / math.sqrt(x) for x in xs]))
    grid = np.linspace(lo, hi, 4001)
    err = np.abs((a * grid * grid + b * grid + c) * np.sqrt(grid) - 1)
    return {"a": float(a), "b": float(b), "c": float(c), "controlPoints": xs,
            "stats": {"count": int(len(s)), "kept": int(len(s)), "mean": float(s.mean()), "std": float(s.std()), "min": lo, "max": hi},
            "maxRelErrorOnKeptRange": float(err.max()),
            "fit": f"Chebyshev nodes of [min(s)(1-{margin}), max(s)(1+{margin})] over all observed s (clean and augmented fit rows)"}
