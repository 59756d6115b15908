#!/usr/bin/python3
"""Writes the binary fixtures of the bad-inputs corpus (model directories, llama2.c checkpoints, a SentencePiece
model) from the published formats alone, with nothing but struct, json and random, so the corpus does not depend
on Muscle.NET's own writers:

  safetensors  https://github.com/huggingface/safetensors ("Format"): u64 LE header length N, N bytes of UTF-8
               JSON {"__metadata__": {...}, name: {"dtype", "shape", "data_offsets": [begin, end]}}, then data.
  llama2.c     karpathy/llama2.c run.c (legacy version 0): 7 int32 (dim, hidden_dim, n_layers, n_heads,
               n_kv_heads, vocab_size, seq_len), then float32 token_embedding, rms_att, wq, wk, wv, wo, rms_ffn,
               w1, w2, w3, rms_final, freq_cis_real, freq_cis_imag (vocab_size > 0: classifier shared).
  SentencePiece  sentencepiece_model.proto: ModelProto{1: pieces{1 piece, 2 score, 3 type}, 2: trainer_spec
               {3 model_type (2 = BPE), 4 vocab_size, 40-43 unk/bos/eos/pad id}, 3: normalizer_spec{1 name, 3
               add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces}}.

_valid/ holds the intact twins (BadInputCorpusTests checks that they work); every case directory below derives
from them by one mutation. Hand-written cases (JSONL, CSV, args.txt, expected.txt) are not touched.

Run from this folder: /usr/bin/python3 make_fixtures.py
"""
import json
import os
import random
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_DIR = os.path.join(HERE, "..", "Muscle.Tests", "Tokenization", "Fixtures", "tiny-bytelevel")

# ---------------------------------------------------------------- tiny Llama (HF layout)
CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 8,
    "intermediate_size": 16,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "vocab_size": 23,  # tiny-bytelevel: 22 BPE tokens + <|endoftext|>
    "max_position_embeddings": 64,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "hidden_act": "silu",
    "tie_word_embeddings": True,
    "torch_dtype": "float32",
}
D, F, V, KV = 8, 16, 23, 4  # hidden, intermediate, vocab, kv heads × head_dim

SHAPES = {
    "model.embed_tokens.weight": [V, D],
    "model.layers.0.input_layernorm.weight": [D],
    "model.layers.0.self_attn.q_proj.weight": [D, D],
    "model.layers.0.self_attn.k_proj.weight": [KV, D],
    "model.layers.0.self_attn.v_proj.weight": [KV, D],
    "model.layers.0.self_attn.o_proj.weight": [D, D],
    "model.layers.0.post_attention_layernorm.weight": [D],
    "model.layers.0.mlp.gate_proj.weight": [F, D],
    "model.layers.0.mlp.up_proj.weight": [F, D],
    "model.layers.0.mlp.down_proj.weight": [D, F],
    "model.norm.weight": [D],
}


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def values(name, shape, rng, scale):
    if name.endswith("norm.weight"):
        return [1.0] * numel(shape)
    return [rng.gauss(0.0, scale) for _ in range(numel(shape))]


def weights(shapes, seed=1, scale=0.5):
    rng = random.Random(seed)
    return {name: (shape, values(name, shape, rng, scale)) for name, shape in sorted(shapes.items())}


def safetensors_parts(tensors):
    """(header JSON bytes padded to 8, data bytes, {name: [begin, end]}) for F32 tensors in name order."""
    header = {"__metadata__": {"format": "pt"}}
    data = b""
    for name, (shape, vals) in tensors.items():
        raw = struct.pack(f"<{len(vals)}f", *vals)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((8 - len(blob) % 8) % 8)
    return blob, data


def safetensors_bytes(tensors):
    blob, data = safetensors_parts(tensors)
    return struct.pack("<Q", len(blob)) + blob + data


def write(path, content):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(path, mode) as f:
        f.write(content)


def model_dir(case, config=CONFIG, weights_file=None, tokenizer=True, sub="model"):
    """Writes <case>/<sub> with config.json, the tokenizer files and model.safetensors (bytes), replacing it."""
    d = os.path.join(HERE, case, sub)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    write(os.path.join(d, "config.json"), json.dumps(config, indent=2) + "\n")
    if tokenizer:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(os.path.join(TOKENIZER_DIR, name), os.path.join(d, name))
    if weights_file is not None:
        write(os.path.join(d, "model.safetensors"), weights_file)
    return d


