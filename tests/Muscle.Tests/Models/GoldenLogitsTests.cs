using Muscle.IO;
using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

/// <summary>
/// Logits against Golden/make_golden.py (PyTorch, written from HF's modeling code) on tiny random models,
/// loaded through the strict HF-key loader.
/// </summary>
public class GoldenLogitsTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["llama_gqa_untied"], ["llama3_rope_tied_bias"], ["qwen2_bias_tied"], ["mistral_window_linear"], ["phi"], ["gpt2"],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_match_the_PyTorch_reference(string name)
    {
        var dir = ModelFixtures.Path("Golden", name);
        using var model = CausalLMFactory.FromPretrained(dir);
        model.Module.eval();
        var golden = Safetensors.Load(Path.Combine(dir, "golden.safetensors"));
        try
        {
            using var _ = torch.no_grad();
            using var logits = model.Forward(golden["input_ids"]);
            var expected = golden["logits"];
            TensorAssert.Close(expected, logits, Tolerance.Float32Reference, $"{name}: logits vs reference");
        }
        finally
        {
            foreach (var t in golden.Values) t.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bfloat16_logits_are_close_to_reference(string name)
    {
        var dir = ModelFixtures.Path("Golden", name);
        using var model = CausalLMFactory.FromPretrained(dir, dtype: ScalarType.BFloat16);
        model.Module.eval();
        var golden = Safetensors.Load(Path.Combine(dir, "golden.safetensors"));
        try
        {
            using var _ = torch.no_grad();
            using var logits = model.Forward(golden["input_ids"]);
            Assert.Equal(ScalarType.BFloat16, logits.dtype);
            var expected = golden["logits"];
            var diff = (logits.to_type(ScalarType.Float32) - expected).abs().max().item<float>();
            var scale = expected.abs().max().item<float>();
            // bf16 keeps 8 mantissa bits (~0.4 % per rounding); two tiny layers stay within a few percent.
            Assert.True(diff <= 0.05 * scale, $"{name}: max |bf16 - reference| = {diff} (max |reference| = {scale})");
        }
        finally
        {
            foreach (var t in golden.Values) t.Dispose();
        }
    }

    [Fact]
    public void Golden_model_generates_identically_with_and_without_cache()
    {
        var dir = ModelFixtures.Path("Golden", "llama_gqa_untied");
        using var model = CausalLMFactory.FromPretrained(dir);
        model.Module.eval();
        using var _ = torch.no_grad();
        using var prompt = torch.tensor(new long[] { 1, 7, 3 }).unsqueeze(0);

        var noCache = prompt.clone();
        for (int i = 0; i < 10; i++)
        {
            using var scope = torch.NewDisposeScope();
            var next = model.Forward(noCache).select(1, -1).argmax(-1, keepdim: true);
            noCache = torch.cat([noCache, next], 1).MoveToOuterDisposeScope();
        }

        using var cache = model.NewCache();
        var ids = new List<long>(prompt.data<long>().ToArray());
        var input = prompt.clone();
        for (int i = 0; i < 10; i++)
        {
            using var scope = torch.NewDisposeScope();
            long next = model.Forward(input, cache).select(1, -1).argmax(-1).item<long>();
            ids.Add(next);
            input = torch.tensor(new[] { next }).unsqueeze(0).MoveToOuterDisposeScope();
        }
        Assert.Equal(noCache.data<long>().ToArray(), ids);
    }
}
