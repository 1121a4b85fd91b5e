"""The CryptoFace network exactly as the official checkpoints store it (W. Ao and V. N. Boddeti, "CryptoFace:
End-to-End Encrypted Face Recognition", CVPR 2025; github.com/human-analysis/CryptoFace, models/pcnn.py and
models/layers.py; /work/shared/cryptoface-reference.md §2).

Written for this project from the published description: module names, nesting and parameter shapes are the
official ones so that `load_state_dict(strict=True)` accepts an official checkpoint's "backbone" entry and
rejects anything else. The forward pass is the literal training form in eval mode (three non-affine
BatchNorm2d per HerPN, running statistics, no folding): it is the independent reference the converted
weights are checked against.

State-dict layout of PatchCNN (L = 4/9/16 patch networks; C = channels of the HerPN):

    nets.{i}.conv.weight                                   [16,3,3,3]   stem, no bias
    nets.{i}.layers.{j}.herpn1.weight / .bias              [ci,1,1]     HerPN gamma / beta
    nets.{i}.layers.{j}.herpn1.bn{0,1,2}.running_mean/_var [ci]         + num_batches_tracked (0-dim int64)
    nets.{i}.layers.{j}.conv1.weight                       [co,ci,3,3]  stride 2 in j = 1, 3
    nets.{i}.layers.{j}.herpn2.(same as herpn1)            [co,...]
    nets.{i}.layers.{j}.conv2.weight                       [co,co,3,3]
    nets.{i}.layers.{j}.shortcut.0.weight                  [co,ci,1,1]  j = 1, 3 only (1x1 stride-2 conv)
    nets.{i}.layers.{j}.shortcut.1.weight/bias/running_mean/running_var [co] + num_batches_tracked
    nets.{i}.herpnpool.herpn.(HerPN of 64 channels)
    nets.{i}.bn.weight/bias/running_mean/running_var       [256]        + num_batches_tracked
    linear.weight [256, 256L], linear.bias [256]           fusion
    bn.running_mean/running_var [256] + num_batches_tracked             fusion BN, affine=False
    jigsaw.weight [L,256], jigsaw.bias [L]                 training-only head

(j = 0..4 with (ci, co) = (16,16), (16,32), (32,32), (32,64), (64,64); every BatchNorm has eps 1e-5.)
The training checkpoint `model.ckpt` is a dict whose "backbone" entry is this state dict (other entries:
"head" (ArcFace kernel), "optimizer", "scheduler", "epoch", "test_acc", "jigsaw_weight").
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = {"CFNet4": 64, "CFNet9": 96, "CFNet16": 128}  # name -> input size; patches are 32x32
PATCH = 32
BLOCKS = [(16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1)]
EPS = 1e-5


class HerPN(nn.Module):
    """gamma * [bn0(1)/sqrt(2 pi) + bn1(x)/2 + bn2((x^2 - 1)/sqrt 2)/sqrt(4 pi)] + beta (reference §2.3)."""

    def __init__(self, c):
        super().__init__()
        self.bn0 = nn.BatchNorm2d(c, affine=False, eps=EPS)
        self.bn1 = nn.BatchNorm2d(c, affine=False, eps=EPS)
        self.bn2 = nn.BatchNorm2d(c, affine=False, eps=EPS)
        self.weight = nn.Parameter(torch.ones(c, 1, 1))
        self.bias = nn.Parameter(torch.zeros(c, 1, 1))

    def forward(self, x):
        h = (self.bn0(torch.ones_like(x)) / math.sqrt(2 * math.pi) + self.bn1(x) / 2
             + self.bn2((x * x - 1) / math.sqrt(2)) / math.sqrt(4 * math.pi))
        return self.weight * h + self.bias


class HerPNConv(nn.Module):
    """u = herpn1(x); out = conv2(herpn2(conv1(u))) + shortcut(u); shortcut = identity or 1x1 conv + BN."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.herpn1 = HerPN(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.herpn2 = HerPN(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=EPS))

    def forward(self, x, trace=None, prefix=""):
        u = self.herpn1(x)
        v = self.conv1(u)
        if trace is not None:
            trace[prefix + "conv1"] = v
        return self.conv2(self.herpn2(v)) + self.shortcut(u)


class HerPNPool(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.herpn = HerPN(c)
        self.pool = nn.AdaptiveAvgPool2d((2, 2))

    def forward(self, x):
        return self.pool(self.herpn(x))


class Backbone(nn.Module):
    """One patch network (PCNN): 3x32x32 -> 256 (flatten order 4c + 2row + col, then BatchNorm1d)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.layers = nn.Sequential(*[HerPNConv(i, o, s) for i, o, s in BLOCKS])
        self.herpnpool = HerPNPool(64)
        self.bn = nn.BatchNorm1d(256, eps=EPS)

    def forward(self, x, trace=None):
        h = self.conv(x)
        if trace is not None:
            trace["stem"] = h
        for j, blk in enumerate(self.layers):
            h = blk(h, trace, f"block{j}.")
            if trace is not None:
                trace[f"block{j}"] = h
        h = self.herpnpool(h)
        if trace is not None:
            trace["pool"] = h
        h = self.bn(h.reshape(h.shape[0], -1))
        if trace is not None:
            trace["bn"] = h
        return h


class PatchCNN(nn.Module):
    """L patch networks, fusion Linear(256L -> 256) + BatchNorm1d(256, affine=False), jigsaw head."""

    def __init__(self, input_size):
        super().__init__()
        self.grid = input_size // PATCH
        n = self.grid * self.grid
        self.nets = nn.ModuleList([Backbone() for _ in range(n)])
        self.linear = nn.Linear(256 * n, 256)
        self.bn = nn.BatchNorm1d(256, affine=False, eps=EPS)
        self.jigsaw = nn.Linear(256, n)

    def patches(self, x):
        g = self.grid
        return [x[:, :, r * PATCH:(r + 1) * PATCH, c * PATCH:(c + 1) * PATCH] for r in range(g) for c in range(g)]

    def forward(self, x, traces=None):
        """x (B,3,S,S) -> un-normalised embedding (B,256); traces: optional list of L dicts (per patch)."""
        feats = [net(p, None if traces is None else traces[i]) for i, (net, p) in enumerate(zip(self.nets, self.patches(x)))]
        return self.bn(self.linear(torch.cat(feats, 1)))


def variant_of(state_dict):
    """The variant whose state-dict layout has as many patch networks as `state_dict` (or None)."""
    n = len({k.split(".")[1] for k in state_dict if k.startswith("nets.") and k.count(".") >= 2})
    for name, size in VARIANTS.items():
        if (size // PATCH) ** 2 == n:
            return name
    return None


def preprocess(u8_hwc, input_size):
    """uint8 (B,112,112,3) RGB -> float64 (B,3,S,S): ToTensor, Normalize(0.5, 0.5), antialiased bilinear resize
    (reference §3; the resize comes after normalising)."""
    x = u8_hwc.permute(0, 3, 1, 2).double() / 255.0
    x = (x - 0.5) / 0.5
    if input_size != x.shape[-1]:
        x = F.interpolate(x, size=(input_size, input_size), mode="bilinear", align_corners=False, antialias=True)
    return x
