using Muscle.Infrastructure;
using Muscle.Training.Losses;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// <c>--teacher-cache DIR</c>: where both teachers' per-token summaries live, and how much of each distribution to keep.
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

    public void Validate(CompatibilityStrategy strategy)
    {
        if (K < 1) throw new MuscleInputException($"--teacher-cache-k must be >= 1, got {K}");
        if (ValueType is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(ValueType), ValueType, "teacher cache values are Float32 or BFloat16");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ShardTokens);
        if (strategy == CompatibilityStrategy.FocalLm)
            throw new MuscleInputException("strategy focal-lm matches the old model's full logits, which --teacher-cache does not keep: drop --teacher-cache");
        if (strategy.IsChoiceLevel())
            throw new MuscleInputException($"strategy {strategy.Id()} is choice-level; --teacher-cache stores token-level teachers only");
    }
}

/// <summary>What <see cref="TeacherCache.Open"/> did with the directory.</summary>
public enum TeacherCacheStatus
{
    /// <summary>No cache was there: both teachers ran once over every training and validation sequence.</summary>
    Built,
    /// <summary>A cache was there but its manifest no longer matched the run (see <see cref="CachedTeachers.StaleReason"/>): rebuilt.</summary>
    Rebuilt,
    /// <summary>The manifest matched: no teacher was loaded.</summary>
    Reused,
}
