using Muscle.Configuration;
using Muscle.Models.Gpt2;
using Muscle.Models.Llama;
using Muscle.Models.Phi;
using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>Builds the model a config describes, directly on the target device and dtype (no CPU detour).</summary>
public static partial class CausalLMFactory
{
    /// <summary>
    /// Parameters are created on <paramref name="device"/> (default CPU; META allocates nothing) in
    /// <paramref name="dtype"/> (default float32; float32 and bfloat16 are supported), with HF's random init.
    /// </summary>
    public static ICausalLM Create(ModelConfig cfg, Device? device = null, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (dtype is { } d && d != ScalarType.Float32 && d != ScalarType.BFloat16)
            throw new NotSupportedException($"dtype {d} is not supported; use float32 or bfloat16");
        return cfg switch
        {
            LlamaConfig c => new LlamaForCausalLM(c, device, dtype),
            PhiConfig c => new PhiForCausalLM(c, device, dtype),
            Gpt2Config c => new GPT2LMHeadModel(c, device, dtype),
            _ => throw new NotSupportedException($"no model for config type {cfg.GetType().Name}"),
        };
    }
}
