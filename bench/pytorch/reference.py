#!/usr/bin/python3
"""PyTorch reference for bench/Muscle.Bench: the same Llama (HF eager semantics), configs, inputs and steps.

Runs on Debian's python3-torch 1.13 (CPU, OpenBLAS-openmp) with 2 threads. 1.13 has no SDPA, so attention is
HF's eager path: matmul in the model dtype, additive causal/padding mask, softmax in fp32, cast back.
RMSNorm, RoPE and the loss follow bench/Muscle.Bench (fp32 norm/rotary/CE), as HF's LlamaRMSNorm does.

  reference.py run --model llama-3.4m --dtype fp32 --cases full,lora,mc,gen-cache,gen-nocache
  reference.py loss-check --dir DIR   (reads DIR/init.safetensors written by `Muscle.Bench loss-check`)

Prints one JSON line per case, same fields as the C# bench.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS_JSON = os.path.join(HERE, "..", "models.json")
TRAIN_LR = 1e-4
TRAIN_WARMUP = 2
MC_BATCH = 16
MC_CHOICES = 4
PROMPT_LENGTH = 16
NEW_TOKENS = 256
IGNORE = -100


# ---------------------------------------------------------------- model (HF LlamaForCausalLM key names)
class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


class LoraLinear(nn.Linear):
    """nn.Linear keeping HF's `weight` key, plus PEFT-style lora_A/lora_B when enabled."""

    def __init__(self, fin, fout):
        super().__init__(fin, fout, bias=False)
        self.lora_A = None
        self.lora_B = None
        self.scaling = 0.0

    def add_lora(self, r, alpha):
        self.lora_A = nn.Linear(self.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, self.out_features, bias=False)
        with torch.no_grad():
            bound = 1.0 / math.sqrt(self.in_features)
            self.lora_A.weight.uniform_(-bound, bound)
            self.lora_B.weight.zero_()
        self.scaling = alpha / r

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.lora_A is not None:
            y = y + self.lora_B(self.lora_A(x)) * self.scaling
        return y


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x, cos, sin):
    r = x.float()
    return (r * cos + rotate_half(r) * sin).to(x.dtype)


class Attention(nn.Module):
    def __init__(self, c, layer):
        super().__init__()
        self.h, self.hkv = c["num_attention_heads"], c.get("num_key_value_heads") or c["num_attention_heads"]
        self.d = c["hidden_size"] // self.h
        self.layer = layer
        hs = c["hidden_size"]
        self.q_proj = LoraLinear(hs, self.h * self.d)
        self.k_proj = LoraLinear(hs, self.hkv * self.d)
        self.v_proj = LoraLinear(hs, self.hkv * self.d)
        self.o_proj = LoraLinear(self.h * self.d, hs)

    def forward(self, x, cos, sin, mask, cache):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.d).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.hkv, self.d).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.hkv, self.d).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            if cache[self.layer] is not None:
                pk, pv = cache[self.layer]
                k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
            cache[self.layer] = (k, v)
        if self.hkv != self.h:
            k = k.repeat_interleave(self.h // self.hkv, 1)
            v = v.repeat_interleave(self.h // self.hkv, 1)
        w = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.d)
        if mask is not None:
            w = w + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(1, 2).reshape(b, t, self.h * self.d)
        return self.o_proj(o)


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        hs, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj, self.up_proj, self.down_proj = LoraLinear(hs, i), LoraLinear(hs, i), LoraLinear(i, hs)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        self.self_attn = Attention(c, i)
        self.mlp = Mlp(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])

    def forward(self, x, cos, sin, mask, cache):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        return h + self.mlp(self.post_attention_layernorm(h))


