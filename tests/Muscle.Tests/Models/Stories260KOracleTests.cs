using System.Text.Json;
using Muscle.Configuration;
using Muscle.Models;
using Muscle.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

/// <summary>
/// A real pretrained Llama (llama2.c stories260K) against llama2.c's own outputs. The .bin is mapped onto HF keys
/// here in the test, with the q/k row permutation HF's converter applies (llama2.c rotates interleaved pairs,
/// HF rotates halves), so this checks LlamaForCausalLM, not the CLI converter.
/// </summary>
public class Stories260KOracleTests
{
    private const string Dir = "stories260K";

    private static (ICausalLM Model, JsonElement Expected) Load(ScalarType dtype)
    {
        var bytes = File.ReadAllBytes(SharedData.Path("models", Dir, "stories260K.bin"));
        var header = new int[7];
        Buffer.BlockCopy(bytes, 0, header, 0, 28);
        int dim = header[0], hidden = header[1], layers = header[2], heads = header[3], kvHeads = header[4];
        int vocab = Math.Abs(header[5]), seq = header[6], headDim = dim / heads, kvDim = kvHeads * headDim;
        Assert.True(header[5] > 0, "stories260K shares its classifier");
        var floats = new float[(bytes.Length - 28) / 4];
        Buffer.BlockCopy(bytes, 28, floats, 0, floats.Length * 4);
        int offset = 0;
        float[] Take(int n) { var a = floats.AsSpan(offset, n).ToArray(); offset += n; return a; }
        Tensor Matrices(int rows, int cols) => torch.tensor(Take(layers * rows * cols), [layers, rows, cols]);

        var embed = torch.tensor(Take(vocab * dim), [vocab, dim]);
        var rmsAtt = torch.tensor(Take(layers * dim), [layers, dim]);
        var wq = Matrices(dim, dim);
        var wk = Matrices(kvDim, dim);
        var wv = Matrices(kvDim, dim);
        var wo = Matrices(dim, dim);
        var rmsFfn = torch.tensor(Take(layers * dim), [layers, dim]);
        var w1 = Matrices(hidden, dim);
        var w2 = Matrices(dim, hidden);
        var w3 = Matrices(hidden, dim);
        var rmsFinal = torch.tensor(Take(dim), [dim]);

        // HF convert_llama_weights_to_hf permute: interleaved pairs -> rotate-half halves, per head.
        static Tensor Permute(Tensor w, int nHeads) =>
            w.view(nHeads, w.shape[0] / nHeads / 2, 2, w.shape[1]).transpose(1, 2).reshape(w.shape[0], w.shape[1]);

        var cfg = (LlamaConfig)ModelConfigLoader.Parse($$"""
            { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": {{vocab}}, "hidden_size": {{dim}},
              "intermediate_size": {{hidden}}, "num_hidden_layers": {{layers}}, "num_attention_heads": {{heads}},
              "num_key_value_heads": {{kvHeads}}, "max_position_embeddings": {{seq}}, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "tie_word_embeddings": true }
            """);
        var model = CausalLMFactory.Create(cfg);
        var sd = model.Module.state_dict();
        using (torch.no_grad())
        {
            sd["model.embed_tokens.weight"].copy_(embed);
            sd["model.norm.weight"].copy_(rmsFinal);
            for (int l = 0; l < layers; l++)
            {
                var p = $"model.layers.{l}.";
                sd[p + "input_layernorm.weight"].copy_(rmsAtt[l]);
                sd[p + "post_attention_layernorm.weight"].copy_(rmsFfn[l]);
                sd[p + "self_attn.q_proj.weight"].copy_(Permute(wq[l], heads));
                sd[p + "self_attn.k_proj.weight"].copy_(Permute(wk[l], kvHeads));
                sd[p + "self_attn.v_proj.weight"].copy_(wv[l]);
                sd[p + "self_attn.o_proj.weight"].copy_(wo[l]);
                sd[p + "mlp.gate_proj.weight"].copy_(w1[l]);
                sd[p + "mlp.up_proj.weight"].copy_(w3[l]);
                sd[p + "mlp.down_proj.weight"].copy_(w2[l]);
            }
        }
        foreach (var t in new[] { embed, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal }) t.Dispose();
        model.Module.to(dtype);
        model.Module.eval();
        using var json = JsonDocument.Parse(File.ReadAllText(SharedData.Path("models", Dir, "expected_greedy.json")));
        return (model, json.RootElement.Clone());
    }

    private static List<long> Greedy(ICausalLM model, int steps)
    {
        using var _ = torch.no_grad();
        using var cache = model.NewCache();
        var ids = new List<long>();
        long token = 1;   // BOS
        for (int i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            token = model.Forward(torch.tensor(new[] { token }).unsqueeze(0), cache)[0, -1].argmax().item<long>();
            if (token == 1) break;
            ids.Add(token);
        }
        return ids;
    }

    [SharedDataFact("models", Dir, "stories260K.bin")]
    public void Top5_logits_at_position_0_match_llama2c()
    {
        var (model, expected) = Load(ScalarType.Float32);
        using (model)
        using (torch.no_grad())
        {
            using var logits = model.Forward(torch.tensor(new long[] { 1 }).unsqueeze(0));
            foreach (var e in expected.GetProperty("pos0_after_BOS_top5").EnumerateArray())
            {
                var actual = logits[0, 0, e.GetProperty("id").GetInt64()].item<float>();
                Assert.True(Math.Abs(actual - e.GetProperty("logit").GetDouble()) <= 1e-4,
                    $"id {e.GetProperty("id")}: {actual} vs {e.GetProperty("logit")}");
            }
        }
    }

    [SharedDataFact("models", Dir, "stories260K.bin")]
    public void Greedy_200_steps_with_cache_match_llama2c_in_fp32_and_bf16()
    {
        var (model, expected) = Load(ScalarType.Float32);
        var want = expected.GetProperty("greedy_ids_200_steps").EnumerateArray().Select(e => e.GetInt64()).ToList();
        using (model) Assert.Equal(want, Greedy(model, 200));
        var (bf16, _) = Load(ScalarType.BFloat16);
        using (bf16)
        {
            var got = Greedy(bf16, 200);
            int agree = got.Zip(want).TakeWhile(p => p.First == p.Second).Count();
            Assert.True(agree == want.Count, $"bf16 greedy ids agree with fp32 for the first {agree} of {want.Count} tokens");
        }
    }
}
