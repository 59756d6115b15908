using Muscle.Compatibility;

namespace Muscle.Recipes;

/// <summary>
/// Outcome of an update: where everything is, and the comparison of v1, v2 and the compatibility model on the test set;
/// under <c>--strategy auto</c> also the choice made on the validation split.
/// </summary>
public sealed record UpdateResult(string NewAdapterDir, string CompatAdapterDir, string PredictionsDir, string ReportDir,
                                  ComparisonResult Comparison, IReadOnlyList<string> SkippedStages,
                                  StrategyChoice? Selection = null)
{
    /// <summary>The strategy of the compatibility adapter: the chosen one under <c>--strategy auto</c>.</summary>
    public string? Strategy { get; init; }
}
