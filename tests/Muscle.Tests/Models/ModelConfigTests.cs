using Muscle.Configuration;
using Muscle.Infrastructure;

namespace Muscle.Tests.Models;

public class ModelConfigTests
{
    private static string Fixture(string name) => ModelFixtures.Path("Fixtures", name, "config.json");

    [Fact]
    public void Llama_2_7b_config_maps_and_derives_defaults()
    {
        var cfg = Assert.IsType<LlamaConfig>(ModelConfigLoader.Load(Fixture("Llama-2-7b-hf")));
        Assert.Equal(32000, cfg.VocabSize);
        Assert.Equal(11008, cfg.IntermediateSize);
        Assert.Equal(32, cfg.NumKeyValueHeads);
        Assert.Equal(128, cfg.HeadDim);
        Assert.Equal(10000.0, cfg.RopeTheta);      // absent from the file: HF default
        Assert.Null(cfg.RopeScaling);
        Assert.False(cfg.TieWordEmbeddings);
        Assert.False(cfg.QkvBias);
        Assert.Equal(Fixture("Llama-2-7b-hf"), cfg.SourcePath);
    }

    [Fact]
    public void Phi_2_and_gpt2_configs_map()
    {
        var phi = Assert.IsType<PhiConfig>(ModelConfigLoader.Load(Fixture("phi-2")));
        Assert.Equal(80, phi.HeadDim);
        Assert.Equal(32, phi.RotaryDim);            // int(80 * 0.4)
        var gpt2 = Assert.IsType<Gpt2Config>(ModelConfigLoader.Load(Fixture("gpt2")));
        Assert.Equal(3072, gpt2.InnerSize);         // n_inner absent: 4 * n_embd
        Assert.True(gpt2.TieWordEmbeddings);
    }

    [Fact]
    public void Unknown_keys_are_warnings_not_errors()
    {
        var cfg = TinyConfigs.Llama(""", "my_new_flag": 3, "another": "x" """);
        Assert.Equal(2, cfg.Warnings.Count);
        Assert.Contains("'another'", cfg.Warnings[0]);
        Assert.Contains("'my_new_flag'", cfg.Warnings[1]);
        var rope = TinyConfigs.Llama(""", "rope_scaling": {"type": "linear", "factor": 2.0, "beta": 1}""");
        Assert.Equal(["config key 'rope_scaling.beta' is not used by LlamaForCausalLM; ignored"], rope.Warnings);
    }

    [Fact]
    public void Qwen2_has_qkv_bias_only_and_llama_attention_bias_covers_o_proj()
    {
        var qwen = TinyConfigs.Qwen2Tied();
        Assert.True(qwen.QkvBias);
        Assert.False(qwen.OutputBias);
        var llama = TinyConfigs.Llama(""", "attention_bias": true""");
        Assert.True(llama.QkvBias);
        Assert.True(llama.OutputBias);
    }

    [Theory]
    [InlineData(""", "num_attention_heads": 5""", "hidden_size = 32 is not divisible by num_attention_heads = 5")]
    [InlineData(""", "num_key_value_heads": 3""", "num_attention_heads = 4 is not a multiple of num_key_value_heads = 3")]
    [InlineData(""", "hidden_act": "gelu" """, "hidden_act 'gelu' is not supported")]
    [InlineData(""", "rope_scaling": {"type": "dynamic", "factor": 2.0}""", "rope_scaling type 'dynamic' is not supported")]
    [InlineData(""", "rope_scaling": {"rope_type": "llama3", "factor": 8.0}""", "rope_scaling.low_freq_factor = null")]
    [InlineData(""", "vocab_size": 0""", "vocab_size = 0 must be > 0")]
    public void Validate_quotes_the_bad_value(string extra, string expected)
    {
        var e = Assert.Throws<MuscleInputException>(() => TinyConfigs.Llama(extra));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Phi_qk_layernorm_and_qwen2_sliding_window_are_refused_clearly()
    {
        var phi = Assert.Throws<MuscleInputException>(() => ModelConfigLoader.Parse("""{"model_type": "phi", "qk_layernorm": true}"""));
        Assert.Contains("qk_layernorm = true is not supported", phi.Message);
        var qwen = Assert.Throws<MuscleInputException>(() => ModelConfigLoader.Parse("""{"model_type": "qwen2", "use_sliding_window": true}"""));
        Assert.Contains("use_sliding_window = true", qwen.Message);
    }

    [Fact]
    public void Unknown_architecture_names_it_and_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"muscle-models-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"architectures": ["FalconForCausalLM"], "model_type": "falcon"}""");
        try
        {
            var e = Assert.Throws<MuscleInputException>(() => ModelConfigLoader.Load(path));
            Assert.StartsWith("unknown architecture 'FalconForCausalLM' (supported: LlamaForCausalLM, ", e.Message);
            Assert.Contains("GPT2LMHeadModel", e.Message);
            Assert.Equal(path, e.File);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Model_type_is_used_when_architectures_is_absent()
    {
        Assert.IsType<Gpt2Config>(ModelConfigLoader.Parse("""{"model_type": "gpt2"}"""));
        Assert.IsType<LlamaConfig>(ModelConfigLoader.Parse("""{"model_type": "mistral"}"""));
    }

    [Fact]
    public void Broken_json_and_wrong_types_are_input_errors_with_a_line()
    {
        var e = Assert.Throws<MuscleInputException>(() => ModelConfigLoader.Parse("{\n\"model_type\": \"llama\",\n\"vocab_size\": }", "c.json"));
        Assert.Equal("c.json", e.File);
        Assert.Equal(3, e.Line);
        var t = Assert.Throws<MuscleInputException>(() => ModelConfigLoader.Parse("""{"model_type": "llama", "vocab_size": "big"}""", "c.json"));
        Assert.Contains("vocab_size", t.Message);
    }
}
