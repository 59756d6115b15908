namespace Muscle.Recipes;

/// <summary>How big the embedded demo is: the full run (~9 min on an idle 2-core machine with <c>auto</c>, docs/RESULTS.md) or <c>--quick</c> (≤ 2 min, the CI smoke test).</summary>
public sealed record DemoOptions
{
    public bool Quick { get; init; }
    public required string OutDir { get; init; }
    /// <summary>The world's seed (words, tokenizer, data). Bases and adapters use fixed seeds of their own.</summary>
    public long WorldSeed { get; init; } = 1;
    /// <summary>Seeds of the task and compatibility adapters: one run of every task per seed, on the same bases.</summary>
    public IReadOnlyList<long> AdapterSeeds { get; init; } = [DemoPipeline.DefaultAdapterSeed];
    /// <summary>
    /// The strategies table of every task (choice-level ones only on the multiple-choice task); null: the plain-CE control
    /// <c>vanilla</c> and the task kind's candidates (<see cref="DemoPipeline.Candidates"/>), or the candidates alone with <c>--quick</c>.
    /// </summary>
    public IReadOnlyList<string>? Strategies { get; init; }

    /// <summary>
    /// Each task's compatibility adapter: null (<c>--strategy auto</c>, the default) chooses among the candidates on the
    /// validation split (<see cref="StrategySelection"/>); a strategy id trains that one.
    /// </summary>
    public string? Strategy { get; init; }

    /// <summary>The selection rule's score tolerance (fraction) under <c>auto</c>.</summary>
    public double SelectTolerance { get; init; } = StrategySelection.DefaultTolerance;
    /// <summary>Only these tasks (by world task name); null: all three.</summary>
    public IReadOnlyList<string>? Tasks { get; init; }
    /// <summary><c>--dtype</c> of every model the demo trains and evaluates (its bases are written in this dtype).</summary>
    public TorchSharp.torch.ScalarType DType { get; init; } = Models.DTypes.Default;
    /// <summary><c>--device</c>: where every model computes; null: the CPU.</summary>
    public TorchSharp.torch.Device? Device { get; init; }
}
