#!/usr/bin/env bash
# One prepared check for a machine with an NVIDIA GPU (README, "GPU"):
#   1. a CUDA build: the self-contained publish given with --publish DIR (Muscle.Bench published with
#      -p:TorchBackend=cuda), or, where dotnet is present, one built here with -p:TorchBackend=cuda;
#   2. the device parity checks: CPU vs the GPU in fp32 within 1e-4 (the xunit tests tests/Muscle.Tests/Devices when
#      dotnet is present; Muscle.Bench parity from a publish otherwise);
#   3. times of one LoRA step and one MUSCLE step (exact teachers) on a 1B-class Llama (bench/models.json
#      "llama-1b": TinyLlama-1.1B's shape, random weights), bf16, batch 8 x 512;
#   4. where python3 has torch + transformers + peft, the same LoRA step there, and the ratio.
# Prints a short table at the end.
#
#   scripts/gpu-check.sh                      # build with CUDA (needs dotnet), run everything on cuda:0
#   scripts/gpu-check.sh --publish DIR        # use a publish made elsewhere:
#       dotnet publish bench/Muscle.Bench -c Release -r linux-x64 --self-contained -p:TorchBackend=cuda -o DIR
#   scripts/gpu-check.sh --cpu-smoke          # the same path on the CPU with a tiny model (llama-3.4m, fp32):
#                                             # what CI and a machine without a GPU can run
set -euo pipefail
cd "$(dirname "$0")/.."

SMOKE=0; PUBLISH=""; DEVICE=cuda:0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cpu-smoke) SMOKE=1; shift ;;
        --publish) PUBLISH="$2"; shift 2 ;;
        --device) DEVICE="$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "error: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
if (( SMOKE )); then BACKEND=cpu; DEVICE=cpu; MODEL=llama-3.4m; DTYPE=fp32; THREADS=${THREADS:-2}
else BACKEND=cuda; MODEL=${MODEL:-llama-1b}; DTYPE=${DTYPE:-bf16}; THREADS=${THREADS:-8}; fi
OUT=${OUT:-runs/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"

if (( ! SMOKE )) && ! command -v nvidia-smi >/dev/null; then
    echo "error: no nvidia-smi: this needs a machine with an NVIDIA GPU and driver (run --cpu-smoke elsewhere)" >&2; exit 2
fi
{ date -u; uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo || true
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true; } > "$OUT/env.txt"

# 1. The build.
if [[ -n "$PUBLISH" ]]; then
    BENCH="$PUBLISH/Muscle.Bench"
    [[ -x "$BENCH" ]] || { echo "error: $BENCH is missing (publish Muscle.Bench there; see --help)" >&2; exit 2; }
elif command -v dotnet >/dev/null; then
    echo "building Muscle.Bench and the tests with -p:TorchBackend=$BACKEND ..."
    dotnet build bench/Muscle.Bench -c Release -p:TorchBackend=$BACKEND -nologo -v q > "$OUT/build.log" 2>&1 \
        || { tail -20 "$OUT/build.log" >&2; echo "error: the build failed (log: $OUT/build.log)" >&2; exit 1; }
    BENCH=bench/Muscle.Bench/bin/Release/net10.0/linux-x64/Muscle.Bench
else
    echo "error: no dotnet here and no --publish DIR: install the .NET 10 SDK or publish elsewhere (see --help)" >&2; exit 2
fi

# 2. Parity (a miss fails the script at the end, after the timings).
FAILED=0; PARITY=""
if [[ -z "$PUBLISH" ]]; then
    if dotnet test tests/Muscle.Tests -c Release -p:TorchBackend=$BACKEND --filter "FullyQualifiedName~Muscle.Tests.Devices" \
        --logger "console;verbosity=normal" > "$OUT/parity-tests.log" 2>&1; then
        if grep -q "Skipped Muscle.Tests.Devices.DeviceParity" "$OUT/parity-tests.log"; then PARITY="tests skipped (CPU only)"
        else PARITY="tests passed"; fi
    else PARITY="tests FAILED ($OUT/parity-tests.log)"; FAILED=1; fi
    echo "parity tests: $PARITY"
fi
if "$BENCH" parity --device "$DEVICE" | tee "$OUT/parity.txt"; then PARITY="${PARITY:+$PARITY, }bench parity ok"
else PARITY="${PARITY:+$PARITY, }bench parity MISSED"; FAILED=1; fi

# 3. Our steps.
echo "timing lora and muscle-exact on $MODEL ($DTYPE, $DEVICE) ..."
"$BENCH" run --model "$MODEL" --dtype "$DTYPE" --device "$DEVICE" --threads "$THREADS" --cases lora,muscle-exact \
    | tee "$OUT/muscle.jsonl"

# 4. The reference, where there is one.
HF=""
if command -v python3 >/dev/null && python3 -c 'import torch, transformers, peft' 2>/dev/null; then
    case "$DEVICE" in cpu) HF_DEVICE=cpu ;; cuda|auto) HF_DEVICE=cuda:0 ;; *) HF_DEVICE=$DEVICE ;; esac
    python3 scripts/hf_lora_step.py --model "$MODEL" --dtype "$DTYPE" --device "$HF_DEVICE" | tee "$OUT/hf.jsonl"
    HF="$OUT/hf.jsonl"
else
    echo "note: python3 with torch + transformers + peft not found: no reference ratio (pip install torch transformers peft)"
fi

python3 - "$OUT/muscle.jsonl" "${HF:-}" "$PARITY" "$MODEL" "$DTYPE" "$DEVICE" <<'PY' | tee "$OUT/table.md"
import json, sys
ours = {r["case"]: r for r in map(json.loads, filter(None, open(sys.argv[1]).read().splitlines()))}
hf = json.loads(open(sys.argv[2]).read().splitlines()[-1]) if sys.argv[2] else None
print(f"\nmodel {sys.argv[4]}, {sys.argv[5]}, {sys.argv[6]}; device parity: {sys.argv[3]}\n")
print("| step | muscle tok/s | muscle ms/step | transformers+peft tok/s | ratio (muscle / hf) |")
print("|---|---:|---:|---:|---:|")
for case in ("lora", "muscle-exact"):
    r = ours.get(case)
    if r is None: continue
    ref = hf if (hf and case == "lora") else None
    ratio = f"{r['tokens_per_s'] / ref['tokens_per_s']:.2f}" if ref else "n/a"
    print(f"| {case} | {r['tokens_per_s']:.0f} | {r['step_ms']:.1f} | {ref['tokens_per_s']:.0f} |  {ratio} |" if ref
          else f"| {case} | {r['tokens_per_s']:.0f} | {r['step_ms']:.1f} | n/a | n/a |")
PY
echo "results in $OUT"
exit $FAILED
