"""One-off generator of PEFT-layout adapter fixtures and their expected logits (run with /usr/bin/python3, torch 1.13).

Independent of our C# code: the adapter directory is written by hand to PEFT's published layout
(adapter_config.json as PEFT 0.13 writes it; adapter_model.safetensors with keys
base_model.model.<module>.lora_A.weight / lora_B.weight), and the expected logits come from the reference forward
passes of ../../Models/Golden/make_golden.py with W' = W + (alpha/r)·B·A (Conv1D: W' = W + (alpha/r)·(B·A)^T).
"""
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "Models", "Golden")
sys.path.insert(0, GOLDEN)
import make_golden as mg  # noqa: E402

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        raw = bytearray(data[8 + n + b: 8 + n + e])
        out[k] = torch.frombuffer(raw, dtype=DTYPES[v["dtype"]]).reshape(v["shape"]).clone()
    return out


def peft_config(r, alpha, targets, fan_in_fan_out, base):
    return {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": base, "bias": "none",
        "fan_in_fan_out": fan_in_fan_out, "inference_mode": True, "init_lora_weights": True,
        "layer_replication": None, "layers_pattern": None, "layers_to_transform": None, "loftq_config": {},
        "lora_alpha": alpha, "lora_dropout": 0.05, "megatron_config": None, "megatron_core": "megatron.core",
        "modules_to_save": None, "peft_type": "LORA", "r": r, "rank_pattern": {}, "revision": None,
        "target_modules": targets, "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": False,
    }


CASES = {
    # name: (golden case, family, targets, r, alpha, conv1d)
    "llama_qv": ("llama_gqa_untied", "llama", ["q_proj", "v_proj"], 4, 8, False),
    "gpt2_attn": ("gpt2", "gpt2", ["c_attn", "c_fc"], 2, 6, True),
}


def main():
    torch.manual_seed(7)
    for name, (golden, family, targets, r, alpha, conv1d) in sorted(CASES.items()):
        base = os.path.join(GOLDEN, golden)
        config = json.load(open(os.path.join(base, "config.json")))
        weights = read_safetensors(os.path.join(base, "model.safetensors"))
        ids = read_safetensors(os.path.join(base, "golden.safetensors"))["input_ids"]
        _, forward = mg.FAMILIES[family]
        adapter = {}
        merged = dict(weights)
        for key in sorted(weights):
            module = key[: -len(".weight")] if key.endswith(".weight") else None
            if module is None or module.split(".")[-1] not in targets:
                continue
            w = weights[key]
            out_f, in_f = (w.shape[1], w.shape[0]) if conv1d else (w.shape[0], w.shape[1])
            a = torch.randn(r, in_f) * 0.3
            b = torch.randn(out_f, r) * 0.3
            adapter[f"base_model.model.{module}.lora_A.weight"] = a
            adapter[f"base_model.model.{module}.lora_B.weight"] = b
            delta = (alpha / r) * (b @ a)
            merged[key] = w + (delta.t() if conv1d else delta)
        with torch.no_grad():
            logits = forward(config, merged, ids).float()
        out = os.path.join(HERE, name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "adapter_config.json"), "w") as f:
            json.dump(peft_config(r, alpha, targets, conv1d, golden), f, indent=2, sort_keys=True)
        mg.write_safetensors(os.path.join(out, "adapter_model.safetensors"), adapter)
        mg.write_safetensors(os.path.join(out, "expected.safetensors"), {"input_ids": ids, "logits": logits})
        print(f"{name}: {len(adapter)} tensors, base {golden}")


if __name__ == "__main__":
    main()
