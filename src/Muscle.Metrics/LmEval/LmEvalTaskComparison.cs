using Muscle.Compatibility;

namespace Muscle.LmEval;

/// <summary>
/// One task compared: the filter and lm-eval metric used, and the flip metrics. <see cref="Result"/>'s own metric
/// is accuracy (a 0/1 lm-eval metric, with the prediction = argmax choice or the filtered text, for NFR_mc) or
/// score (a graded metric such as rouge1 or f1, D = S_new − S_old). With a compatibility run, <see cref="Result"/>
/// holds its scores too (NFR_c, ΔNFR_c, Δ%NFR_c in <see cref="ComparisonResult.Deltas"/>) and
/// <see cref="CompatBootstrap"/> their paired bootstrap intervals (null without a compat run or with --bootstrap 0).
/// </summary>
public sealed record LmEvalTaskComparison(
    string Task,
    string OutputType,
    string Filter,
    string Metric,
    ComparisonResult Result,
    BootstrapIntervals? Bootstrap,
    CompatibilityBootstrap? CompatBootstrap = null)
{
    /// <summary>acc_new − acc_old, or the mean S difference for a graded metric.</summary>
    public double DeltaScore => Result.ScoreNew - Result.ScoreOld;
}
