"""Fold a trained CryptoFaceNet into its inference form (reference §2.3, §2.4) and run that form.

Per HerPN: a2 x^2 + a1 x + a0 -> monic x^2 + a1' x + a0' (a1' = a1/a2, a0' = a0/a2); HerPN1's a2 goes into
conv1's input channels, HerPN2's b2 into conv2's, and HerPN1's raw a2 is kept for the shortcut
(shortcut input = a2 * monic(x)); the pool HerPN's raw a2 is applied after the 2x2 average pooling.
Shortcut BatchNorm2d and per-patch BatchNorm1d stay as raw (weight, bias, running mean, running var).
Fusion BN: A' = diag(1/sqrt(var+eps)) A, b' = (b - mean)/sqrt(var+eps); A' split column-wise into L blocks
of 256x256, each patch adds b'/L.

All folding is done in float64. `folded_forward` is a second, independent float64 forward pass over the
folded tensors (torch.nn.functional only) used for verification and for the reference outputs.
"""
import torch
import torch.nn.functional as F

from cfnet import BN_EPS, PATCH, to_patches

DOWN = {1, 3}  # blocks with a 1x1 stride-2 conv + BN shortcut


def fold(model):
    """OrderedDict name -> float64 tensor of the folded inference form (names documented in docs/face-model.md)."""
    t = {}
    inv = 1.0 / torch.sqrt(model.fbn.running_var.double() + BN_EPS)
    A = model.fc.weight.detach().double() * inv.view(-1, 1)
    b = (model.fc.bias.detach().double() - model.fbn.running_mean.double()) * inv
    for i, net in enumerate(model.nets):
        p = f"p{i}."
        t[p + "stem.weight"] = net.stem.weight.detach().double().clone()
        for j, blk in enumerate(net.blocks):
            q = f"{p}block{j}."
            a2, a1, a0 = blk.herpn1.coefficients()
            b2, b1, b0 = blk.herpn2.coefficients()
            t[q + "herpn1.a2"] = a2
            t[q + "herpn1.a1"] = a1 / a2
            t[q + "herpn1.a0"] = a0 / a2
            t[q + "conv1.weight"] = blk.conv1.weight.detach().double() * a2.view(1, -1, 1, 1)
            t[q + "herpn2.a1"] = b1 / b2
            t[q + "herpn2.a0"] = b0 / b2
            t[q + "conv2.weight"] = blk.conv2.weight.detach().double() * b2.view(1, -1, 1, 1)
            if j in DOWN:
                conv, bn = blk.shortcut[0], blk.shortcut[1]
                t[q + "shortcut.weight"] = conv.weight.detach().double().clone()
                t[q + "shortcut.bn.weight"] = bn.weight.detach().double().clone()
                t[q + "shortcut.bn.bias"] = bn.bias.detach().double().clone()
                t[q + "shortcut.bn.mean"] = bn.running_mean.double().clone()
                t[q + "shortcut.bn.var"] = bn.running_var.double().clone()
        c2, c1, c0 = net.pool.coefficients()
        t[p + "pool.a2"] = c2
        t[p + "pool.a1"] = c1 / c2
        t[p + "pool.a0"] = c0 / c2
        t[p + "bn.weight"] = net.bn.weight.detach().double().clone()
        t[p + "bn.bias"] = net.bn.bias.detach().double().clone()
        t[p + "bn.mean"] = net.bn.running_mean.double().clone()
        t[p + "bn.var"] = net.bn.running_var.double().clone()
        t[p + "fc.weight"] = A[:, 256 * i:256 * (i + 1)].clone()
    t["fc.bias"] = b / model.L
    return t


def _monic(x, a1, a0):
    return x * x + a1.view(1, -1, 1, 1) * x + a0.view(1, -1, 1, 1)


def _bn(x, t, q):
    shape = (1, -1, 1, 1) if x.ndim == 4 else (1, -1)
    scale = t[q + "weight"] / torch.sqrt(t[q + "var"] + BN_EPS)
    return (x - t[q + "mean"].view(shape)) * scale.view(shape) + t[q + "bias"].view(shape)


def patch_forward(t, i, x, trace=None):
    """Folded PCNN of patch i on x (B,3,32,32) float64 -> (B,256) after BN1d."""
    p = f"p{i}."
    x = F.conv2d(x, t[p + "stem.weight"], padding=1)
    if trace is not None:
        trace["stem"] = x
    for j in range(5):
        q = f"{p}block{j}."
        s = 2 if j in DOWN else 1
        um = _monic(x, t[q + "herpn1.a1"], t[q + "herpn1.a0"])
        v = F.conv2d(um, t[q + "conv1.weight"], stride=s, padding=1)
        r = F.conv2d(_monic(v, t[q + "herpn2.a1"], t[q + "herpn2.a0"]), t[q + "conv2.weight"], padding=1)
        u = um * t[q + "herpn1.a2"].view(1, -1, 1, 1)
        sc = _bn(F.conv2d(u, t[q + "shortcut.weight"], stride=2), t, q + "shortcut.bn.") if j in DOWN else u
        x = r + sc
        if trace is not None:
            trace[f"block{j}"] = x
    x = F.adaptive_avg_pool2d(_monic(x, t[p + "pool.a1"], t[p + "pool.a0"]), 2) * t[p + "pool.a2"].view(1, -1, 1, 1)
    if trace is not None:
        trace["pool"] = x
    x = _bn(torch.flatten(x, 1), t, p + "bn.")
    if trace is not None:
        trace["bn"] = x
    return x


def folded_forward(t, x, grid, trace=None):
    """Whole folded network: x (B,3,32g,32g) float64 -> un-normalised embedding y (B,256)."""
    y = 0
    for i, patch in enumerate(to_patches(x, grid)):
        f = patch_forward(t, i, patch, trace if i == 0 else None)
        y = y + f @ t[f"p{i}.fc.weight"].t() + t["fc.bias"]
        if trace is not None and i == 0:
            trace["fc"] = f @ t["p0.fc.weight"].t() + t["fc.bias"]
    return y
