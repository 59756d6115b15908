#!/usr/bin/python3
"""Golden logits for the C# models, written from the Hugging Face modeling semantics (transformers'
modeling_llama / modeling_qwen2 / modeling_mistral / modeling_phi / modeling_gpt2, eager attention, eval mode).

Run once with Debian's python3 + torch 1.13 (no transformers needed):
    /usr/bin/python3 tests/Muscle.Tests/Models/Golden/make_golden.py
Each case directory gets config.json, model.safetensors (fp32 weights under HF keys) and golden.safetensors
(input_ids int64 [2, T], logits fp32 [2, T, V]). The safetensors writer is the minimal format: 8-byte
little-endian header length, JSON header, raw little-endian tensor bytes.
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
B, T = 2, 8


# ---------------------------------------------------------------- safetensors writer
def write_safetensors(path, tensors):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------- shared pieces (HF semantics)
def rms_norm(x, w, eps):  # LlamaRMSNorm
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(x.dtype)


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def gelu_new(x):  # NewGELUActivation
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def inv_freq(dim, base, scaling):  # ROPE_INIT_FUNCTIONS: default / linear / llama3
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    kind = (scaling or {}).get("rope_type", (scaling or {}).get("type", "default"))
    if kind == "linear":
        inv = inv / scaling["factor"]
    elif kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wl, high_wl = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        inv = torch.where(medium, smoothed, inv_l)
    return inv


def cos_sin(dim, base, scaling, t):
    freqs = torch.arange(t).float()[:, None] @ inv_freq(dim, base, scaling)[None, :]  # [T, dim/2]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


def causal_mask(t, window=None):
    q = torch.arange(t)[:, None]
    k = torch.arange(t)[None, :]
    allowed = k <= q
    if window is not None:
        allowed &= (q - k) < window
    m = torch.zeros(t, t)
    return m.masked_fill(~allowed, torch.finfo(torch.float32).min)


def eager_attention(q, k, v, mask, scale):  # q [B,H,T,D], k/v [B,Hkv,T,D]
    rep = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(rep, dim=1)  # == repeat_kv
    v = v.repeat_interleave(rep, dim=1)
    w = torch.matmul(q, k.transpose(2, 3)) * scale + mask
    w = torch.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
    return torch.matmul(w, v)


def rnd(*shape, scale=0.1):
    return torch.randn(*shape) * scale


# ---------------------------------------------------------------- Llama / Mistral / Qwen2
def llama_weights(c):
    C, I, V, H, KV = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_attention_heads"], c["num_key_value_heads"]
    D = C // H
    qkv_bias = c.get("attention_bias", False) or c["model_type"] == "qwen2"
    o_bias = c.get("attention_bias", False) and c["model_type"] != "qwen2"
    w = {"model.embed_tokens.weight": rnd(V, C, scale=0.5), "model.norm.weight": 1 + rnd(C)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for n, (o, inp) in {"q_proj": (H * D, C), "k_proj": (KV * D, C), "v_proj": (KV * D, C), "o_proj": (C, H * D)}.items():
            w[p + f"self_attn.{n}.weight"] = rnd(o, inp, scale=0.2)
            if (n != "o_proj" and qkv_bias) or (n == "o_proj" and o_bias):
                w[p + f"self_attn.{n}.bias"] = rnd(o)
        w[p + "mlp.gate_proj.weight"] = rnd(I, C, scale=0.2)
        w[p + "mlp.up_proj.weight"] = rnd(I, C, scale=0.2)
        w[p + "mlp.down_proj.weight"] = rnd(C, I, scale=0.2)
        w[p + "input_layernorm.weight"] = 1 + rnd(C)
        w[p + "post_attention_layernorm.weight"] = 1 + rnd(C)
    if not c.get("tie_word_embeddings", False):
        w["lm_head.weight"] = rnd(V, C, scale=0.2)
    return w


def linear(x, w, b=None):
    return torch.nn.functional.linear(x, w, b)


def llama_forward(c, w, ids):
    C, H, KV, eps = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["rms_norm_eps"]
    D = C // H
    b, t = ids.shape
    window = c.get("sliding_window") if c["model_type"] == "mistral" else None
    cos, sin = cos_sin(D, c.get("rope_theta", 10000.0), c.get("rope_scaling"), t)
    mask = causal_mask(t, window)
    h = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = linear(x, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias")).view(b, t, H, D).transpose(1, 2)
        k = linear(x, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias")).view(b, t, KV, D).transpose(1, 2)
        v = linear(x, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias")).view(b, t, KV, D).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        a = eager_attention(q, k, v, mask, D ** -0.5).transpose(1, 2).reshape(b, t, H * D)
        h = h + linear(a, w[p + "self_attn.o_proj.weight"], w.get(p + "self_attn.o_proj.bias"))
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        m = torch.nn.functional.silu(linear(x, w[p + "mlp.gate_proj.weight"])) * linear(x, w[p + "mlp.up_proj.weight"])
        h = h + linear(m, w[p + "mlp.down_proj.weight"])
    h = rms_norm(h, w["model.norm.weight"], eps)
    return linear(h, w.get("lm_head.weight", w["model.embed_tokens.weight"]))


# ---------------------------------------------------------------- Phi
def phi_weights(c):
    C, I, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    w = {"model.embed_tokens.weight": rnd(V, C, scale=0.5),
         "model.final_layernorm.weight": 1 + rnd(C), "model.final_layernorm.bias": rnd(C),
         "lm_head.weight": rnd(V, C, scale=0.2), "lm_head.bias": rnd(V)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for n in ("q_proj", "k_proj", "v_proj", "dense"):
            w[p + f"self_attn.{n}.weight"] = rnd(C, C, scale=0.2)
            w[p + f"self_attn.{n}.bias"] = rnd(C)
        w[p + "mlp.fc1.weight"] = rnd(I, C, scale=0.2)
        w[p + "mlp.fc1.bias"] = rnd(I)
        w[p + "mlp.fc2.weight"] = rnd(C, I, scale=0.2)
        w[p + "mlp.fc2.bias"] = rnd(C)
        w[p + "input_layernorm.weight"] = 1 + rnd(C)
        w[p + "input_layernorm.bias"] = rnd(C)
    return w


def phi_forward(c, w, ids):
    C, H, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
    D = C // H
    R = int(D * c["partial_rotary_factor"])
    b, t = ids.shape
    cos, sin = cos_sin(R, c.get("rope_theta", 10000.0), c.get("rope_scaling"), t)
    mask = causal_mask(t)
    h = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = layer_norm(h, w[p + "input_layernorm.weight"], w[p + "input_layernorm.bias"], eps)
        q = linear(x, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"]).view(b, t, H, D).transpose(1, 2)
        k = linear(x, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"]).view(b, t, H, D).transpose(1, 2)
        v = linear(x, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"]).view(b, t, H, D).transpose(1, 2)
        q = torch.cat((apply_rope(q[..., :R], cos, sin), q[..., R:]), dim=-1)
        k = torch.cat((apply_rope(k[..., :R], cos, sin), k[..., R:]), dim=-1)
        a = eager_attention(q, k, v, mask, D ** -0.5).transpose(1, 2).reshape(b, t, C)
        attn = linear(a, w[p + "self_attn.dense.weight"], w[p + "self_attn.dense.bias"])
        ff = linear(gelu_new(linear(x, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])), w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
        h = attn + ff + h
    h = layer_norm(h, w["model.final_layernorm.weight"], w["model.final_layernorm.bias"], eps)
    return linear(h, w["lm_head.weight"], w["lm_head.bias"])


# ---------------------------------------------------------------- GPT-2
def gpt2_weights(c):
    C, V, P = c["n_embd"], c["vocab_size"], c["n_positions"]
    w = {"transformer.wte.weight": rnd(V, C, scale=0.5), "transformer.wpe.weight": rnd(P, C, scale=0.2),
         "transformer.ln_f.weight": 1 + rnd(C), "transformer.ln_f.bias": rnd(C)}
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        for n in ("ln_1", "ln_2"):
            w[p + n + ".weight"] = 1 + rnd(C)
            w[p + n + ".bias"] = rnd(C)
        # Conv1D weights are [in, out].
        w[p + "attn.c_attn.weight"] = rnd(C, 3 * C, scale=0.2)
        w[p + "attn.c_attn.bias"] = rnd(3 * C)
        w[p + "attn.c_proj.weight"] = rnd(C, C, scale=0.2)
        w[p + "attn.c_proj.bias"] = rnd(C)
        w[p + "mlp.c_fc.weight"] = rnd(C, 4 * C, scale=0.2)
        w[p + "mlp.c_fc.bias"] = rnd(4 * C)
        w[p + "mlp.c_proj.weight"] = rnd(4 * C, C, scale=0.2)
        w[p + "mlp.c_proj.bias"] = rnd(C)
    return w


def gpt2_forward(c, w, ids):
    C, H, eps = c["n_embd"], c["n_head"], c["layer_norm_epsilon"]
    D = C // H
    b, t = ids.shape
    mask = causal_mask(t)
    h = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(t)][None]
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        x = layer_norm(h, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], x.view(-1, C), w[p + "attn.c_attn.weight"]).view(b, t, 3 * C)
        q, k, v = (z.view(b, t, H, D).transpose(1, 2) for z in qkv.split(C, dim=2))
        a = eager_attention(q, k, v, mask, 1.0 / D ** 0.5).transpose(1, 2).reshape(b, t, C)
        h = h + torch.addmm(w[p + "attn.c_proj.bias"], a.view(-1, C), w[p + "attn.c_proj.weight"]).view(b, t, C)
        x = layer_norm(h, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_new(torch.addmm(w[p + "mlp.c_fc.bias"], x.view(-1, C), w[p + "mlp.c_fc.weight"]))
        h = h + torch.addmm(w[p + "mlp.c_proj.bias"], m, w[p + "mlp.c_proj.weight"]).view(b, t, C)
    h = layer_norm(h, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    return linear(h, w["transformer.wte.weight"])  # tied head


# ---------------------------------------------------------------- cases
LLAMA_BASE = {"vocab_size": 64, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
              "num_attention_heads": 4, "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "hidden_act": "silu"}

CASES = {
    # GQA (4 query heads, 2 kv heads), untied head, default RoPE.
    "llama_gqa_untied": ("llama", dict(LLAMA_BASE, architectures=["LlamaForCausalLM"], model_type="llama",
                                       num_key_value_heads=2, rope_theta=10000.0, tie_word_embeddings=False)),
    # Llama 3 rope_scaling, tied head, attention_bias. head_dim 16 and a 64-token original context put the
    # wavelengths (6.3, 32, 167, 860, ...) in all three bands: kept (< 8), blended (8..64), scaled (> 64).
    "llama3_rope_tied_bias": ("llama", dict(LLAMA_BASE, architectures=["LlamaForCausalLM"], model_type="llama",
                                            num_attention_heads=2, num_key_value_heads=2, rope_theta=500000.0,
                                            tie_word_embeddings=True, attention_bias=True,
                                            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                          "high_freq_factor": 8.0, "original_max_position_embeddings": 64})),
    # Qwen2: q/k/v bias, no o_proj bias, GQA, tied.
    "qwen2_bias_tied": ("llama", dict(LLAMA_BASE, architectures=["Qwen2ForCausalLM"], model_type="qwen2",
                                      num_key_value_heads=2, rope_theta=1000000.0, tie_word_embeddings=True,
                                      rms_norm_eps=1e-6, use_sliding_window=False, sliding_window=64, max_window_layers=2)),
    # Mistral: sliding window shorter than the sequence, linear rope scaling.
    "mistral_window_linear": ("llama", dict(LLAMA_BASE, architectures=["MistralForCausalLM"], model_type="mistral",
                                            num_key_value_heads=2, rope_theta=10000.0, tie_word_embeddings=False,
                                            sliding_window=3, rope_scaling={"type": "linear", "factor": 2.0})),
    "phi": ("phi", {"architectures": ["PhiForCausalLM"], "model_type": "phi", "vocab_size": 64, "hidden_size": 32,
                    "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                    "max_position_embeddings": 64, "layer_norm_eps": 1e-5, "partial_rotary_factor": 0.5,
                    "hidden_act": "gelu_new", "qk_layernorm": False, "rope_theta": 10000.0,
                    "tie_word_embeddings": False, "resid_pdrop": 0.1, "embd_pdrop": 0.0, "attention_dropout": 0.0}),
    "gpt2": ("gpt2", {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 64, "n_embd": 32,
                      "n_layer": 2, "n_head": 4, "n_positions": 16, "n_ctx": 16, "layer_norm_epsilon": 1e-5,
                      "activation_function": "gelu_new", "attn_pdrop": 0.1, "embd_pdrop": 0.1, "resid_pdrop": 0.1}),
}

FAMILIES = {"llama": (llama_weights, llama_forward), "phi": (phi_weights, phi_forward), "gpt2": (gpt2_weights, gpt2_forward)}


def main():
    for seed, (name, (family, config)) in enumerate(sorted(CASES.items())):
        torch.manual_seed(1000 + seed)
        make_weights, forward = FAMILIES[family]
        w = make_weights(config)
        ids = torch.randint(0, config["vocab_size"], (B, T), dtype=torch.int64)
        with torch.no_grad():
            logits = forward(config, w, ids).float()
        ckpt = dict(w)
        if family == "gpt2":
            # Legacy buffers old GPT-2 checkpoints still carry; loaders must skip them.
            for i in range(config["n_layer"]):
                n = config["n_positions"]
                ckpt[f"transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
                ckpt[f"transformer.h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
        out = os.path.join(HERE, name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(config, f, indent=2, sort_keys=True)
            f.write("\n")
        write_safetensors(os.path.join(out, "model.safetensors"), ckpt)
        write_safetensors(os.path.join(out, "golden.safetensors"), {"input_ids": ids, "logits": logits})
        size = sum(os.path.getsize(os.path.join(out, x)) for x in os.listdir(out))
        print(f"{name}: {len(w)} tensors, logits |max| {logits.abs().max():.3f}, {size} bytes")


if __name__ == "__main__":
    main()