class Inner(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Layer(c, i) for i in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class LlamaForCausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Inner(c)
        self.tied = c.get("tie_word_embeddings", False)
        self.lm_head = None if self.tied else nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        d = c["hidden_size"] // c["num_attention_heads"]
        self.inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2).float() / d))
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Embedding)) and not getattr(m, "_is_lora", False):
                    m.weight.normal_(0, 0.02)

    def forward(self, ids, attention_mask=None, cache=None):
        b, t = ids.shape
        past = 0 if cache is None or cache[0] is None else cache[0][0].shape[2]
        pos = torch.arange(past, past + t).float()
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat([freqs, freqs], -1)
        cos, sin = emb.cos(), emb.sin()
        h = self.model.embed_tokens(ids)
        # HF's 4-D additive mask: causal plus padding, in the model dtype; none for a single cached step.
        mask = None
        s = past + t
        if t > 1 or attention_mask is not None:
            blocked = torch.arange(s)[None, :] > torch.arange(past, s)[:, None]
            blocked = blocked[None, None]
            if attention_mask is not None:
                blocked = blocked | (attention_mask[:, None, None, :] == 0)
            mask = torch.zeros(blocked.shape, dtype=h.dtype).masked_fill(blocked, torch.finfo(h.dtype).min)
        for layer in self.model.layers:
            h = layer(h, cos, sin, mask, cache)
        h = self.model.norm(h)
        return F.linear(h, self.model.embed_tokens.weight) if self.tied else self.lm_head(h)

    def add_lora(self, r=8, alpha=16, targets=("q_proj", "v_proj")):
        for layer in self.model.layers:
            for name in targets:
                getattr(layer.self_attn, name).add_lora(r, alpha)


# ---------------------------------------------------------------- data (keep in sync with BenchModel.cs)
def train_ids(batch, seq, vocab):
    return torch.tensor([[1 + (b * 131 + t * t * 7 + t * 31 + 17) % (vocab - 1) for t in range(seq)]
                         for b in range(batch)], dtype=torch.long)


def mc_requests(items, context, vocab):
    out = []
    for i in range(items):
        ctx = [1 + (i * 977 + j * 7919 + 13) % (vocab - 1) for j in range(context)]
        for c in range(MC_CHOICES):
            n = 4 + (i * 3 + c * 5) % 8
            cont = [1 + (i * 31 + c * 4099 + j * 613 + 5) % (vocab - 1) for j in range(n)]
            out.append((ctx + cont, context))
    return out


def prompt(vocab):
    return [1 + (j * 7919 + 13) % (vocab - 1) for j in range(PROMPT_LENGTH)]


def labels_of(ids):
    labels = torch.full_like(ids, IGNORE)
    labels[:, :-1] = ids[:, 1:]
    return labels


# ---------------------------------------------------------------- memory
def perf_window(command):
    """As Muscle.Bench's PerfWindow: limit bench/profile.sh's perf record to the timed steps (MUSCLE_PERF_CTL/ACK)."""
    ctl, ack = os.environ.get("MUSCLE_PERF_CTL"), os.environ.get("MUSCLE_PERF_ACK")
    if not ctl:
        return
    with open(ctl, "w") as f:
        f.write(command + "\n")
    if ack:
        with open(ack) as f:
            f.readline()


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


# ---------------------------------------------------------------- cases
def build(bm, dtype):
    torch.manual_seed(42)
    model = LlamaForCausalLM(bm["config"])
    return model.to(dtype)


def train_step(model, opt, ids, labels, mask, counted):
    logits = model(ids, mask)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1),
                           ignore_index=IGNORE, reduction="sum") / counted
    loss.backward()
    opt.step()
    opt.zero_grad()
    return loss


def case_train(bm, dtype, lora):
    model = build(bm, dtype)
    if lora:
        for p in model.parameters():
            p.requires_grad_(False)
        model.eval()
        torch.manual_seed(42)
        model.add_lora()
        model.to(dtype)
        params = [p for n, p in model.named_parameters() if "lora_" in n]
    else:
        model.train()
        params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=TRAIN_LR, weight_decay=0.0)
    ids = train_ids(bm["batch"], bm["seq"], bm["config"]["vocab_size"])
    labels, mask = labels_of(ids), torch.ones_like(ids)
    counted = bm["batch"] * (bm["seq"] - 1)
    secs, last, cpu0 = [], None, 0.0
    for i in range(TRAIN_WARMUP + bm["train_steps"]):
        if i == TRAIN_WARMUP:
            reset_peak()
            perf_window("enable")
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        last = train_step(model, opt, ids, labels, mask, counted).detach()
        if i >= TRAIN_WARMUP:
            secs.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    perf_window("disable")
    return secs, bm["batch"] * bm["seq"], peak_mib(), float(last), cpu


