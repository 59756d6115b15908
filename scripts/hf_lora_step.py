#!/usr/bin/env python3
"""The LoRA step of bench/Muscle.Bench (case "lora") in transformers + PEFT, for scripts/gpu-check.sh's ratio.

Same config (bench/models.json), same ids (bench/Muscle.Bench/BenchModel.cs, BenchData.TrainIds), same LoRA
(r = 8, alpha = 16, q_proj + v_proj, no dropout), AdamW lr 1e-4 on the adapter, 2 warm-up steps, then the timed
steps, each ended by a device sync. Prints one JSON line with the fields of Muscle.Bench run.

  hf_lora_step.py --model llama-1b --dtype bf16 --device cuda
"""
import argparse
import json
import os
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))


def train_ids(batch, seq, vocab):
    return [[1 + (b * 131 + t * t * 7 + t * 31 + 17) % (vocab - 1) for t in range(seq)] for b in range(batch)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="llama-1b")
    ap.add_argument("--dtype", default="bf16", choices=["fp32", "bf16"])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--models", default=os.path.join(HERE, "..", "bench", "models.json"))
    a = ap.parse_args()
    bm = json.load(open(a.models))[a.model]
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    device = torch.device(a.device)
    cfg = dict(bm["config"])
    for k in ("architectures", "model_type"):
        cfg.pop(k, None)
    torch.manual_seed(42)
    model = LlamaForCausalLM(LlamaConfig(**cfg)).to(device=device, dtype=dtype)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]))
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.0)
    ids = torch.tensor(train_ids(bm["batch"], bm["seq"], cfg["vocab_size"]), device=device)
    seconds = []
    loss = None
    for i in range(2 + bm["train_steps"]):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if i >= 2:
            seconds.append(time.perf_counter() - t0)
    tokens = bm["batch"] * bm["seq"]
    median = sorted(seconds)[len(seconds) // 2]
    print(json.dumps({"impl": "hf-peft", "model": a.model, "dtype": a.dtype, "device": str(device), "case": "lora",
                      "tokens_per_s": round(tokens * len(seconds) / sum(seconds), 1), "step_ms": round(median * 1000, 3),
                      "iters": len(seconds), "check": float(loss.detach().float().cpu())}))


if __name__ == "__main__":
    main()
