using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>The user-facing names of the supported weight dtypes (<c>--dtype</c>).</summary>
public static class DTypes
{
    /// <summary>The weight dtype when none is asked for.</summary>
    public const ScalarType Default = ScalarType.Float32;

    public static ScalarType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new MuscleInputException($"unsupported --dtype '{name}' (use auto, float32 or bfloat16)"),
    };

    public static string Name(ScalarType t) => t == ScalarType.BFloat16 ? "bfloat16" : t == ScalarType.Float32 ? "float32" : t.ToString();
}
