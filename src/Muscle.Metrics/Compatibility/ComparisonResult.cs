using Muscle.Predictions;

namespace Muscle.Compatibility;

/// <summary>One instance's outputs, for the report's list of negative flips.</summary>
public sealed record FlipExample(
    string Id, string? Input, string? Gold, string? OldOutput, string? NewOutput, string? CompatOutput,
    double ScoreOld, double ScoreNew);

/// <summary>
/// Everything <c>muscle compare</c> reports. Exactly one of <see cref="Discrete"/> / <see cref="Continuous"/> is set.
/// Per-instance S lists are in aligned order (1/0 for discrete metrics).
/// </summary>
public sealed record ComparisonResult(
    CompareMetric Metric,
    string MetricRule,
    AlignedPredictions Predictions,
    IReadOnlyList<double> ScoresOld,
    IReadOnlyList<double> ScoresNew,
    IReadOnlyList<double>? ScoresCompat,
    DiscreteFlipMetrics? Discrete,
    DiscreteFlipMetrics? DiscreteCompat,
    ContinuousFlipMetrics? Continuous,
    ContinuousFlipMetrics? ContinuousCompat,
    CompatibilityDeltas? Deltas,
    double? CompatMcNemarP)
{
    public int N => ScoresOld.Count;
    public bool HasCompat => ScoresCompat is not null;

    /// <summary>The rate <c>--fail-on-nfr</c> gates on: NFR, or NFR_c when a compatibility model is given.</summary>
    public double GatedNfr => Deltas?.NfrC ?? Discrete?.Nfr ?? Continuous!.Nfr;

    /// <summary>
    /// Negative flips old → new, worst first: largest drop in S (for discrete metrics every flip drops by 1, so
    /// they keep file order). At most <paramref name="limit"/>.
    /// </summary>
    public IReadOnlyList<FlipExample> WorstNegativeFlips(int limit)
    {
        var old = Predictions.Old;
        var @new = Predictions.New;
        var compat = Predictions.Compat;
        return Enumerable.Range(0, N)
            .Where(i => ScoresNew[i] < ScoresOld[i])
            .OrderBy(i => ScoresNew[i] - ScoresOld[i])
            .ThenBy(i => i)
            .Take(limit)
            .Select(i => new FlipExample(
                old[i].Id,
                old[i].Input ?? @new[i].Input,
                old[i].Gold?.Text ?? @new[i].Gold?.Text,
                OutputOf(old[i]),
                OutputOf(@new[i]),
                compat is null ? null : OutputOf(compat[i]),
                ScoresOld[i],
                ScoresNew[i]))
            .ToList();
    }

    private static string? OutputOf(PredictionRecord r) => r.Output ?? r.Prediction?.Text;
}