@torch.no_grad()
def score(model, requests, batch_size, pad_id=0):
    """lm-eval loglikelihood, as Muscle.Evaluation.LoglikelihoodScorer: longest-first batches, right padding."""
    order = sorted(range(len(requests)), key=lambda i: (-len(requests[i][0]), i))
    results = [None] * len(requests)
    for s in range(0, len(order), batch_size):
        chunk = order[s:s + batch_size]
        t = max(len(requests[i][0]) for i in chunk)
        ids = torch.full((len(chunk), t), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), t), dtype=torch.long)
        for b, i in enumerate(chunk):
            r = requests[i][0]
            ids[b, :len(r)] = torch.tensor(r)
            mask[b, :len(r)] = 1
        logits = model(ids, mask)
        for b, i in enumerate(chunk):
            r, ctx = requests[i]
            rows = logits[b].narrow(0, ctx - 1, len(r) - ctx).float()
            target = torch.tensor(r[ctx:])
            picked = rows.log_softmax(-1).gather(1, target[:, None]).squeeze(1)
            greedy = bool((rows.argmax(-1) == target).all().item())
            results[i] = (picked.sum().double().item(), greedy)
    return results


GEMM_SIZE = 2048


def case_gemm(dtype):
    """As Muscle.Bench's GemmPeak: 2048^2 products, 2 warm-up and 10 timed; 'tokens' are FLOPs (2n^3 a product)."""
    torch.manual_seed(42)
    a, b = torch.randn(GEMM_SIZE, GEMM_SIZE, dtype=dtype), torch.randn(GEMM_SIZE, GEMM_SIZE, dtype=dtype)
    secs, cpu0 = [], 0.0
    for i in range(12):
        if i == 2:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        a @ b
        if i >= 2:
            secs.append(time.perf_counter() - t0)
    return secs, 2 * GEMM_SIZE ** 3, peak_mib(), None, time.process_time() - cpu0


def case_mc(bm, dtype):
    model = build(bm, dtype).eval()
    reqs = mc_requests(bm["mc_items"], bm["mc_context"], bm["config"]["vocab_size"])
    score(model, reqs[:MC_BATCH], MC_BATCH)
    reset_peak()
    secs, total = [], 0.0
    cpu0 = time.process_time()
    for _ in range(2):
        t0 = time.perf_counter()
        res = score(model, reqs, MC_BATCH)
        secs.append(time.perf_counter() - t0)
        total = sum(r[0] for r in res)
    return secs, sum(len(r[0]) for r in reqs), peak_mib(), total, time.process_time() - cpu0


@torch.no_grad()
def greedy(model, prompt_ids, new_tokens, use_cache):
    n = model.c["num_hidden_layers"]
    cache = [None] * n if use_cache else None
    history, generated = list(prompt_ids), []
    for step in range(new_tokens):
        feed = history if cache is None or step == 0 else history[-1:]
        logits = model(torch.tensor([feed]), None, cache)[0, -1].float()
        nxt = int(logits.argmax().item())
        history.append(nxt)
        generated.append(nxt)
    return generated


def case_gen(bm, dtype, use_cache):
    model = build(bm, dtype).eval()
    p = prompt(bm["config"]["vocab_size"])
    greedy(model, p, 8, use_cache)
    reset_peak()
    cpu0, t0 = time.process_time(), time.perf_counter()
    ids = greedy(model, p, NEW_TOKENS, use_cache)
    el, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    digest = float(sum(i * (j % 7 + 1) for j, i in enumerate(ids)))
    return [el], NEW_TOKENS, peak_mib(), digest, cpu