VALID = safetensors_bytes(weights(SHAPES))

model_dir("_valid", weights_file=VALID, sub="tiny-llama")

# An embedding padded past the tokenizer (as Phi-2's 51200 rows for 50295 tokens) is legal; large weights make
# greedy decoding reach the padding ids, which must decode to nothing.
PADDED = {**SHAPES, "model.embed_tokens.weight": [64, D]}
model_dir("_valid", config={**CONFIG, "vocab_size": 64}, weights_file=safetensors_bytes(weights(PADDED, seed=3, scale=1.5)),
          sub="tiny-llama-padded-vocab")

# The reverse does not fit: the tokenizer's ids (BOS is 22) reach past a 10-row embedding.
SMALL = {**SHAPES, "model.embed_tokens.weight": [10, D]}
model_dir("generate-tokenizer-larger-than-model", config={**CONFIG, "vocab_size": 10}, weights_file=safetensors_bytes(weights(SMALL)))

# Weights that parse and fit but hold NaN (a bad conversion or a diverged run): every logit is NaN.
nan_weights = weights(SHAPES)
nan_weights["model.norm.weight"] = ([D], [float("nan")] * D)
model_dir("generate-nan-weights", weights_file=safetensors_bytes(nan_weights))
# Finite weights that overflow float32 in the forward (norm × 3e38): the load check passes, the loss is not finite.
overflow_weights = weights(SHAPES)
overflow_weights["model.norm.weight"] = ([D], [3e38] * D)
model_dir("train-adapter-overflowing-weights", weights_file=safetensors_bytes(overflow_weights))

# A Split pre-tokenizer whose regex backtracks catastrophically on "a"*41 + "!" (nested quantifier before a failing
# end anchor); the lookahead keeps it off .NET's NonBacktracking engine, so the match timeout has to catch it.
d = model_dir("generate-tokenizer-regex-catastrophic", weights_file=VALID)
with open(os.path.join(d, "tokenizer.json")) as f:
    tok = json.load(f)
tok["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": "(a+)+(?!b)$"}, "behavior": "Isolated", "invert": False},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
write(os.path.join(d, "tokenizer.json"), json.dumps(tok, indent=2, ensure_ascii=False) + "\n")

model_dir("generate-unknown-architecture",
          config={**CONFIG, "architectures": ["MambaForCausalLM"], "model_type": "mamba"}, weights_file=VALID)

d = model_dir("generate-config-not-json", weights_file=VALID)
write(os.path.join(d, "config.json"), json.dumps(CONFIG, indent=2).replace('"hidden_size": 8,', '"hidden_size": 8') + "\n")

model_dir("generate-config-invalid-value", config={**CONFIG, "num_attention_heads": 3}, weights_file=VALID)

model_dir("generate-no-weights")

model_dir("generate-missing-weight-key",
          weights_file=safetensors_bytes(weights({k: v for k, v in SHAPES.items() if k != "model.layers.0.mlp.up_proj.weight"})))

# A checkpoint with two layers for a config that says one.
model_dir("generate-unexpected-weight-key",
          weights_file=safetensors_bytes(weights({**SHAPES, "model.layers.1.mlp.up_proj.weight": [F, D]})))

# k_proj stored without grouped-query attention: [8, 8] where the config's one kv head needs [4, 8].
model_dir("generate-misshaped-weight-key",
          weights_file=safetensors_bytes(weights({**SHAPES, "model.layers.0.self_attn.k_proj.weight": [D, D]})))

