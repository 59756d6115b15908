using System.Text.Json.Serialization;
using Muscle.Adapters;
using Muscle.Infrastructure;

namespace Muscle.Training;

/// <summary>
/// The recipe of a task adapter (and, shared, of a compatibility adapter). Defaults are the paper's (Table 8):
/// r 128, α 256, dropout 0, all linear layers, lr 1e-4, 500 warmup steps, no weight decay, grad-accum 8, 10 epochs.
/// Batch size and sequence length are open in the paper; 8 and 512 here.
/// </summary>
public sealed record AdapterTrainingOptions
{
    public int Rank { get; init; } = 128;
    public double Alpha { get; init; } = 256;
    public double Dropout { get; init; }
    /// <summary>Null = all linear layers of the blocks (lm_head excluded), as PEFT's <c>all-linear</c>.</summary>
    public IReadOnlyList<string>? Targets { get; init; }
    public double LearningRate { get; init; } = 1e-4;
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Stop after this many optimizer steps (<c>--max-steps</c>), the schedule sized to them; null: every step of
    /// <see cref="Epochs"/>. Left out of the serialized recipe when null, so checkpoints and stage fingerprints of runs
    /// without it keep their shape.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? MaxSteps { get; init; }
    public int BatchSize { get; init; } = 8;
    public int GradAccum { get; init; } = 8;
    public int MaxSeqLen { get; init; } = 512;
    public long WarmupSteps { get; init; } = 500;
    public double WeightDecay { get; init; }
    public long Seed { get; init; } = 42;
    public LossOn LossOn { get; init; } = LossOn.All;
    /// <summary>Validation share when no validation file is given (the paper: 80/20).</summary>
    public double ValidFraction { get; init; } = 0.2;
    /// <summary>Save a resumable checkpoint every this many optimizer steps (and at every epoch end).</summary>
    public int SaveSteps { get; init; } = 50;
    /// <summary>Emit a progress report every this many optimizer steps (the only host sync of the loop).</summary>
    public int LogSteps { get; init; } = 10;

    /// <summary>
    /// The PEFT config of the adapter this recipe trains. A method, not a property: these options are serialized into
    /// checkpoints and stage fingerprints, whose shape must not change.
    /// </summary>
    public LoraConfig ToLoraConfig() => new() { R = Rank, LoraAlpha = Alpha, LoraDropout = Dropout, TargetModules = Targets };

    /// <summary>
    /// This recipe with <paramref name="config"/>'s rank, alpha, dropout and targets; a regex <c>target_modules</c> keeps this
    /// recipe's targets, since these options hold module names only. The inverse of <see cref="ToLoraConfig"/>.
    /// </summary>
    public AdapterTrainingOptions WithLora(LoraConfig config) => this with
    {
        Rank = config.R,
        Alpha = config.LoraAlpha,
        Dropout = config.LoraDropout,
        Targets = config.TargetRegex is null ? config.TargetModules : Targets,
    };

    public void Validate()
    {
        void Positive(string name, double v)
        {
            if (!(v > 0)) throw new MuscleInputException($"{name} must be > 0, got {v}");
        }
        Positive("--rank", Rank);
        Positive("--alpha", Alpha);
        Positive("--lr", LearningRate);
        Positive("--epochs", Epochs);
        Positive("--batch-size", BatchSize);
        Positive("--grad-accum", GradAccum);
        Positive("--max-seq-len", MaxSeqLen);
        Positive("--save-steps", SaveSteps);
        Positive("--log-steps", LogSteps);
        if (Dropout is < 0 or >= 1) throw new MuscleInputException($"--dropout must be in [0, 1), got {Dropout}");
        if (MaxSteps is <= 0) throw new MuscleInputException($"--max-steps must be >= 1, got {MaxSteps}");
        if (WarmupSteps < 0) throw new MuscleInputException($"--warmup must be >= 0, got {WarmupSteps}");
        if (WeightDecay < 0) throw new MuscleInputException($"--weight-decay must be >= 0, got {WeightDecay}");
        if (ValidFraction is <= 0 or >= 1) throw new MuscleInputException($"validation fraction must be in (0, 1), got {ValidFraction}");
    }
}
