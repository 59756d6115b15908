"""Golden values for OptimizerTests.AdamWMatchesPyTorch (run with /usr/bin/python3, torch 1.13)."""
import torch

p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0]))
opt = torch.optim.AdamW([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
for g in ([0.5, -1.0, 2.0], [0.1, 0.2, -0.3], [-1.0, 0.0, 1.0]):
    p.grad = torch.tensor(g)
    opt.step()
print(", ".join(f"{v:.9g}f" for v in p.detach().tolist()))
