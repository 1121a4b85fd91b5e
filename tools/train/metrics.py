"""Verification metrics shared by training and export: embeddings, pair distances, ROC AUC, best threshold.

Distances follow the reference protocol (§2.7): d = ||y1^ - y2^||^2, "same" iff d < tau.
"""
import numpy as np
import torch


@torch.no_grad()
def embed(model, x, batch=256):
    """Un-normalised fused embeddings y (N,256) of preprocessed inputs x, model in eval mode (float64 out)."""
    model.eval()
    out = [model(x[s:s + batch])[0].double() for s in range(0, len(x), batch)]
    return torch.cat(out, 0).numpy()


def unit(y):
    return y / np.linalg.norm(y, axis=1, keepdims=True)


def poly_norm(y, coeffs):
    """y * p(||y||^2) with p(s) = a s^2 + b s + c."""
    a, b, c = coeffs
    s = np.sum(y * y, axis=1, keepdims=True)
    return y * (a * s * s + b * s + c)


def pair_dist(e, pairs):
    """Squared L2 distance for index pairs (P,2) into rows of e."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    d = e[pairs[:, 0]] - e[pairs[:, 1]]
    return np.sum(d * d, axis=1)


def roc_auc(gen_d, imp_d):
    """P(d_genuine < d_impostor) + 0.5 P(tie): ROC AUC with distance as the (inverted) score."""
    d = np.concatenate([gen_d, imp_d])
    order = np.argsort(d, kind="mergesort")
    ranks = np.empty(len(d))
    sd = d[order]
    i = 0
    while i < len(d):  # average ranks of ties
        j = i
        while j + 1 < len(d) and sd[j + 1] == sd[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    ng, ni = len(gen_d), len(imp_d)
    # rank-sum of impostors counts how often an impostor is farther than a genuine pair
    return (np.sum(ranks[ng:]) - ni * (ni + 1) / 2) / (ng * ni)


def best_threshold(gen_d, imp_d, grid=None):
    """tau from the reference grid {0, 0.01, ..., 3.99} maximising balanced accuracy; returns (tau, acc)."""
    grid = np.arange(400) / 100.0 if grid is None else grid
    best = (0.0, -1.0)
    for t in grid:
        acc = 0.5 * (np.mean(gen_d < t) + np.mean(imp_d >= t))
        if acc > best[1]:
            best = (float(t), float(acc))
    return best


def calib_pairs(identities, rng, cap=20000):
    """All genuine pairs among items (capped) and as many random impostor pairs (indices into identities)."""
    ids = np.array(identities)
    by = {}
    for i, s in enumerate(ids):
        by.setdefault(s, []).append(i)
    gen = [(a[x], a[y]) for a in by.values() for x in range(len(a)) for y in range(x + 1, len(a))]
    gen = np.array(gen, dtype=np.int64).reshape(-1, 2)
    if len(gen) > cap:
        gen = gen[rng.choice(len(gen), cap, replace=False)]
    n = len(ids)
    imp = []
    while len(imp) < len(gen):
        a, b = rng.integers(0, n, 2)
        if ids[a] != ids[b]:
            imp.append((min(a, b), max(a, b)))
    return gen, np.array(imp, dtype=np.int64).reshape(-1, 2)
