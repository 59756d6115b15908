#!/usr/bin/env python3
"""Mean ± sample std over seeds of `muscle update --json` lines and `muscle ablate` results.json files, as markdown.
Usage: scripts/seeds-summary.py RUN_DIR   (RUN_DIR/seed-*/update.json and RUN_DIR/seed-*/ablate/results.json,
as scripts/sst2-experiment.sh writes them). Standard library only."""
import glob, json, statistics, sys

def ms(xs, scale=100.0):
    xs = [x * scale for x in xs if x is not None]
    if not xs: return "n/a"
    return f"{statistics.mean(xs):.2f} ± {statistics.stdev(xs) if len(xs) > 1 else 0.0:.2f}"

run = sys.argv[1]
done = [p for p in sorted(glob.glob(f"{run}/seed-*/update.json")) if open(p).read().strip()]  # a seed still running has an empty file
updates = [json.loads(open(p).read().strip().splitlines()[-1]) for p in done]
print(f"{len(updates)} seeds: {', '.join(p.split('/')[-2] for p in done)}\n")
print("| v1 acc | v2 acc | MUSCLE acc | NFR | NFR_c (MUSCLE) | Δ%NFR_c |\n|---|---|---|---|---|---|")
g = lambda k: [u.get(k) for u in updates]
print(f"| {ms(g('acc_old'))} | {ms(g('acc_new'))} | {ms(g('acc_compat'))} | {ms(g('nfr'))} | {ms(g('nfr_c'))} | {ms(g('delta_pct_nfr_c'), 1)} |\n")
arms = {}
for p in sorted(glob.glob(f"{run}/seed-*/ablate/results.json")):
    for a in json.load(open(p))["arms"]:
        arms.setdefault(a["arm"], []).append(a)
print("| strategy | ΔNFR_c | Δ%NFR_c | ΔPFR_c | Δacc_c | NFR_c | acc_c | seeds |\n|---|---|---|---|---|---|---|---|")
for arm, rows in arms.items():
    c = lambda k: [r["compare"].get(k) for r in rows]
    print(f"| {arm} | {ms([r['delta_nfr_c'] for r in rows])} | {ms([r['delta_pct_nfr_c'] for r in rows], 1)} | "
          f"{ms([r['delta_pfr_c'] for r in rows])} | {ms([r['delta_acc_c'] for r in rows])} | {ms(c('nfr_c'))} | {ms(c('acc_compat'))} | {len(rows)} |")
print("\npoints (Δ%NFR_c in %), mean ± sample std over seeds, each against its own seed's v2 task adapter")
