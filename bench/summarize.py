#!/usr/bin/python3
"""Medians per (model, dtype, case, impl) and medians of per-repetition ratios ours / PyTorch, as a Markdown table."""
import json
import os
import statistics
import sys
from collections import defaultdict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
loss = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
by = defaultdict(list)
for r in rows:
    if "tokens_per_s" in r:
        by[(r["model"], r["dtype"], r["case"], r["impl"])].append(r)

def med(xs):
    return statistics.median(xs) if xs else float("nan")

def ratio_median(key_ours, key_ref, field):
    a, b = by[key_ours], by[key_ref]
    return med([x[field] / y[field] for x, y in zip(a, b)])

order = ["full", "lora", "muscle-exact", "muscle-cache", "mc", "gen-cache", "gen-nocache"]
MODELS = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "models.json")))


def train_flops_per_token(model, case):
    """FLOPs of one trained token, counted as the PaLM paper's model FLOPs utilisation does (Chowdhery et al. 2022,
    appendix B): 6N + 12·L·h·T for full training, where N counts every matrix multiplied per token (the LM head too,
    tied or not) and 12·L·h·T the attention scores and values forward and backward. A LoRA step on a frozen base skips
    the weight gradients (2N), and r = 8 on q, v adds under 1 %: 4N + 12·L·h·T."""
    m = MODELS[model]
    c = m["config"]
    h, i, l, v = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
    kv = h // c["num_attention_heads"] * c["num_key_value_heads"]
    n = l * (2 * h * h + 2 * h * kv + 3 * h * i) + h * v
    return (6 if case == "full" else 4) * n + 12 * l * h * m["seq"]
print("| model | dtype | case | runs | ours tok/s | PyTorch tok/s | ratio tok/s | ratio by CPU time | ours step ms | PyTorch step ms | ours peak MiB | PyTorch peak MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for model in sorted({k[0] for k in by}):
    for dtype in ("fp32", "bf16"):
        for case in order:
            o, p = (model, dtype, case, "muscle"), (model, dtype, case, "pytorch")
            if not by[o]:
                continue
            if not by[p]:  # ours only (the MUSCLE step has no PyTorch counterpart yet)
                f = lambda k, fld: med([x[fld] for x in by[k]])
                print(f"| {model} | {dtype} | {case} | {len(by[o])} | {f(o,'tokens_per_s'):,.0f} | – | – | – | "
                      f"{f(o,'step_ms'):,.1f} | – | {f(o,'peak_rss_mib'):,.0f} | – |")
                continue
            f = lambda k, fld: med([x[fld] for x in by[k]])
            print(f"| {model} | {dtype} | {case} | {min(len(by[o]), len(by[p]))} | {f(o,'tokens_per_s'):,.0f} | "
                  f"{f(p,'tokens_per_s'):,.0f} | **{ratio_median(o, p, 'tokens_per_s'):.2f}×** | {1 / ratio_median(o, p, 'cpu_ms'):.2f}× | {f(o,'step_ms'):,.1f} | "
                  f"{f(p,'step_ms'):,.1f} | {f(o,'peak_rss_mib'):,.0f} | {f(p,'peak_rss_mib'):,.0f} |")

GEMM_FLOP = 2 * 2048 ** 3
if any(r.get("case") == "gemm" for r in rows):
    print()
    print("Share of the practical peak, by CPU time (so it holds whatever share of the cores the process got): model")
    print("GFLOP per CPU-second of the training cases (summarize.py, train_flops_per_token) against the GFLOP per")
    print("CPU-second of a 2048² product (the `gemm` case: same implementation, dtype and run; medians):")
    print()
    print("| model | dtype | case | GFLOP per token | ours GFLOP/CPU-s | ours peak | ours share | PyTorch GFLOP/CPU-s | PyTorch peak | PyTorch share |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    peak = lambda impl, dt: med([GEMM_FLOP / (r["cpu_ms"] / 1000) for r in rows if r.get("case") == "gemm" and r["impl"] == impl and r["dtype"] == dt])
    for model in sorted({k[0] for k in by}):
        for dtype in ("fp32", "bf16"):
            for case in ("full", "lora"):
                o, p = (model, dtype, case, "muscle"), (model, dtype, case, "pytorch")
                if not by[o] or model not in MODELS:
                    continue
                fpt = train_flops_per_token(model, case)
                step_flop = fpt * MODELS[model]["batch"] * MODELS[model]["seq"]
                cells = []
                for k, impl in ((o, "muscle"), (p, "pytorch")):
                    rate = med([step_flop / (x["cpu_ms"] / 1000) for x in by[k]]) if by[k] else float("nan")
                    cells += [f"{rate / 1e9:,.1f}", f"{peak(impl, dtype) / 1e9:,.1f}", f"{100 * rate / peak(impl, dtype):.0f} %"]
                print(f"| {model} | {dtype} | {case} | {fpt / 1e9:.4f} | " + " | ".join(cells) + " |")

print()
print("Targets:")
for model in sorted({k[0] for k in by}):
    for dtype in ("fp32", "bf16"):
        lo, lp = (model, dtype, "lora", "muscle"), (model, "fp32", "lora", "pytorch")
        mo, mp = (model, dtype, "mc", "muscle"), (model, "fp32", "mc", "pytorch")
        gc, gn = (model, dtype, "gen-cache", "muscle"), (model, dtype, "gen-nocache", "muscle")
        if by[lo] and by[lp]:
            print(f"- {model} {dtype}: LoRA tok/s vs PyTorch fp32 = {ratio_median(lo, lp, 'tokens_per_s'):.2f}× wall, "
                  f"{1 / ratio_median(lo, lp, 'cpu_ms'):.2f}× CPU time (target ≥ 1.3×); "
                  f"MC vs PyTorch fp32 = {ratio_median(mo, mp, 'tokens_per_s'):.2f}× wall, {1 / ratio_median(mo, mp, 'cpu_ms'):.2f}× CPU (≥ 1.5×); "
                  f"gen KV cache / no cache = {ratio_median(gc, gn, 'tokens_per_s'):.1f}× (≥ 5×)")
for model in sorted({k[0] for k in by}):
    for dtype in ("fp32", "bf16"):
        lo = (model, dtype, "lora", "muscle")
        for case, teachers, target in (("muscle-exact", "exact teachers", "state it"), ("muscle-cache", "teacher cache", "≤ 1.15×")):
            mu = (model, dtype, case, "muscle")
            if by[mu] and by[lo]:
                print(f"- {model} {dtype}: MUSCLE step ({teachers}) / LoRA step = {ratio_median(mu, lo, 'step_ms'):.2f}× time "
                      f"({1 / ratio_median(lo, mu, 'cpu_ms'):.2f}× CPU; target {target}), {ratio_median(mu, lo, 'peak_rss_mib'):.2f}× peak RSS (≤ 1.3×)")
if loss:
    print(f"- fp32 LoRA loss curve, 20 steps from identical weights: |Δ| at step 20 = {loss['final_abs_diff']:.2e}, "
          f"max over steps = {loss['max_abs_diff']:.2e} (target ≤ 1e-4: {'pass' if loss['pass'] else 'FAIL'})")
