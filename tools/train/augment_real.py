"""Realistic on-the-fly augmentation of aligned 112x112 uint8 face crops (issue 17: invariance across photos).

Applied to the student's input only; the target stays the teacher's descriptor of the CLEAN image, so the
student is taught to give one embedding to every rendering of a face. All randomness comes from the global
torch RNG (seeded and checkpointed by train_invariant.py). With probability p_heavy a crop gets the full
chain below, otherwise only a horizontal flip:

  * pose warp within the aligner's error: rotation +-8 deg, scale +-7 %, shift +-4 px, shear and aspect
    +-4 %, plus a smooth random displacement field (4x4 control grid, up to 1.5 px) - the 5-point alignment
    leaves residuals of 1-6 px (docs/face-data.md), this covers them; black outside the source crop, like
    the aligner's constant border;
  * lighting (p 0.7): a directional multiplicative ramp (one side up to 60 % darker/brighter), gamma
    exp(+-0.5), brightness x[0.6, 1.4], contrast about the mean x[0.6, 1.4];
  * colour (p 0.7): per-channel gain +-20 %, saturation x[0, 1.5]; greyscale (p 0.1);
  * blur (p 0.4): Gaussian sigma 0.5..2 px, or a down/up-sampling round trip to 24..64 px (low resolution);
  * occlusion (p 0.3): a random rectangle (15..45 px, flat colour or noise), a dark band over the eyes
    (sunglasses, p 0.07) or a light mask over the lower face (p 0.07);
  * sensor noise (p 0.3, sigma up to 0.04);
  * JPEG round trip (p 0.4, quality 15..85, PIL/libjpeg 4:2:0).
"""
import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

S = 112


def _u(n, lo, hi):
    return lo + (hi - lo) * torch.rand(n)


def _chance(n, p):
    return torch.rand(n) < p