# ---------------------------------------------------------------- loss check
def read_safetensors(path):
    dtypes = {"F32": np.float32, "I64": np.int64, "BF16": None}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=dtypes[v["dtype"]]).reshape(v["shape"])
        out[k] = torch.from_numpy(arr.copy())
    return out


def loss_check(bm, d, steps=20, lr=1e-3):
    tensors = read_safetensors(os.path.join(d, "init.safetensors"))
    model = LlamaForCausalLM(bm["config"])
    model.add_lora()
    state = {}
    for k, v in tensors.items():
        if k.startswith("base_model.model."):
            state[k[len("base_model.model."):].replace(".lora_A.weight", ".lora_A.weight")] = v
        elif k != "input_ids":
            state[k] = v
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or missing:
        raise SystemExit(f"load mismatch: missing {missing} unexpected {unexpected}")
    for n, p in model.named_parameters():
        p.requires_grad_("lora_" in n)
    model.eval()
    ids = tensors["input_ids"]
    labels, mask = labels_of(ids), torch.ones_like(ids)
    counted = ids.shape[0] * (ids.shape[1] - 1)
    opt = torch.optim.AdamW([p for n, p in model.named_parameters() if "lora_" in n], lr=lr, weight_decay=0.0)
    losses = [float(train_step(model, opt, ids, labels, mask, counted)) for _ in range(steps)]
    with open(os.path.join(d, "muscle_losses.json")) as f:
        ours = json.load(f)["losses"]
    diffs = [abs(a - b) for a, b in zip(ours, losses)]
    print(json.dumps({"check": "lora-loss-curve", "steps": steps, "pytorch": losses, "muscle": ours,
                      "max_abs_diff": max(diffs), "final_abs_diff": diffs[-1], "pass": diffs[-1] <= 1e-4}))
    return 0 if diffs[-1] <= 1e-4 else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run", "loss-check"])
    ap.add_argument("--model", default="llama-3.4m")
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--cases", default="full,lora,mc,gen-cache,gen-nocache")
    ap.add_argument("--models", default=MODELS_JSON)
    ap.add_argument("--dir")
    ap.add_argument("--train-steps", type=int, help="timed steps of full/lora (default: the model's train_steps); for profiling")
    a = ap.parse_args()
    torch.set_num_threads(2)
    with open(a.models) as f:
        models = json.load(f)
    if a.mode == "loss-check":
        return loss_check(models["llama-3.4m"], a.dir)
    bm = dict(models[a.model], name=a.model)
    if a.train_steps:
        bm["train_steps"] = a.train_steps
    dtype = torch.float32 if a.dtype == "fp32" else torch.bfloat16
    for c in a.cases.split(","):
        row = {"impl": "pytorch", "model": a.model, "dtype": a.dtype, "case": c}
        if c in ("muscle-exact", "muscle-cache"):
            row["skipped"] = "no PyTorch MUSCLE step in the reference yet"
            print(json.dumps(row), flush=True)
            continue
        if c in ("full", "lora"):
            secs, toks, peak, check, cpu = case_train(bm, dtype, c == "lora")
        elif c == "mc":
            secs, toks, peak, check, cpu = case_mc(bm, dtype)
        elif c == "gemm":
            secs, toks, peak, check, cpu = case_gemm(dtype)
        elif c in ("gen-cache", "gen-nocache"):
            secs, toks, peak, check, cpu = case_gen(bm, dtype, c == "gen-cache")
        else:
            raise SystemExit(f"unknown case {c}")
        med = sorted(secs)[len(secs) // 2]
        row.update(tokens_per_s=round(toks * len(secs) / sum(secs), 1),
                   step_ms=round(med * 1000 / (toks if c.startswith("gen") else 1), 3),
                   cpu_ms=round(cpu * 1000 / len(secs) / (toks if c.startswith("gen") else 1), 3),
                   peak_rss_mib=round(peak, 1), iters=len(secs), check=check)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
