using System.CommandLine;
using Muscle.Evaluation;
using Muscle.Infrastructure;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// How a command evaluates: <c>--limit</c> everywhere it evaluates (eval, update, ablate); the scoring settings
/// (<c>--batch-size</c>, <c>--max-seq-len</c>, <c>--max-new-tokens</c>) where evaluation is the whole command. Defaults
/// are <see cref="EvaluationOptions"/>'s; every value is checked when bound, before any work.
/// </summary>
public sealed class EvaluationOptionSet(bool withScoring)
{
    private static readonly EvaluationOptions Defaults = new();

    public Option<int?> Limit { get; } = new("--limit") { Description = "Evaluate only the first N instances (lm-eval's --limit)." };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Requests scored together.", DefaultValueFactory = _ => Defaults.BatchSize };
    public Option<int> MaxSeqLen { get; } = new("--max-seq-len")
    {
        Description = "Longest scored sequence (contexts cut from the left).", DefaultValueFactory = _ => Defaults.MaxSeqLen,
    };
    public Option<int?> MaxNewTokens { get; } = new("--max-new-tokens") { Description = "Override the task's generation length." };

    public void AddTo(Command command)
    {
        command.Options.Add(Limit);
        if (!withScoring) return;
        foreach (Option o in new Option[] { BatchSize, MaxSeqLen, MaxNewTokens }) command.Options.Add(o);
    }

    public EvaluationOptions Bind(ParseResult parse) => new()
    {
        Limit = parse.GetValue(Limit) is int l ? Positive(l, Limit.Name) : null,
        BatchSize = withScoring ? Positive(parse.GetValue(BatchSize), BatchSize.Name) : Defaults.BatchSize,
        MaxSeqLen = withScoring ? Positive(parse.GetValue(MaxSeqLen), MaxSeqLen.Name) : Defaults.MaxSeqLen,
        MaxNewTokens = withScoring && parse.GetValue(MaxNewTokens) is int m ? Positive(m, MaxNewTokens.Name) : null,
    };

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new MuscleInputException($"{name} must be > 0, got {value}");
}
