#!/usr/bin/env bash
# Where the fp32 LoRA training step spends its time, ours beside the PyTorch 1.13 reference: perf samples both
# processes' CPU time (all threads, kernel included) during the timed steps only (Muscle.Bench's PerfWindow and
# reference.py's perf_window switch perf on after the warm-up), then bench/profile_summary.py sorts the samples into
# GEMM, attention, loss, element-wise, reductions, copies, memory (page faults, malloc), threading and runtime.
#   bench/profile.sh                         # llama-20m, fp32, 10 timed steps
#   MODEL=llama-3.4m STEPS=20 bench/profile.sh
#   ISA=avx2 bench/profile.sh                # both sides capped at AVX2 (an AVX2-only machine's kernels, on this one)
#   HEAP=keep bench/profile.sh               # ours with HeapExperiment's malloc settings (freed memory kept)
# Results: runs/profile-<timestamp>/{env.txt,ours.jsonl,ref.jsonl,ours.data,ref.data,profile.md}.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-llama-20m}
STEPS=${STEPS:-10}
HEAP=${HEAP:-glibc}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
PY=${PY:-/usr/bin/python3}
OUT=${OUT:-runs/profile-$(date -u +%Y%m%dT%H%M%SZ)}
source bench/machine.sh
isa_cap "${ISA:-}"
command -v perf >/dev/null || { echo "error: bench/profile.sh needs perf: apt-get install linux-perf" >&2; exit 2; }
$PY -c 'import torch, numpy' 2>/dev/null ||
    { echo "error: bench/profile.sh needs PyTorch for $PY: apt-get install python3-torch libopenblas0-openmp" >&2; exit 2; }

mkdir -p "$OUT"
machine_facts > "$OUT/env.txt"
echo "ours: --heap $HEAP" >> "$OUT/env.txt"
dotnet build bench/Muscle.Bench -c Release -v q -nologo >/dev/null
BENCH=bench/Muscle.Bench/bin/Release/net10.0/linux-x64/Muscle.Bench

profile() { # name command...
    local name=$1; shift
    local ctl="$OUT/.$name.ctl" ack="$OUT/.$name.ack"
    rm -f "$ctl" "$ack"; mkfifo "$ctl" "$ack"
    echo "$name: $(cut -d' ' -f1-3 /proc/loadavg) (load before)" >> "$OUT/env.txt"
    # -F 999 per thread: each sample stands for ~1 ms of one thread's CPU time. .NET writes /tmp/perf-PID.map
    # (DOTNET_PerfMapEnabled) so JIT-compiled frames get names.
    MUSCLE_PERF_CTL=$ctl MUSCLE_PERF_ACK=$ack DOTNET_PerfMapEnabled=1 \
        perf record -q -F 999 --control "fifo:$ctl,$ack" --delay=-1 -o "$OUT/$name.data" -- "$@" > "$OUT/$name.jsonl"
    rm -f "$ctl" "$ack"
    perf report -i "$OUT/$name.data" --no-children --sort dso,sym --stdio -F period,dso,sym 2>/dev/null > "$OUT/$name.report.txt"
}
profile ours "$BENCH" run --model "$MODEL" --dtype fp32 --cases lora --train-steps "$STEPS" --heap "$HEAP"
profile ref "$PY" bench/pytorch/reference.py run --model "$MODEL" --dtype fp32 --cases lora --train-steps "$STEPS"
$PY bench/profile_summary.py "$OUT" | tee "$OUT/profile.md"
