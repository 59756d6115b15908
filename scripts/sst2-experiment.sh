#!/usr/bin/env bash
# The real-data run (docs/RESULTS.md): SST-2 from ../shared/data/sst2 with tiny bases.
#   v1 = stories260K (llama2.c, converted) continued on the first 30 % of an SST-2 text corpus,
#   v2 = v1 continued on all of it (a faithful update: same tokenizer, more text);
#   per adapter seed: v1's task adapter, then `muscle update` (v2 adapter with v1's recipe + MUSCLE) and
#   `muscle ablate` (the strategies side by side, from the same v2 adapter).
# The corpus is the GLUE train sentences (ALPS re-split, 60,614), one document each; 30 % carry the task prompt
# and a label (10 % flipped), as in the demo world (tiny bases need the label words).
# Task data: 2,000 items of the ALPS dev split for training, GLUE dev (872) for the test. No sentence of the
# task files is in the corpus (different GLUE splits).
# Usage: scripts/sst2-experiment.sh [OUT] [SEEDS...]   (defaults: runs/sst2, seeds 1 2 3 4 5)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${SST2_DATA:-$root/../shared/data}
out=$(realpath -m "${1:-$root/runs/sst2}"); shift || true
seeds=("${@:-1 2 3 4 5}"); [ $# -eq 0 ] && seeds=(1 2 3 4 5)
strategies=${STRATEGIES:-vanilla,muscle,focal-kl,muscle-choice,focal-choice}
steps=${PRETRAIN_STEPS:-1200}
muscle() { "$root/muscle" --threads "${THREADS:-2}" "$@"; }
mkdir -p "$out/data"

[ -d "$out/stories260K" ] || muscle convert llama2c --checkpoint "$data/models/stories260K/stories260K.bin" \
  --tokenizer "$data/models/stories260K/tok512.model" --out "$out/stories260K"

if [ ! -f "$out/data/corpus.txt" ]; then
  awk -F'\t' 'BEGIN { srand(1) }
    NR > 1 { s = $1; sub(/ +$/, "", s); if (s == "") next
             if (rand() < 0.30) { y = $2; if (rand() < 0.10) y = 1 - y
               printf "%s\nQuestion: Is this sentence positive or negative?\nAnswer: %s\n\n", s, (y == 1 ? "positive" : "negative") }
             else printf "%s\n\n", s }' "$data/sst2/alps_train_split.tsv" > "$out/data/corpus.tmp"
  docs=$(awk 'BEGIN { RS = "" } END { print NR }' "$out/data/corpus.tmp")
  awk -v n=$((docs * 30 / 100)) 'BEGIN { RS = ""; ORS = "\n\n" } NR <= n' "$out/data/corpus.tmp" > "$out/data/corpus_v1.txt"
  mv "$out/data/corpus.tmp" "$out/data/corpus.txt"
  head -n 2001 "$data/sst2/alps_dev_split.tsv" > "$out/data/train.tsv"
  cp "$data/sst2/glue_dev.tsv" "$out/data/test.tsv"
fi

pre=(--steps "$steps" --batch-size 16 --seq-len 128 --lr 2e-3 --warmup 50 --save-steps 200)
[ -f "$out/v1/pretrain_state.json" ] && grep -q '"complete": true' "$out/v1/pretrain_state.json" || \
  muscle pretrain --corpus "$out/data/corpus_v1.txt" --init-from "$out/stories260K" --out "$out/v1" "${pre[@]}" \
    $([ -d "$out/v1/checkpoints/last" ] && echo --resume)
[ -f "$out/v2/pretrain_state.json" ] && grep -q '"complete": true' "$out/v2/pretrain_state.json" || \
  muscle pretrain --corpus "$out/data/corpus.txt" --init-from "$out/v1" --out "$out/v2" "${pre[@]}" \
    $([ -d "$out/v2/checkpoints/last" ] && echo --resume)

recipe=(--rank 8 --alpha 16 --lr 2e-3 --epochs 3 --batch-size 16 --grad-accum 1 --max-seq-len 128 --warmup 10
        --loss-on answer --save-steps 100)
for seed in "${seeds[@]}"; do
  s="$out/seed-$seed"
  [ -f "$s/v1-adapter/adapter_config.json" ] || muscle train-adapter --model "$out/v1" --task sst2 \
    --train "$out/data/train.tsv" --out "$s/v1-adapter" --seed "$seed" "${recipe[@]}"
  muscle update --old-model "$out/v1" --old-adapter "$s/v1-adapter" --new-model "$out/v2" --task sst2 \
    --train "$out/data/train.tsv" --test "$out/data/test.tsv" --out "$s/update" --seed "$seed" "${recipe[@]}" \
    --json | tail -n 1 > "$s/update.json"
  muscle ablate --old-model "$out/v1" --old-adapter "$s/v1-adapter" --new-model "$out/v2" \
    --new-adapter "$s/update/new-task-adapter" --task sst2 --train "$out/data/train.tsv" --test "$out/data/test.tsv" \
    --out "$s/ablate" --strategies "$strategies" --seed "$seed" "${recipe[@]}"
done
echo "results: $out/seed-*/ablate/results.json and $out/seed-*/update.json"
