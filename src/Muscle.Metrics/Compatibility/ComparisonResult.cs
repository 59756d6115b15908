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

    /// <summary>True for a right/wrong metric (accuracy, exact match); false for a similarity S (ROUGE, ...).</summary>
    public bool IsDiscrete => Discrete is not null;

    /// <summary>Accuracy of the old model (discrete) or its mean S (continuous).</summary>
    public double ScoreOld => Discrete?.AccOld ?? Continuous!.ScoreOld;

    /// <summary>Accuracy or mean S of the new model.</summary>
    public double ScoreNew => Discrete?.AccNew ?? Continuous!.ScoreNew;

    /// <summary>Accuracy or mean S of the compatibility model; null without one.</summary>
    public double? ScoreCompat => Deltas?.AccC;

    /// <summary>NFR old → new: the negative flip rate, or the D &lt; 0 rate for a continuous metric (Table 6).</summary>
    public double Nfr => Discrete?.Nfr ?? Continuous!.Nfr;

    /// <summary>PFR old → new, or the D &gt; 0 rate.</summary>
    public double Pfr => Discrete?.Pfr ?? Continuous!.Pfr;

    /// <summary>Table 7's ΔPFR_c = PFR_c − PFR; null without a compatibility model.</summary>
    public double? DeltaPfrC => Deltas is { } x ? x.PfrC - Pfr : null;

    /// <summary>Δacc_c = acc_c − acc_new (mean S for continuous metrics); null without a compatibility model.</summary>
    public double? DeltaScoreC => Deltas is { } x ? (IsDiscrete ? x.DeltaAccC : x.AccC - ScoreNew) : null;

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