# Cut in the middle of the data region (a download that stopped early).
model_dir("generate-truncated-safetensors", weights_file=VALID[: len(VALID) * 2 // 3])

# Intact length, but one entry points past the end of the file (span still equals shape × dtype).
blob, data = safetensors_parts(weights(SHAPES))
header = json.loads(blob)
b, e = header["model.norm.weight"]["data_offsets"]
header["model.norm.weight"]["data_offsets"] = [len(data) + 64, len(data) + 64 + (e - b)]
blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
blob += b" " * ((8 - len(blob) % 8) % 8)
model_dir("generate-offsets-outside-file", weights_file=struct.pack("<Q", len(blob)) + blob + data)

# The length prefix claims more header bytes than the file has.
model_dir("generate-header-length-beyond-file", weights_file=struct.pack("<Q", len(VALID)) + VALID[8:])

# Same length, but bytes 40..71 of the JSON are overwritten: it still starts with '{' yet is not JSON.
n = struct.unpack("<Q", VALID[:8])[0]
corrupt = bytearray(VALID)
corrupt[8 + 40: 8 + 72] = b"\x00garbage written over the header"[:32]
model_dir("generate-corrupt-header", weights_file=bytes(corrupt))

# What a clone without git-lfs leaves in place of the weights.
model_dir("generate-git-lfs-pointer", weights_file=(
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a2146f0c4b3f1e2b7c0a1f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0\n"
    f"size {len(VALID)}\n").encode("ascii"))

# Sharded: the index maps half the keys to a second shard that is not there.
d = model_dir("generate-missing-shard")
names = sorted(SHAPES)
first, second = names[: len(names) // 2], names[len(names) // 2:]
write(os.path.join(d, "model-00001-of-00002.safetensors"), safetensors_bytes(weights({k: SHAPES[k] for k in first})))
write(os.path.join(d, "model.safetensors.index.json"), json.dumps({
    "metadata": {"total_size": 4 * sum(numel(s) for s in SHAPES.values())},
    "weight_map": {k: ("model-00001-of-00002.safetensors" if k in first else "model-00002-of-00002.safetensors") for k in names},
}, indent=2) + "\n")


# ---------------------------------------------------------------- tiny PEFT LoRA adapter (train-compat, update)
# PEFT layout: adapter_config.json + adapter_model.safetensors with base_model.model.<module>.lora_A.weight [r, in]
# and lora_B.weight [out, r]; B is non-zero so the adapter changes the model.
R = 2
LORA = {"self_attn.q_proj": (D, D), "self_attn.v_proj": (D, KV)}  # module: (in, out)


def adapter_dir(case, sub, lora=LORA, layers=(0,), seed=5, config=None, nan_key=None):
    shapes = {}
    for layer in layers:
        for module, (fan_in, fan_out) in lora.items():
            prefix = f"base_model.model.model.layers.{layer}.{module}"
            shapes[f"{prefix}.lora_A.weight"] = [R, fan_in]
            shapes[f"{prefix}.lora_B.weight"] = [fan_out, R]
    d = os.path.join(HERE, case, sub)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    write(os.path.join(d, "adapter_config.json"), json.dumps({
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": "tiny-llama", "r": R,
        "lora_alpha": 2 * R, "lora_dropout": 0.0, "bias": "none", "fan_in_fan_out": False, "inference_mode": True,
        "target_modules": sorted({m.split(".")[-1] for m in lora}), "use_rslora": False, "use_dora": False,
        **(config or {}),
    }, indent=2) + "\n")
    tensors = weights(shapes, seed=seed, scale=0.1)
    if nan_key is not None:
        shape, vals = tensors[nan_key]
        tensors[nan_key] = (shape, [float("nan")] + vals[1:])
    write(os.path.join(d, "adapter_model.safetensors"), safetensors_bytes(tensors))


adapter_dir("_valid", "tiny-adapter")
# One NaN in a lora_B: the base is intact, so the error must name the adapter file, not the model directory.
adapter_dir("generate-nan-adapter", "adapter", nan_key="base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")
# An old adapter made for another architecture (hidden 16): the keys exist in tiny-llama, the shapes do not fit.
adapter_dir("train-compat-adapter-other-architecture", "old-adapter", lora={"self_attn.q_proj": (16, 16), "self_attn.v_proj": (16, 8)})
# An adapter for a two-layer model: layer 1 does not exist in tiny-llama.
adapter_dir("train-compat-adapter-unknown-key", "new-adapter", layers=(0, 1))
# A bool written as a string: PEFT writes "use_dora": false, never "true"/"false" strings.
adapter_dir("train-compat-adapter-bool-as-string", "new-adapter", config={"use_dora": "true"})
# Weights for v_proj, but the config targets q_proj only: PEFT would not put LoRA on v_proj.
adapter_dir("train-compat-adapter-untargeted-weights", "new-adapter", config={"target_modules": ["q_proj"]})

# The same model with another tokenizer: two ids swapped, so the token -> id maps differ at the same vocab size.
d = model_dir("train-compat-tokenizer-mismatch", weights_file=VALID, sub="new-model")
with open(os.path.join(TOKENIZER_DIR, "tokenizer.json")) as f:
    tok = json.load(f)
vocab = tok["model"]["vocab"]
vocab["d"], vocab["e"] = vocab["e"], vocab["d"]
tok["model"]["vocab"] = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
write(os.path.join(d, "tokenizer.json"), json.dumps(tok, indent=2, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- tiny llama2.c checkpoint + SentencePiece model
def varint(v):
    v &= (1 << 64) - 1  # negative int32 values are 10-byte varints, as protobuf encodes them
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, b):
    return varint((num << 3) | 2) + varint(len(b)) + b


def field_float(num, f):
    return varint((num << 3) | 5) + struct.pack("<f", f)


PIECES = [("<unk>", 2), ("<s>", 3), ("</s>", 3),
          ("\u2581a", 1), ("ab", 1), ("\u2581ab", 1), ("\u2581c", 1), ("\u2581", 1), ("a", 1), ("b", 1), ("c", 1)]


def sentencepiece_bytes(pieces):
    out = b""
    for i, (piece, typ) in enumerate(pieces):
        score = 0.0 if typ != 1 else -float(i - 3)
        out += field_bytes(1, field_bytes(1, piece.encode("utf-8")) + field_float(2, score) + field_varint(3, typ))
    trainer = (field_varint(3, 2) + field_varint(4, len(pieces)) + field_varint(35, 0)
               + field_varint(40, 0) + field_varint(41, 1) + field_varint(42, 2) + field_varint(43, -1))
    normalizer = field_bytes(1, b"identity") + field_varint(3, 1) + field_varint(4, 0) + field_varint(5, 1)
    return out + field_bytes(2, trainer) + field_bytes(3, normalizer)


def llama2c_bytes(vocab, dim=8, hidden=16, layers=1, heads=2, kv_heads=1, seq_len=16, seed=2):
    rng = random.Random(seed)
    head = dim // heads
    kv_dim = kv_heads * head

    def floats(n, one=False):
        return struct.pack(f"<{n}f", *([1.0] * n if one else [rng.gauss(0.0, 0.5) for _ in range(n)]))

    out = struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq_len)
    out += floats(vocab * dim)                      # token_embedding_table
    out += floats(layers * dim, one=True)           # rms_att_weight
    out += floats(layers * dim * dim)               # wq
    out += floats(layers * dim * kv_dim)            # wk
    out += floats(layers * dim * kv_dim)            # wv
    out += floats(layers * dim * dim)               # wo
    out += floats(layers * dim, one=True)           # rms_ffn_weight
    out += floats(layers * hidden * dim)            # w1
    out += floats(layers * dim * hidden)            # w2
    out += floats(layers * hidden * dim)            # w3
    out += floats(dim, one=True)                    # rms_final_weight
    out += floats(seq_len * head // 2) * 2          # freq_cis_real, freq_cis_imag (unused by the importer)
    return out


SP = sentencepiece_bytes(PIECES)
CKPT = llama2c_bytes(len(PIECES))


def llama2c_case(case, checkpoint=CKPT, tokenizer=SP):
    d = os.path.join(HERE, case)
    write(os.path.join(d, "tiny.bin"), checkpoint)
    write(os.path.join(d, "tiny.model"), tokenizer)


llama2c_case("_valid")
llama2c_case("convert-truncated-checkpoint", checkpoint=CKPT[: len(CKPT) - 100])
llama2c_case("convert-vocab-mismatch", checkpoint=llama2c_bytes(len(PIECES) + 5))
llama2c_case("convert-out-under-a-file")
llama2c_case("convert-out-is-a-file")
# A plausible-looking header whose implied size overflows 64 bits (dim = hidden_dim = 2^30, 2^30 layers): the size
# check must say so, not print a wrapped-around negative byte count.
llama2c_case("convert-checkpoint-size-overflows",
             checkpoint=struct.pack("<7i", 1 << 30, 1 << 30, 1 << 30, 2, 2, 11, 16) + CKPT[28:])
write(os.path.join(HERE, "convert-tokenizer-not-sentencepiece", "tiny.bin"), CKPT)
shutil.copyfile(os.path.join(TOKENIZER_DIR, "tokenizer.json"), os.path.join(HERE, "convert-tokenizer-not-sentencepiece", "tokenizer.json"))
print("wrote the binary fixtures")
