namespace Muscle.Recipes;

/// <summary>
/// What <see cref="StrategySelection.Choose"/> decided: the chosen candidate, whether it met the score tolerance,
/// the rule in words, and every candidate it weighed (validation numbers; no test number enters the choice).
/// </summary>
/// <param name="ScoreNew">The v2 task adapter's validation score, the reference of the tolerance (fraction).</param>
/// <param name="Tolerance">How far below <paramref name="ScoreNew"/> a candidate's score may be (fraction: 0.02 is two points).</param>
public sealed record StrategyChoice(string Chosen, bool WithinTolerance, double ScoreNew, double Tolerance, string Reason,
                                    IReadOnlyList<StrategyCandidate> Candidates)
{
    public StrategyCandidate ChosenCandidate => Candidates.Single(c => c.Name == Chosen);

    /// <summary>True when <paramref name="c"/>'s score is at least the v2 adapter's minus the tolerance.</summary>
    public bool IsEligible(StrategyCandidate c) => StrategySelection.IsEligible(c, ScoreNew, Tolerance);
}
