namespace Muscle.Recipes;

/// <summary>
/// <c>--strategy auto</c>: which strategies to train as candidates (null: <see cref="StrategySelection.DefaultCandidates"/>
/// for the task's kind) and the score tolerance of the selection rule (<see cref="StrategySelection.Choose"/>).
/// </summary>
public sealed record StrategySelectionOptions
{
    /// <summary>Fraction: 0.02 lets a candidate's validation score lie up to two points below the v2 adapter's.</summary>
    public double Tolerance { get; init; } = StrategySelection.DefaultTolerance;

    /// <summary>Candidate arms (ids as <c>ablate --strategies</c> takes them, <c>muscle+ce</c> included); null: by task kind.</summary>
    public IReadOnlyList<string>? Candidates { get; init; }

    public void Validate()
    {
        if (!double.IsFinite(Tolerance) || Tolerance < 0 || Tolerance >= 1)
            throw new Muscle.Infrastructure.MuscleInputException($"--select-tolerance must be a number of points in [0, 100), got {100 * Tolerance}");
    }
}
