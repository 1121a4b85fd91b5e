"""CryptoFaceNet (CFNet4/9/16) in its TRAINING form.

Clean-room re-implementation of the architecture described in /work/shared/cryptoface-reference.md §2
(W. Ao and V. N. Boddeti, "CryptoFace: End-to-End Encrypted Face Recognition", CVPR 2025):

* PCNN per patch (separate weights per patch position): stem conv 3->16, five pre-activation HerPNConv
  blocks (16,16), (16,32,s2), (32,32), (32,64,s2), (64,64), HerPNPool(64) -> 2x2, flatten (index 4c+2row+col),
  per-patch BatchNorm1d(256).
* Fusion Linear(256L -> 256) + BatchNorm1d(256, affine=False).
* Jigsaw head Linear(256 -> L) on every patch feature (auxiliary loss only).
* HerPN(x) = gamma * [bn0(1)/sqrt(2pi) + bn1(x)/2 + bn2((x^2-1)/sqrt2)/sqrt(4pi)] + beta with three
  non-affine BatchNorm2d (first three Hermite terms of ReLU).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-5
PATCH = 32
VARIANTS = {"CFNet4": (64, 2), "CFNet9": (96, 3), "CFNet16": (128, 4)}  # name -> (input size, grid)
# (in, out, stride) of the five HerPNConv blocks
BLOCKS = [(16, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1)]


class HerPN2d(nn.Module):
    """Hermite polynomial activation (degree 2) with three non-affine BNs and a per-channel affine.

    `forward` computes exactly the training form above (same batch statistics, same running-stat updates:
    momentum 0.1, unbiased variance for the running estimate) but through the moments E[x], E[x^2], E[x^4]
    instead of three BatchNorm2d calls: bn0 sees a constant tensor (batch mean 1, variance 0, output 0),
    bn1 sees x, bn2 sees z = (x^2-1)/sqrt2 with mean (E[x^2]-1)/sqrt2 and variance Var[x^2]/2. That is
    about 3x cheaper on CPU; `forward_reference` is the literal three-BN version (checked in selfcheck.py).
    """

    def __init__(self, c):
        super().__init__()
        self.bn0 = nn.BatchNorm2d(c, affine=False, eps=BN_EPS)
        self.bn1 = nn.BatchNorm2d(c, affine=False, eps=BN_EPS)
        self.bn2 = nn.BatchNorm2d(c, affine=False, eps=BN_EPS)
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        # if set: train mode -> self.penalty = mean(log1p(relu(|z| - range_bound)^2)), z = x normalised by the
        # batch statistics; eval mode -> the stability penalty below, z normalised by the running statistics
        self.range_bound = None
        self.stress_bound = 8.0  # eval-mode penalty: log1p(max(|z| - stress_bound, 0)^2) per sample, running stats
        self.penalty = None

    def forward_reference(self, x):
        h0 = self.bn0(torch.ones_like(x))
        h1 = self.bn1(x)
        h2 = self.bn2((x * x - 1.0) / math.sqrt(2.0))
        out = h0 / math.sqrt(2 * math.pi) + h1 / 2.0 + h2 / math.sqrt(4 * math.pi)
        return self.weight.view(1, -1, 1, 1) * out + self.bias.view(1, -1, 1, 1)

    def forward(self, x):
        if not self.training:
            if self.range_bound is not None:  # eval-mode stability loss: running stats, differentiable gamma/beta
                mu = self.bn1.running_mean.view(1, -1, 1, 1)
                sd = torch.sqrt(self.bn1.running_var + BN_EPS).view(1, -1, 1, 1)
                z = ((x - mu) / sd).clamp(-1e3, 1e3)  # keep float32 finite when an input does blow up
                x = mu + z * sd
                worst = torch.relu(z.abs() - self.stress_bound).flatten(1).amax(1)  # per sample
                self.penalty = torch.log1p(worst * worst).mean()
                a2, a1, a0 = (t.to(x.dtype).view(1, -1, 1, 1) for t in self.coefficients(differentiable=True))
            else:
                a2, a1, a0 = (t.to(x.dtype).view(1, -1, 1, 1) for t in self.coefficients())
            return (a2 * x + a1) * x + a0
        n = x.numel() // x.shape[1]
        x2 = x * x
        m1 = x.mean((0, 2, 3))
        e2 = x2.mean((0, 2, 3))
        e4 = (x2 * x2).mean((0, 2, 3))
        v1 = e2 - m1 * m1  # biased batch variance of x
        v2 = (e4 - e2 * e2) / 2.0  # biased batch variance of (x^2-1)/sqrt2
        m2 = (e2 - 1.0) / math.sqrt(2.0)
        # track_running_stats False = leave the running statistics alone (as nn.BatchNorm does): set by
        # train_invariant.py --grad-ckpt while the backward pass recomputes a checkpointed forward
        with torch.no_grad():
            # PyTorch's rule: momentum 0.1, or a cumulative average when momentum is None (recalibrate.py)
            mom = 0.1 if self.bn1.momentum is not None else 1.0 / float(self.bn1.num_batches_tracked + 1)
            for bn, m, v in ((self.bn0, torch.ones_like(m1), torch.zeros_like(v1)), (self.bn1, m1, v1), (self.bn2, m2, v2)):
                if not bn.track_running_stats:
                    continue
                bn.running_mean.mul_(1 - mom).add_(mom * m.detach())
                bn.running_var.mul_(1 - mom).add_(mom * v.detach() * n / (n - 1))
                bn.num_batches_tracked.add_(1)
        if self.range_bound is not None:
            z = (x - m1.view(1, -1, 1, 1)) * torch.rsqrt(v1 + BN_EPS).view(1, -1, 1, 1)
            self.penalty = torch.log1p(torch.relu(z.abs() - self.range_bound).pow(2)).mean()
        g = self.weight
        r1 = 1.0 / (2.0 * torch.sqrt(v1 + BN_EPS))
        r2 = 1.0 / torch.sqrt(8 * math.pi * (v2 + BN_EPS))  # 1/(sqrt(4pi) sqrt(v2+eps) sqrt2)
        a2 = g * r2
        a1 = g * r1
        a0 = self.bias + g * (-m1 * r1 - (1.0 + math.sqrt(2.0) * m2) * r2)  # bn0 term is exactly 0 in training
        return (a2.view(1, -1, 1, 1) * x + a1.view(1, -1, 1, 1)) * x + a0.view(1, -1, 1, 1)

    def coefficients(self, differentiable=False):
        """(a2, a1, a0) of the eval-mode quadratic a2 x^2 + a1 x + a0, per channel, in float64
        (differentiable=True: in the parameters' dtype, with gradients to gamma and beta)."""
        g = self.weight if differentiable else self.weight.detach().double()
        b = self.bias if differentiable else self.bias.detach().double()
        if differentiable:
            m0, v0 = self.bn0.running_mean, self.bn0.running_var
            m1, v1 = self.bn1.running_mean, self.bn1.running_var
            m2, v2 = self.bn2.running_mean, self.bn2.running_var
            return self._coeffs(g, b, m0, v0, m1, v1, m2, v2)
        m0, v0 = self.bn0.running_mean.double(), self.bn0.running_var.double()
        m1, v1 = self.bn1.running_mean.double(), self.bn1.running_var.double()
        m2, v2 = self.bn2.running_mean.double(), self.bn2.running_var.double()
        return self._coeffs(g, b, m0, v0, m1, v1, m2, v2)

    @staticmethod
    def _coeffs(g, b, m0, v0, m1, v1, m2, v2):
        a2 = g / torch.sqrt(8 * math.pi * (v2 + BN_EPS))
        a1 = g / (2 * torch.sqrt(v1 + BN_EPS))
        a0 = b + g * ((1 - m0) / torch.sqrt(2 * math.pi * (v0 + BN_EPS)) - m1 / (2 * torch.sqrt(v1 + BN_EPS))
                      - (1 + math.sqrt(2.0) * m2) / torch.sqrt(8 * math.pi * (v2 + BN_EPS)))
        return a2, a1, a0


class HerPNConv(nn.Module):
    """Pre-activation residual block: u = HerPN1(x); out = conv2(HerPN2(conv1(u))) + shortcut(u)."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.herpn1 = HerPN2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.herpn2 = HerPN2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout, eps=BN_EPS))

    def forward(self, x):
        u = self.herpn1(x)
        r = self.conv2(self.herpn2(self.conv1(u)))
        return r + (u if self.shortcut is None else self.shortcut(u))


class PCNN(nn.Module):
    """One patch network: 32x32x3 patch -> 256 features (after the per-patch BatchNorm1d)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.blocks = nn.ModuleList([HerPNConv(i, o, s) for i, o, s in BLOCKS])
        self.pool = HerPN2d(64)
        self.bn = nn.BatchNorm1d(256, eps=BN_EPS)

    def forward(self, x, trace=None):
        x = self.stem(x)
        if trace is not None:
            trace["stem"] = x
        for j, blk in enumerate(self.blocks):
            x = blk(x)
            if trace is not None:
                trace[f"block{j}"] = x
        x = F.adaptive_avg_pool2d(self.pool(x), 2)
        if trace is not None:
            trace["pool"] = x
        x = self.bn(torch.flatten(x, 1))
        if trace is not None:
            trace["bn"] = x
        return x


def to_patches(x, grid):
    """(B,3,32g,32g) -> list of g*g tensors (B,3,32,32); patch i = row*g + col."""
    return [x[:, :, r * PATCH:(r + 1) * PATCH, c * PATCH:(c + 1) * PATCH] for r in range(grid) for c in range(grid)]


class CryptoFaceNet(nn.Module):
    """L patch CNNs + fusion Linear(256L->256) + BatchNorm1d(256, affine=False) + jigsaw head."""

    def __init__(self, variant="CFNet4"):
        super().__init__()
        self.variant = variant
        self.input_size, self.grid = VARIANTS[variant]
        self.L = self.grid * self.grid
        self.nets = nn.ModuleList([PCNN() for _ in range(self.L)])
        self.fc = nn.Linear(256 * self.L, 256)
        self.fbn = nn.BatchNorm1d(256, affine=False, eps=BN_EPS)
        self.jigsaw = nn.Linear(256, self.L)

    def forward(self, x, trace=None):
        """Returns (embedding y (B,256) un-normalised, patch features list)."""
        feats = []
        for i, (net, p) in enumerate(zip(self.nets, to_patches(x, self.grid))):
            feats.append(net(p, trace if i == 0 else None))
        y = self.fbn(self.fc(torch.cat(feats, 1)))
        return y, feats

    def jigsaw_logits(self, feats):
        """Logits (B*L, L) and targets (patch index) for the auxiliary jigsaw cross-entropy."""
        logits = torch.cat([self.jigsaw(f) for f in feats], 0)
        target = torch.cat([torch.full((f.shape[0],), i, dtype=torch.long) for i, f in enumerate(feats)], 0)
        return logits, target


def preprocess(u8_hwc, input_size, dtype=torch.float32):
    """uint8 (B,112,112,3) RGB -> float (B,3,S,S): /255 -> (x-0.5)/0.5 -> bilinear antialiased resize (§3)."""
    x = u8_hwc.permute(0, 3, 1, 2).to(dtype) / 255.0
    x = (x - 0.5) / 0.5
    if input_size != x.shape[-1]:
        x = F.interpolate(x, size=(input_size, input_size), mode="bilinear", align_corners=False, antialias=True)
    return x
