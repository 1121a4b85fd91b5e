"""Check that train_invariant.py --grad-ckpt (per-patch gradient checkpointing) gives the same gradients and the
same running statistics as the plain forward/backward, on a random CFNet4 with the range and eval-mode
stability penalties active. Exits non-zero on a mismatch.

    /usr/bin/python3 tools/train/check_grad_ckpt.py
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfnet import CryptoFaceNet, HerPN2d, to_patches
from train_invariant import backward, forward_checkpointed
torch.manual_seed(0)
torch.set_num_threads(2)
m1 = CryptoFaceNet("CFNet4"); m2 = CryptoFaceNet("CFNet4"); m2.load_state_dict(m1.state_dict())
for m in (m1, m2):
    for h in m.modules():
        if isinstance(h, HerPN2d): h.range_bound = 5.0
x = torch.randn(16, 3, 64, 64) * 1.5; xs = torch.randn(6, 3, 64, 64) * 3
def step(m, ck):
    m.train()
    hs = [h for h in m.modules() if isinstance(h, HerPN2d)]
    if ck:
        y, feats, pen = forward_checkpointed(m, x)
    else:
        y, feats = m(x); pen = sum(h.penalty for h in hs)
    loss = y.pow(2).mean() + pen + sum(f.pow(2).mean() for f in feats)
    m.eval(); [n(p) for n, p in zip(m.nets, to_patches(xs, m.grid))]; m.train()
    loss = loss + sum(h.penalty for h in hs)
    bns = [b for b in m.modules() if isinstance(b, nn.modules.batchnorm._BatchNorm)]
    backward(loss, bns, ck)
    return loss
l1 = step(m1, False); l2 = step(m2, True)
print("loss", float(l1), float(l2), "penalty-grad check", float(m1.nets[0].blocks[0].herpn1.weight.grad.abs().max()))
gd = max(float((p1.grad - p2.grad).abs().max() / (p1.grad.abs().max() + 1e-12)) for p1, p2 in zip(m1.parameters(), m2.parameters()) if p1.grad is not None)
nog = [n for (n, p1), p2 in zip(m1.named_parameters(), m2.parameters()) if (p1.grad is None) != (p2.grad is None)]
bd = max(float((b1.double() - b2.double()).abs().max()) for b1, b2 in zip(m1.buffers(), m2.buffers()))
print("max rel grad diff", gd, "max buffer diff", bd, "grad presence mismatch", nog)
assert gd < 1e-4 and bd == 0.0 and not nog
