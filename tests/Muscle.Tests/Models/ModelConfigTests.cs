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

    [Theory]
    [InlineData(""", "attn_logit_softcapping": 50.0""", "config key 'attn_logit_softcapping' is not implemented")]
    [InlineData(""", "quantization_config": {"quant_method": "bitsandbytes"}""", "config key 'quantization_config'")]
    [InlineData(""", "my_new_flag": 3""", "config key 'my_new_flag'")]
    [InlineData(""", "rope_scaling": {"type": "linear", "factor": 2.0, "beta": 1}""", "config key 'rope_scaling.beta'")]
    [InlineData(""", "rope_parameters": {"rope_type": "yarn", "factor": 4.0}""", "rope_parameters type 'yarn' is not supported")]
    [InlineData(""", "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [1]}""", "config key 'rope_parameters.mrope_section'")]
    [InlineData(""", "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}""", "rope_theta = 10000 disagrees with rope_parameters.rope_theta = 500000")]
    [InlineData(""", "rope_scaling": {"type": "linear", "factor": 2.0}, "rope_parameters": {"rope_type": "linear", "factor": 4.0}""", "rope_scaling (type linear, factor 2")]
    [InlineData(""", "rope_parameters": {"rope_type": "default", "partial_rotary_factor": 0.5}""", "partial_rotary_factor = 0.5 is not supported")]
    [InlineData(""", "torch_dtype": "float32", "dtype": "bfloat16" """, "torch_dtype = 'float32' disagrees with dtype = 'bfloat16'")]
    [InlineData(""", "layer_types": ["full_attention", "sliding_attention"]""", "layer_types[1] = 'sliding_attention' is not supported")]
    [InlineData(""", "layer_types": ["full_attention"]""", "layer_types has 1 entries for num_hidden_layers = 2")]
    public void Keys_that_may_change_the_result_are_refused_by_name(string extra, string expected)
    {
        var e = Assert.Throws<MuscleInputException>(() => TinyConfigs.Llama(extra));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Inert_keys_pass_and_the_list_lives_in_one_place()
    {
        var cfg = TinyConfigs.Llama(""", "_name_or_path": "x", "output_attentions": false, "id2label": {"0": "a"}, "temperature": 0.7, "transformers_version": "5.17.0", "use_cache": true, "initializer_range": 0.1""");
        Assert.Empty(cfg.UnimplementedKeys);
        Assert.Contains("return_dict", ConfigKeys.Inert);
        Assert.DoesNotContain("quantization_config", ConfigKeys.Inert);
    }

    [Fact]
    public void Both_dialects_give_the_same_rotary_settings()
    {
        var v4 = (LlamaConfig)ModelConfigLoader.Parse("""
            { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
              "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "tie_word_embeddings": false, "torch_dtype": "float32",
              "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 32} }
            """);
        var v5 = (LlamaConfig)ModelConfigLoader.Parse("""
            { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
              "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "tie_word_embeddings": false, "dtype": "float32",
              "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 32} }
            """);
        Assert.Equal(500000.0, v4.RopeTheta);
        Assert.Equal(v4.RopeTheta, v5.RopeTheta);
        Assert.Equal("llama3", v5.RopeScaling!.Kind);
        Assert.Equal(Muscle.Modules.RotaryEmbedding.InverseFrequencies(8, v4.RopeTheta, v4.RopeScaling),
                     Muscle.Modules.RotaryEmbedding.InverseFrequencies(8, v5.RopeTheta, v5.RopeScaling));
        var phi = Assert.IsType<PhiConfig>(ModelConfigLoader.Parse("""{"model_type": "phi", "rope_parameters": {"rope_type": "default", "rope_theta": 20000.0, "partial_rotary_factor": 0.25}}"""));
        Assert.Equal((20000.0, 0.25), (phi.RopeTheta, phi.PartialRotaryFactor));
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
