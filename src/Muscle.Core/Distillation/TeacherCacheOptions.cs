using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// <c>--teacher-cache DIR</c>: where both teachers' per-token summaries (token-level strategies, <c>--with-token-loss</c>)
/// and per-choice scores (choice-level strategies) live, and how much of each token distribution to keep.
/// </summary>
/// <param name="Dir">The cache directory (created if absent; refused if it holds anything but a teacher cache).</param>
public sealed record TeacherCacheOptions(string Dir)
{
    public const int DefaultK = 64;

    /// <summary>Top-k entries of p_teacher^T kept per token; the rest is one tail bucket. k ≥ V keeps the full support.</summary>
    public int K { get; init; } = DefaultK;

    /// <summary>Storage type of the top-k log-probabilities: Float32 (default) or BFloat16 (see TeacherCacheTests for the error).</summary>
    public ScalarType ValueType { get; init; } = ScalarType.Float32;

    /// <summary>Counted tokens per shard file: bounds the memory of the build pass, not the result.</summary>
    public int ShardTokens { get; init; } = 1 << 16;

    /// <summary>
    /// Build the token-level top-k part even if this run does not need it (a choice-level strategy without
    /// <c>--with-token-loss</c>). <c>muscle ablate</c> sets the union of its arms' needs, so one build serves every arm.
    /// </summary>
    public bool KeepTokens { get; init; }

    /// <summary>Build the per-choice scores even if this run is token-level (multiple-choice tasks only; see <see cref="KeepTokens"/>).</summary>
    public bool KeepChoices { get; init; }

    public void Validate(CompatibilityStrategy strategy)
    {
        if (K < 1) throw new MuscleInputException($"--teacher-cache-k must be >= 1, got {K}");
        if (ValueType is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(ValueType), ValueType, "teacher cache values are Float32 or BFloat16");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ShardTokens);
        if (!strategy.UsesTeacherCache)
            throw new MuscleInputException($"strategy {strategy.Id} needs the old model's full logits, which --teacher-cache does not keep: drop --teacher-cache");
    }
}
