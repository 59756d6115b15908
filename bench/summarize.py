#!/usr/bin/python3
"""Medians per (model, dtype, case, impl) and medians of per-repetition ratios ours / PyTorch, as a Markdown table."""
import json
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
