using System.Globalization;
using Muscle.Infrastructure;

namespace Muscle.Recipes;

/// <summary>
/// The recipe of a pretraining run (everything but the model, corpus and tokenizer). Exactly one of
/// <see cref="Steps"/> and <see cref="Epochs"/> sets the length; with neither, one epoch.
/// </summary>
public sealed record PretrainOptions
{
    /// <summary>Optimizer steps of <see cref="BatchSize"/> windows each; epochs follow one another as needed.</summary>
    public long? Steps { get; init; }

    /// <summary>Passes over the corpus's windows; the last step may hold fewer windows.</summary>
    public int? Epochs { get; init; }

    /// <summary>
    /// At most this many optimizer steps (<c>--max-steps</c>), whatever <see cref="Steps"/> or <see cref="Epochs"/> ask
    /// for. Left out of the serialized recipe when null (stage fingerprints keep their shape).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxSteps { get; init; }

    public int BatchSize { get; init; } = 16;

    /// <summary>T: positions per window (each window holds T + 1 tokens: inputs and shifted labels).</summary>
    public int SeqLen { get; init; } = 128;

    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Linear warmup steps, then linear decay to 0 at the last step (HF's linear schedule).</summary>
    public long WarmupSteps { get; init; } = 50;

    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Seed of the random init (fresh models) and of the window order.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Write a resumable checkpoint every N steps (and at the end).</summary>
    public int SaveSteps { get; init; } = 500;

    /// <summary>Report the loss every N steps (the loop's only host sync) and at steps 1 and last.</summary>
    public int LogSteps { get; init; } = 20;

    public void Validate()
    {
        if (Steps is not null && Epochs is not null) throw new MuscleInputException("give --steps or --epochs, not both");
        if (Steps is <= 0) throw new MuscleInputException($"--steps must be >= 1, got {Steps}");
        if (MaxSteps is <= 0) throw new MuscleInputException($"--max-steps must be >= 1, got {MaxSteps}");
        if (Epochs is <= 0) throw new MuscleInputException($"--epochs must be >= 1, got {Epochs}");
        Positive("--batch-size", BatchSize);
        Positive("--seq-len", SeqLen);
        Positive("--lr", LearningRate);
        Positive("--save-steps", SaveSteps);
        Positive("--log-steps", LogSteps);
        if (WarmupSteps < 0) throw new MuscleInputException($"--warmup must be >= 0, got {WarmupSteps}");
        if (!(WeightDecay >= 0)) throw new MuscleInputException($"--weight-decay must be >= 0, got {Fmt(WeightDecay)}");
    }

    /// <summary>Windows seen over the whole run, given the corpus's window count.</summary>
    public long TotalSamples(int windowCount)
    {
        var samples = Steps is { } s ? s * BatchSize : (long)(Epochs ?? 1) * windowCount;
        return MaxSteps is { } max ? Math.Min(samples, max * BatchSize) : samples;
    }

    public long TotalSteps(int windowCount)
    {
        var steps = Steps ?? ((Epochs ?? 1) * (long)windowCount + BatchSize - 1) / BatchSize;
        return MaxSteps is { } max ? Math.Min(steps, max) : steps;
    }

    private static void Positive(string name, double v)
    {
        if (!(v > 0)) throw new MuscleInputException($"{name} must be > 0, got {Fmt(v)}");
    }

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
