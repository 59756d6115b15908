using Muscle.Configuration;

namespace Muscle.Tests.Models;

/// <summary>Tiny random-init configs, written as config.json text so the key mapping is exercised too.</summary>
internal static class TinyConfigs
{
    public static LlamaConfig Llama(string extra = "") => (LlamaConfig)ModelConfigLoader.Parse($$"""
        { "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
          "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
          "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false {{extra}} }
        """);

    public static LlamaConfig Qwen2Tied() => (LlamaConfig)ModelConfigLoader.Parse("""
        { "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 64, "hidden_size": 32,
          "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
          "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": true,
          "use_sliding_window": false, "sliding_window": 64, "max_window_layers": 2 }
        """);

    public static PhiConfig Phi() => (PhiConfig)ModelConfigLoader.Parse("""
        { "architectures": ["PhiForCausalLM"], "model_type": "phi", "vocab_size": 64, "hidden_size": 32,
          "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "max_position_embeddings": 64,
          "layer_norm_eps": 1e-5, "partial_rotary_factor": 0.5, "hidden_act": "gelu_new", "qk_layernorm": false,
          "resid_pdrop": 0.1, "embd_pdrop": 0.0, "attention_dropout": 0.0, "tie_word_embeddings": false }
        """);

    public static Gpt2Config Gpt2() => (Gpt2Config)ModelConfigLoader.Parse("""
        { "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 64, "n_embd": 32, "n_layer": 2,
          "n_head": 4, "n_positions": 64, "n_ctx": 64, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new" }
        """);

    public static IEnumerable<object[]> All() =>
    [
        ["llama"], ["qwen2"], ["phi"], ["gpt2"],
    ];

    public static ModelConfig ByName(string name) => name switch
    {
        "llama" => Llama(),
        "qwen2" => Qwen2Tied(),
        "phi" => Phi(),
        "gpt2" => Gpt2(),
        _ => throw new ArgumentException(name),
    };
}
