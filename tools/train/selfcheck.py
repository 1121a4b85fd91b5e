"""Self-checks of the training code (run: /usr/bin/python3 tools/train/selfcheck.py):
1. the fast moment-based HerPN equals the literal three-BatchNorm training form (outputs, gradients and
   running statistics, float64) in train and eval mode;
2. the parameter counts equal the reference (CFNet4 945,220 / CFNet9 2,126,425 / CFNet16 3,780,112).
"""
import copy

import torch

from cfnet import CryptoFaceNet, HerPN2d

torch.manual_seed(0)
h = HerPN2d(5).double()
with torch.no_grad():
    h.weight.uniform_(0.5, 1.5)
    h.bias.uniform_(-0.5, 0.5)
r = copy.deepcopy(h)
for step in range(3):
    x = (torch.randn(7, 5, 6, 6, dtype=torch.float64) * 1.3 + 0.2).requires_grad_()
    xr = x.detach().clone().requires_grad_()
    y, yr = h(x), r.forward_reference(xr)
    w = torch.randn_like(y)
    (y * w).sum().backward()
    (yr * w).sum().backward()
    assert torch.allclose(y, yr, atol=1e-12), (y - yr).abs().max()
    assert torch.allclose(x.grad, xr.grad, atol=1e-10), (x.grad - xr.grad).abs().max()
    assert torch.allclose(h.weight.grad, r.weight.grad, atol=1e-10)
for a, b in zip(h.buffers(), r.buffers()):
    assert torch.allclose(a.double(), b.double(), atol=1e-12), (a, b)
h.eval()
r.eval()
x = torch.randn(4, 5, 3, 3, dtype=torch.float64)
assert torch.allclose(h(x), r.forward_reference(x), atol=1e-12)
print("fast HerPN == three-BN HerPN (train outputs, gradients, running stats, eval): ok")
want = {"CFNet4": 945220, "CFNet9": 2126425, "CFNet16": 3780112}
for v, n in want.items():
    got = sum(p.numel() for p in CryptoFaceNet(v).parameters())
    assert got == n, (v, got, n)
print("parameter counts match the reference:", want)