def _warp(x, heavy):
    """Random affine + smooth displacement for the rows in `heavy`; flip for all rows with p 0.5."""
    B = x.shape[0]
    rot = _u(B, -8, 8) * math.pi / 180
    sc = 1 + _u(B, -0.07, 0.07)
    asp = 1 + _u(B, -0.04, 0.04)
    sh = _u(B, -0.04, 0.04)
    tx, ty = _u(B, -4, 4) * 2 / S, _u(B, -4, 4) * 2 / S
    c, s = torch.cos(rot), torch.sin(rot)
    th = torch.zeros(B, 2, 3)
    th[:, 0, 0], th[:, 0, 1], th[:, 0, 2] = c / (sc * asp), -s / sc + sh, tx
    th[:, 1, 0], th[:, 1, 1], th[:, 1, 2] = s / sc, c * asp / sc, ty
    ident = torch.tensor([[1.0, 0, 0], [0, 1, 0]]).expand(B, 2, 3)
    th = torch.where(heavy.view(B, 1, 1), th, ident)
    flip = _chance(B, 0.5)
    th[flip, 0, :] = th[flip, 0, :] * torch.tensor([-1.0, -1.0, 1.0])  # mirror the output x axis
    grid = F.affine_grid(th, (B, 3, S, S), align_corners=False)
    amp = _u(B, 0, 1.5) * 2 / S * heavy.float()
    field = torch.randn(B, 2, 4, 4) * amp.view(B, 1, 1, 1)
    field = F.interpolate(field, size=(S, S), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    return F.grid_sample(x, grid + field, mode="bilinear", padding_mode="zeros", align_corners=False)


def _blur(x, rows):
    """Half of the chosen rows: Gaussian blur (one grouped separable convolution, radius 6 = 3 sigma_max);
    the other half: down/up-sampling round trip."""
    out = x.clone()
    idx = torch.nonzero(rows).flatten()
    if len(idx) == 0:
        return out
    gauss = torch.rand(len(idx)) < 0.5
    g = idx[gauss]
    if len(g):
        sig = _u(len(g), 0.5, 2.0).view(-1, 1)
        r = 6
        k = torch.exp(-(torch.arange(-r, r + 1, dtype=x.dtype).view(1, -1) ** 2) / (2 * sig * sig))
        k = (k / k.sum(1, keepdim=True)).repeat_interleave(3, 0)  # (3n, 2r+1)
        img = F.pad(x[g].reshape(1, -1, S, S), (r, r, r, r), mode="replicate")
        img = F.conv2d(img, k.view(-1, 1, 1, 2 * r + 1), groups=img.shape[1])
        img = F.conv2d(img, k.view(-1, 1, 2 * r + 1, 1), groups=img.shape[1])
        out[g] = img.view(-1, 3, S, S)
    for b in idx[~gauss].tolist():
        n = int(_u(1, 24, 64))
        small = F.interpolate(x[b:b + 1], size=(n, n), mode="bilinear", align_corners=False, antialias=True)
        out[b:b + 1] = F.interpolate(small, size=(S, S), mode="bilinear", align_corners=False)
    return out


def _occlude(x, rows):
    B = x.shape[0]
    yy = torch.arange(S).view(1, S, 1)
    xx = torch.arange(S).view(1, 1, S)
    for b in torch.nonzero(rows).flatten().tolist():
        kind = float(torch.rand(1))
        if kind < 0.14:  # sunglasses band over the eyes (template eye line y = 51.7)
            y0, h = int(_u(1, 38, 46)), int(_u(1, 14, 22))
            m = (yy >= y0) & (yy < y0 + h) & (xx >= int(_u(1, 14, 28))) & (xx < int(_u(1, 84, 98)))
            fill = torch.rand(3, 1, 1) * 0.15
        elif kind < 0.28:  # light mask over the lower face (template mouth line y = 92)
            y0 = int(_u(1, 70, 80))
            m = (yy >= y0) & (xx >= int(_u(1, 18, 30))) & (xx < int(_u(1, 82, 94)))
            fill = 0.6 + torch.rand(3, 1, 1) * 0.4
        else:
            h, w = int(_u(1, 15, 45)), int(_u(1, 15, 45))
            y0, x0 = int(_u(1, 0, S - h)), int(_u(1, 0, S - w))
            m = (yy >= y0) & (yy < y0 + h) & (xx >= x0) & (xx < x0 + w)
            fill = torch.rand(3, 1, 1) if float(torch.rand(1)) < 0.7 else torch.rand(3, S, S)
        x[b] = torch.where(m, fill.expand(3, S, S), x[b])
    return x


def _jpeg(u8, rows):
    """u8 (B,S,S,3) uint8 numpy; JPEG round trip in place for the chosen rows."""
    for b in torch.nonzero(rows).flatten().tolist():
        q = int(_u(1, 15, 85))
        buf = io.BytesIO()
        Image.fromarray(u8[b]).save(buf, format="JPEG", quality=q)
        buf.seek(0)
        u8[b] = np.asarray(Image.open(buf).convert("RGB"))
    return u8


def augment_real(u8, p_heavy=0.85):
    """u8: torch uint8 (B,112,112,3) aligned crops -> augmented torch uint8 (B,112,112,3)."""
    B = u8.shape[0]
    x = u8.permute(0, 3, 1, 2).float() / 255.0
    heavy = _chance(B, p_heavy)
    x = _warp(x, heavy)
    # lighting (computed on the chosen rows only)
    li = torch.nonzero(heavy & _chance(B, 0.7)).flatten()
    n = len(li)
    if n:
        ang = _u(n, 0, 2 * math.pi).view(n, 1, 1, 1)
        yy = torch.linspace(-1, 1, S).view(1, 1, S, 1)
        xx = torch.linspace(-1, 1, S).view(1, 1, 1, S)
        shade = (1 + _u(n, -0.6, 0.6).view(n, 1, 1, 1) * (torch.cos(ang) * xx + torch.sin(ang) * yy)).clamp(min=0.2)
        gamma = torch.exp(_u(n, -0.5, 0.5)).view(n, 1, 1, 1)
        lit = (x[li] * shade).clamp(0, 1) ** gamma * _u(n, 0.6, 1.4).view(n, 1, 1, 1)
        mean = lit.mean((1, 2, 3), keepdim=True)
        x[li] = (lit - mean) * _u(n, 0.6, 1.4).view(n, 1, 1, 1) + mean
    # colour
    luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    ci = torch.nonzero(heavy & _chance(B, 0.7)).flatten()
    n = len(ci)
    if n:
        xc = x[ci]
        grey = (xc * luma).sum(1, keepdim=True)
        x[ci] = (grey + (xc - grey) * _u(n, 0.0, 1.5).view(n, 1, 1, 1)) * (1 + _u(n * 3, -0.2, 0.2).view(n, 3, 1, 1))
    gi = torch.nonzero(heavy & _chance(B, 0.1)).flatten()
    if len(gi):
        x[gi] = (x[gi] * luma).sum(1, keepdim=True).expand(len(gi), 3, S, S)
    x = x.clamp(0, 1)
    x = _blur(x, heavy & _chance(B, 0.4))
    x = _occlude(x, heavy & _chance(B, 0.3))
    ni = torch.nonzero(heavy & _chance(B, 0.3)).flatten()
    if len(ni):
        x[ni] = x[ni] + torch.randn(len(ni), 3, S, S) * _u(len(ni), 0, 0.04).view(-1, 1, 1, 1)
    out = (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    out = _jpeg(out, heavy & _chance(B, 0.4))
    return torch.from_numpy(out)
