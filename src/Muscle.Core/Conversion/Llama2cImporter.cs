using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Conversion;

/// <summary>The 7-int header of a llama2.c checkpoint (run.c's <c>Config</c>).</summary>
public sealed record Llama2cHeader(int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int VocabSize, int SeqLen,
                                   bool SharedClassifier)
{
    public int HeadSize => Dim / Heads;
}

/// <summary>
/// Imports Karpathy's llama2.c <c>.bin</c> checkpoints (legacy version-0 format, as <c>run.c</c> reads them) into an
/// HF-format Llama directory. llama2.c applies RoPE to interleaved pairs (Meta's complex form); HF rotates halves,
/// so q/k rows are permuted exactly as transformers' <c>convert_llama_weights_to_hf.py</c> does.
/// </summary>
public static class Llama2cImporter
{
    public static Llama2cHeader ReadHeader(BinaryReader r, string path)
    {
        if (r.BaseStream.Length < 28) throw new MuscleInputException("not a llama2.c checkpoint: shorter than its 28-byte header", path);
        var v = new int[7];
        for (var i = 0; i < 7; i++) v[i] = r.ReadInt32();
        // run.c: a negative vocab_size marks an unshared classifier (wcls stored after the rest).
        var shared = v[5] > 0;
        var h = new Llama2cHeader(v[0], v[1], v[2], v[3], v[4], Math.Abs(v[5]), v[6], shared);
        if (h.Dim <= 0 || h.HiddenDim <= 0 || h.Layers <= 0 || h.Heads <= 0 || h.KvHeads <= 0 || h.VocabSize <= 0 || h.SeqLen <= 0
            || h.Dim % h.Heads != 0 || h.Heads % h.KvHeads != 0 || h.HeadSize % 2 != 0)
            throw new MuscleInputException(
                $"not a llama2.c checkpoint: implausible header dim={h.Dim} hidden_dim={h.HiddenDim} n_layers={h.Layers} " +
                $"n_heads={h.Heads} n_kv_heads={h.KvHeads} vocab_size={v[5]} seq_len={h.SeqLen}", path);
        return h;
    }

    /// <summary>Reads the checkpoint into HF-named float32 tensors (q/k already permuted for rotate-half RoPE).</summary>
    public static (Llama2cHeader Header, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        if (!File.Exists(path)) throw new MuscleInputException("checkpoint file not found", path);
        using var fs = File.OpenRead(path);
        using var r = new BinaryReader(fs);
        var h = ReadHeader(r, path);
        long kvDim = (long)h.KvHeads * h.HeadSize, L = h.Layers, D = h.Dim, F = h.HiddenDim, V = h.VocabSize;
        long freqs = (long)h.SeqLen * h.HeadSize / 2;
        long expected;
        try
        {
            // Checked: int32 header fields multiply past long.MaxValue (dim 2^30 × dim × layers), which would wrap around.
            expected = checked(28 + 4 * (V * D + L * D + L * D * D + 2 * L * D * kvDim + L * D * D + L * D + 3 * L * D * F + D + 2 * freqs
                                         + (h.SharedClassifier ? 0 : V * D)));
        }
        catch (OverflowException)
        {
            throw new MuscleInputException(
                $"not a llama2.c checkpoint: its header (dim={h.Dim} hidden_dim={h.HiddenDim} n_layers={h.Layers} vocab_size={h.VocabSize} " +
                $"seq_len={h.SeqLen}) implies more than {long.MaxValue} bytes (the size overflows 64 bits); the file has {fs.Length}", path);
        }
        if (fs.Length != expected)
            throw new MuscleInputException($"llama2.c checkpoint size mismatch: header implies {expected} bytes, file has {fs.Length}", path);

        float[] Take(long count)
        {
            var a = new float[count];
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan());
            fs.ReadExactly(bytes);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
            return a;
        }
        // One layer at a time: a whole weight family of a 7B model exceeds a 2 GB span.
        Tensor[] PerLayer(long rows, long cols)
        {
            var list = new Tensor[L];
            for (var l = 0; l < L; l++) list[l] = tensor(Take(rows * cols), [rows, cols]);
            return list;
        }

