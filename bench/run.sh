#!/usr/bin/env bash
# Reproduces the table of docs/PERFORMANCE.md: builds Muscle.Bench (Release), runs it and the PyTorch 1.13
# reference alternately (the first implementation swaps every repetition), then prints medians and median ratios.
#   bench/run.sh                 # REPS=5 for llama-3.4m, REPS_20M=3 for llama-20m
#   REPS=1 REPS_20M=1 bench/run.sh   # a quick smoke run
#   ISA=avx2 DTYPES=fp32 bench/run.sh   # an AVX2-only machine's kernels on an AVX-512 one (bench/machine.sh, isa_cap)
# Results: runs/bench-<timestamp>/{results.jsonl,table.md,loss-check.json}.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-5}
REPS_20M=${REPS_20M:-3}
DTYPES=${DTYPES:-fp32 bf16}
source bench/machine.sh
isa_cap "${ISA:-}"
# The machine is shared: with OpenMP's default active spin-wait, 2 spinning threads on 2 oversubscribed cores lose
# up to 10x at random. Passive waiting (for both implementations) keeps the comparison stable; override to measure
# the default: OMP_WAIT_POLICY=ACTIVE bench/run.sh.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
PY=${PY:-/usr/bin/python3}
OUT=${OUT:-runs/bench-$(date -u +%Y%m%dT%H%M%SZ)}

# What a fresh machine needs, checked before any work; nothing is installed here (the commands are printed).
# The reference is Debian's PyTorch with OpenBLAS' OpenMP build (docs/PERFORMANCE.md, "Machine and software").
missing=()
command -v dotnet >/dev/null || missing+=("the .NET 10 SDK (dotnet): https://dotnet.microsoft.com/download")
if [[ ! -x $PY ]]; then missing+=("python3 at $PY: apt-get install python3 python3-torch libopenblas0-openmp")
elif ! $PY -c 'import torch, numpy' 2>/dev/null; then
    missing+=("PyTorch for $PY (the reference): apt-get install python3-torch libopenblas0-openmp")
fi
if (( ${#missing[@]} )); then
    for m in "${missing[@]}"; do echo "error: bench/run.sh needs $m" >&2; done
    echo "(run the apt-get commands as root, e.g. with sudo, after apt-get update; then rerun bench/run.sh)" >&2
    exit 2
fi

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
# The machine, first: CPU model, core count, load, and the flags that decide the bf16 kernels (avx512_bf16, amx_bf16).
machine_facts > "$OUT/env.txt"

dotnet build bench/Muscle.Bench -c Release -v q -nologo >/dev/null
BENCH=bench/Muscle.Bench/bin/Release/net10.0/linux-x64/Muscle.Bench

# Which BLAS Debian's torch really loads (without OpenBLAS it is ~30x slower and the comparison is meaningless).
BLAS=$($PY - <<'PY'
import torch
torch.ones(64, 64) @ torch.ones(64, 64)
libs = {l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.lower()}
print(", ".join(sorted(libs)) or "none found")
PY
)
echo "PyTorch $($PY -c 'import torch; print(torch.__version__)') BLAS: $BLAS" | tee -a "$OUT/env.txt"
case "$BLAS" in *openblas*) ;; *)
    echo "error: PyTorch does not load OpenBLAS (without it the reference is ~30x slower and the comparison is meaningless):" \
         "apt-get install libopenblas0-openmp (as root), then rerun" >&2; exit 2 ;; esac

# Loss-curve check: identical initial weights (exported by us), 20 fp32 LoRA steps, |Δloss| at step 20 <= 1e-4.
$BENCH loss-check --dir "$OUT/loss-check" >/dev/null
$PY bench/pytorch/reference.py loss-check --dir "$OUT/loss-check" | tee "$OUT/loss-check.json" | cut -c1-120

# muscle-exact and muscle-cache last: a case's peak RSS includes what earlier cases in the same process freed but the allocator kept.
# gemm: the practical peak FLOP/s (a 2048^2 product) that summarize.py divides the training cases' FLOP/s by.
CASES=full,lora,mc,gen-cache,gen-nocache,muscle-exact,muscle-cache,gemm
run_pair() { # model dtype rep
    local cases=$CASES
    # Greedy decoding of llama-20m without a cache recomputes up to 272 positions per token (~30 s per run):
    # measured in the first repetition only.
    if [[ $1 == llama-20m && $3 -gt 1 ]]; then cases=${CASES/,gen-nocache/}; fi
    echo "$1 $2 rep $3: $(uptime)" >> "$OUT/load.txt"
    local ours=("$BENCH" run --model "$1" --dtype "$2" --cases "$cases")
    local ref=("$PY" bench/pytorch/reference.py run --model "$1" --dtype "$2" --cases "$cases")
    if (( $3 % 2 )); then "${ours[@]}" >> "$RESULTS"; "${ref[@]}" >> "$RESULTS"
    else "${ref[@]}" >> "$RESULTS"; "${ours[@]}" >> "$RESULTS"; fi
    echo "  $1 $2 rep $3 done ($(date -u +%T))"
}
for rep in $(seq 1 "$REPS"); do
    for dtype in $DTYPES; do
        run_pair llama-3.4m "$dtype" "$rep"
        if (( rep <= REPS_20M )); then run_pair llama-20m "$dtype" "$rep"; fi
    done
done

$PY bench/summarize.py "$RESULTS" "$OUT/loss-check.json" | tee "$OUT/table.md"
echo "results in $OUT"
