using Muscle.Infrastructure;
using Muscle.IO;
using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

public class FromPretrainedTests
{
    /// <summary>Copies a golden case to a temp dir with its weights rewritten by <paramref name="edit"/>.</summary>
    private static string CopyWithWeights(string golden, Action<Dictionary<string, Tensor>> edit)
    {
        var src = ModelFixtures.Path("Golden", golden);
        var dir = Path.Combine(Path.GetTempPath(), $"muscle-models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(src, "config.json"), Path.Combine(dir, "config.json"));
        var weights = Safetensors.Load(Path.Combine(src, "model.safetensors"));
        try
        {
            edit(weights);
            Safetensors.Save(Path.Combine(dir, "model.safetensors"), weights);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        return dir;
    }

    [Fact]
    public void Missing_weight_is_one_error_naming_the_key_and_directory()
    {
        var dir = CopyWithWeights("llama_gqa_untied", w => { w["model.layers.1.mlp.up_proj.weight"].Dispose(); w.Remove("model.layers.1.mlp.up_proj.weight"); });
        try
        {
            var e = Assert.Throws<MuscleInputException>(() => CausalLMFactory.FromPretrained(dir));
            Assert.Contains("model.layers.1.mlp.up_proj.weight", e.Message);
            Assert.Equal(dir, e.File);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Tied_model_accepts_a_checkpoint_that_also_stores_lm_head()
    {
        var dir = CopyWithWeights("qwen2_bias_tied", w => w["lm_head.weight"] = w["model.embed_tokens.weight"].clone());
        try
        {
            using var model = CausalLMFactory.FromPretrained(dir);
            Assert.Equal(["lm_head.weight"], model.TiedKeys);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Gpt2_legacy_attention_buffers_are_skipped_but_other_extras_are_not()
    {
        Assert.True(CausalLMFactory.IsLegacyBufferKey("transformer.h.0.attn.bias"));
        Assert.True(CausalLMFactory.IsLegacyBufferKey("transformer.h.11.attn.masked_bias"));
        Assert.False(CausalLMFactory.IsLegacyBufferKey("transformer.h.0.attn.c_attn.bias"));
        var dir = CopyWithWeights("gpt2", w => w["transformer.h.0.attn.extra"] = torch.zeros(1));
        try
        {
            var e = Assert.Throws<MuscleInputException>(() => CausalLMFactory.FromPretrained(dir));
            Assert.Contains("unexpected weight 'transformer.h.0.attn.extra'", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Directory_without_config_is_an_input_error()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"muscle-models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var e = Assert.Throws<MuscleInputException>(() => CausalLMFactory.FromPretrained(dir));
            Assert.Contains("config.json", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