        var t = new Dictionary<string, Tensor>();
        t["model.embed_tokens.weight"] = tensor(Take(V * D), [V, D]);
        var attNorm = PerLayer(1, D);
        var wq = PerLayer(D, D);
        var wk = PerLayer(kvDim, D);
        var wv = PerLayer(kvDim, D);
        var wo = PerLayer(D, D);
        var ffnNorm = PerLayer(1, D);
        var w1 = PerLayer(F, D);
        var w2 = PerLayer(D, F);
        var w3 = PerLayer(F, D);
        var finalNorm = Take(D);
        fs.Seek(8L * freqs, SeekOrigin.Current); // freq_cis_real/imag: recomputed from rope_theta
        for (var l = 0; l < L; l++)
        {
            var p = $"model.layers.{l}.";
            t[p + "input_layernorm.weight"] = attNorm[l].reshape(D);
            t[p + "self_attn.q_proj.weight"] = PermuteForRotateHalf(wq[l], h.Heads);
            t[p + "self_attn.k_proj.weight"] = PermuteForRotateHalf(wk[l], h.KvHeads);
            t[p + "self_attn.v_proj.weight"] = wv[l];
            t[p + "self_attn.o_proj.weight"] = wo[l];
            t[p + "post_attention_layernorm.weight"] = ffnNorm[l].reshape(D);
            t[p + "mlp.gate_proj.weight"] = w1[l];
            t[p + "mlp.down_proj.weight"] = w2[l];
            t[p + "mlp.up_proj.weight"] = w3[l];
        }
        t["model.norm.weight"] = tensor(finalNorm, [D]);
        if (!h.SharedClassifier) t["lm_head.weight"] = tensor(Take(V * D), [V, D]);
        return (h, t);
    }

    /// <summary>
    /// Interleaved-pair rows (per head: r0,i0,r1,i1,...) → rotate-half rows (r0,r1,...,i0,i1,...):
    /// view [heads, hs/2, 2, in] → transpose(1, 2) → [heads·hs, in], as transformers' converter does.
    /// </summary>
    public static Tensor PermuteForRotateHalf(Tensor w, int heads)
    {
        long rows = w.shape[0], cols = w.shape[1];
        return w.view(heads, rows / heads / 2, 2, cols).transpose(1, 2).reshape(rows, cols).contiguous();
    }

    /// <summary>The HF <c>config.json</c> of a llama2.c model (run.c: rms eps 1e-5, RoPE θ 10000, SiLU).</summary>
    public static JsonObject HfConfig(Llama2cHeader h, int bosId, int eosId) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["hidden_size"] = h.Dim,
        ["intermediate_size"] = h.HiddenDim,
        ["num_hidden_layers"] = h.Layers,
        ["num_attention_heads"] = h.Heads,
        ["num_key_value_heads"] = h.KvHeads,
        ["vocab_size"] = h.VocabSize,
        ["max_position_embeddings"] = h.SeqLen,
        ["rms_norm_eps"] = 1e-5,
        ["rope_theta"] = 10000.0,
        ["hidden_act"] = "silu",
        ["tie_word_embeddings"] = h.SharedClassifier,
        ["attention_bias"] = false,
        ["bos_token_id"] = bosId,
        ["eos_token_id"] = eosId,
        ["torch_dtype"] = "float32",
    };

    /// <summary>
    /// <c>muscle convert llama2c</c>: writes config.json, generation_config.json, model.safetensors and the tokenizer
    /// files into <paramref name="outDir"/>, atomically as a whole directory.
    /// </summary>
    public static void Convert(string checkpointPath, string tokenizerModelPath, string outDir)
    {
        if (!File.Exists(tokenizerModelPath)) throw new MuscleInputException("tokenizer model not found", tokenizerModelPath);
        using var scope = NewDisposeScope();
        var (h, tensors) = Read(checkpointPath);
        var tok = MuscleTokenizer.FromSentencePieceModel(tokenizerModelPath);
        if (tok.VocabSize != h.VocabSize)
            throw new MuscleInputException(
                $"tokenizer has {tok.VocabSize} tokens but the checkpoint's vocab_size is {h.VocabSize}", tokenizerModelPath);
        var bos = tok.BosId ?? 1;
        var eos = tok.EosId ?? 2;
        var json = new JsonSerializerOptions { WriteIndented = true };
        AtomicFile.WriteDirectory(outDir, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), HfConfig(h, bos, eos).ToJsonString(json));
            var gen = new JsonObject { ["bos_token_id"] = bos, ["eos_token_id"] = eos, ["_from_model_config"] = true };
            File.WriteAllText(Path.Combine(dir, "generation_config.json"), gen.ToJsonString(json));
            Safetensors.Save(Path.Combine(dir, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            MuscleTokenizer.WriteHfFilesForSentencePiece(tokenizerModelPath, dir, SpecialTokens.FromSentencePieceModel(tokenizerModelPath));
        });
    }
}
