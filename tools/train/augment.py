"""On-the-fly photometric augmentation of preprocessed inputs (B,3,S,S) in [-1,1] (uses the global torch RNG,
seeded by train.py). The teacher target of an augmented crop stays that of the original crop.

Why: HerPN networks are polynomials of very high degree (each of 11 quadratic layers squares its input), so
inputs outside the training distribution can blow activations up doubly exponentially. The first CFNet4
trained with flips only did exactly that on held-out video frames with a saturated blue background. These
augmentations widen the colour/background/occlusion distribution the network sees; together with the
activation-range penalty in train.py they keep the network stable on unseen inputs.

  * horizontal flip (p 0.5) - the reference's only augmentation;
  * colour: per-channel gain U(0.6,1.4) and offset U(-0.3,0.3) (p --p-colour), channel permutation (p 0.2),
    greyscale (p 0.1);
  * background: pixels outside a random face ellipse replaced by a random colour with a random linear
    gradient (p --p-background);
  * cut-out: one random rectangle (6..28 px) of a random colour (p --p-cutout);
  * Gaussian noise sigma U(0,0.08) (p 0.3).
"""
import torch


def _rand(*shape):
    return torch.rand(*shape)


def augment(x, p_colour=0.5, p_background=0.3, p_cutout=0.3):
    B, C, H, W = x.shape
    col = lambda p: (_rand(B) < p).view(-1, 1, 1, 1)
    x = torch.where(col(0.5), x.flip(3), x)
    gain = 1 + (_rand(B, C, 1, 1) * 2 - 1) * 0.4
    off = (_rand(B, C, 1, 1) * 2 - 1) * 0.3
    x = torch.where(col(p_colour), x * gain + off, x)
    perm = torch.stack([torch.randperm(C) for _ in range(B)])
    xp = torch.gather(x, 1, perm.view(B, C, 1, 1).expand(B, C, H, W))
    x = torch.where(col(0.2), xp, x)
    grey = x.mean(1, keepdim=True).expand(B, C, H, W)
    x = torch.where(col(0.1), grey, x)
    yy = torch.arange(H, dtype=x.dtype).view(1, 1, H, 1)
    xx = torch.arange(W, dtype=x.dtype).view(1, 1, 1, W)
    # background outside an ellipse around the face centre
    cx = W / 2 + (_rand(B, 1, 1, 1) * 2 - 1) * W * 0.04
    cy = H * 0.53 + (_rand(B, 1, 1, 1) * 2 - 1) * H * 0.04
    rx = W * (0.36 + _rand(B, 1, 1, 1) * 0.1)
    ry = H * (0.45 + _rand(B, 1, 1, 1) * 0.1)
    outside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 > 1
    base = _rand(B, C, 1, 1) * 2 - 1
    grad = (_rand(B, C, 1, 1) * 2 - 1) * 0.5
    ang = _rand(B, 1, 1, 1) * 6.2832
    ramp = (torch.cos(ang) * (xx / W - 0.5) + torch.sin(ang) * (yy / H - 0.5)) * 2
    bg = base + grad * ramp
    x = torch.where(outside & col(p_background), bg.expand(B, C, H, W), x)
    # cut-out rectangle
    h = 6 + (_rand(B, 1, 1, 1) * 22).floor()
    w = 6 + (_rand(B, 1, 1, 1) * 22).floor()
    y0 = (_rand(B, 1, 1, 1) * (H - h + 1)).floor()
    x0 = (_rand(B, 1, 1, 1) * (W - w + 1)).floor()
    box = (yy >= y0) & (yy < y0 + h) & (xx >= x0) & (xx < x0 + w)
    fill = (_rand(B, C, 1, 1) * 2 - 1).expand(B, C, H, W)
    x = torch.where(box & col(p_cutout), fill, x)
    noise = torch.randn(B, C, H, W) * (_rand(B, 1, 1, 1) * 0.08)
    x = torch.where(col(0.3), x + noise, x)
    return x.clamp(-1, 1)
