using System.CommandLine;
using Muscle.Training;
using MuscleInputException = Muscle.Infrastructure.MuscleInputException;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The adapter-training recipe shared by <c>train-adapter</c>, <c>train-compat</c>, <c>update</c> and <c>ablate</c>: the
/// LoRA shape (<see cref="Lora"/>) and the optimisation settings; defaults are <see cref="AdapterTrainingOptions"/>'s.
/// </summary>
public sealed class TrainingOptionSet
{
    private static readonly AdapterTrainingOptions D = new();

    public LoraOptionSet Lora { get; } = new();
    public Option<double> Lr { get; } = new("--lr") { Description = "Peak learning rate (AdamW).", DefaultValueFactory = _ => D.LearningRate };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Epochs.", DefaultValueFactory = _ => D.Epochs };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Sequences per micro-batch.", DefaultValueFactory = _ => D.BatchSize };
    public Option<int> GradAccum { get; } = new("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => D.GradAccum };
    public Option<int> MaxSeqLen { get; } = new("--max-seq-len") { Description = "Longest training sequence (cut from the left).", DefaultValueFactory = _ => D.MaxSeqLen };
    public Option<long> Warmup { get; } = new("--warmup") { Description = "Linear warmup steps, then linear decay to 0.", DefaultValueFactory = _ => D.WarmupSteps };
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => D.WeightDecay };
    public Option<long> Seed { get; } = new("--seed") { Description = "Seed of the adapter init, the data order and the 80/20 split.", DefaultValueFactory = _ => D.Seed };
    public Option<string> LossOn { get; } = new("--loss-on")
    {
        Description = "Loss over all tokens (context + answer, the paper) or the answer only.",
        DefaultValueFactory = _ => D.LossOn.ToString().ToLowerInvariant(),
        CompletionSources = { Enum.GetNames<LossOn>().Select(n => n.ToLowerInvariant()).ToArray() },
    };
    public Option<int> SaveSteps { get; } = new("--save-steps") { Description = "Write a resumable checkpoint every N optimizer steps.", DefaultValueFactory = _ => D.SaveSteps };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue from OUT/checkpoints/last (after a crash or kill)." };
    public Option<long?> MaxSteps { get; } = CreateMaxSteps();

    /// <summary><c>--max-steps</c>, declared here for every trainer (pretrain takes it too, outside this set).</summary>
    public static Option<long?> CreateMaxSteps() => new("--max-steps")
    {
        Description = "Stop after N optimizer steps (fewer than the epochs would take); the learning-rate schedule is sized to them.",
    };

    public void AddTo(Command command)
    {
        Lora.AddTo(command);
        foreach (Option o in new Option[] { Lr, Epochs, BatchSize, GradAccum, MaxSeqLen, Warmup, WeightDecay, Seed, LossOn, SaveSteps, Resume, MaxSteps })
            command.Options.Add(o);
    }

    public AdapterTrainingOptions Bind(ParseResult parse)
    {
        var options = D.WithLora(Lora.Bind(parse)) with
        {
            LearningRate = parse.GetValue(Lr),
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(BatchSize),
            GradAccum = parse.GetValue(GradAccum),
            MaxSeqLen = parse.GetValue(MaxSeqLen),
            WarmupSteps = parse.GetValue(Warmup),
            WeightDecay = parse.GetValue(WeightDecay),
            Seed = parse.GetValue(Seed),
            SaveSteps = parse.GetValue(SaveSteps),
            MaxSteps = parse.GetValue(MaxSteps),
            LossOn = parse.GetValue(LossOn)!.ToLowerInvariant() switch
            {
                "all" => Training.LossOn.All,
                "answer" => Training.LossOn.Answer,
                var v => throw new MuscleInputException($"--loss-on must be all or answer, got '{v}'"),
            },
        };
        options.Validate();
        return options;
    }
}
