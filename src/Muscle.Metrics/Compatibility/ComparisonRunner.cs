using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Rouge;

namespace Muscle.Compatibility;

/// <summary>
/// Scores aligned predictions with one metric and computes every flip metric for old → new and, when given,
/// old → compat. The single entry point behind <c>muscle compare</c>; usable for any system's predictions.
/// </summary>
public static class ComparisonRunner
{
    /// <summary>
    /// The rule <c>--metric auto</c> applies, in order: every line has <c>correct</c> → accuracy; every gold and
    /// prediction is an integer → accuracy; every line has gold and prediction and some are strings (free text)
    /// → rouge1; no gold/prediction but every line has <c>score</c> → score. Anything else asks for --metric.
    /// </summary>
    public const string AutoRule =
        "auto: accuracy when every line has \"correct\" or gold/prediction are integers; rouge1 when gold/prediction are text; score when lines carry only \"score\"";

    public static ComparisonResult Compare(AlignedPredictions aligned, CompareMetric metric = CompareMetric.Auto, bool rougeStemmer = false)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        var (resolved, why) = metric == CompareMetric.Auto ? ResolveMetric(aligned) : (metric, "chosen with --metric");
        var sets = Sets(aligned).ToList();
        foreach (var (set, records) in sets) Require(resolved, set, records);

        var scorer = resolved is CompareMetric.Rouge1 or CompareMetric.Rouge2 or CompareMetric.RougeL or CompareMetric.RougeLsum
            ? new RougeScorer(resolved.Name(), rougeStemmer)
            : null;
        var s = sets.Select(x => x.Records.Select(r => Score(resolved, scorer, r)).ToArray()).ToList();
        var sOld = s[0];
        var sNew = s[1];
        var sCompat = s.Count > 2 ? s[2] : null;

        if (resolved.IsDiscrete())
        {
            var oldC = sOld.Select(v => v == 1).ToArray();
            var newC = sNew.Select(v => v == 1).ToArray();
            var d = DiscreteFlipMetrics.Compute(oldC, newC, Differ(aligned.Old, aligned.New));
            DiscreteFlipMetrics? dc = null;
            CompatibilityDeltas? deltas = null;
            double? pCompat = null;
            if (sCompat is not null)
            {
                var compatC = sCompat.Select(v => v == 1).ToArray();
                dc = DiscreteFlipMetrics.Compute(oldC, compatC, Differ(aligned.Old, aligned.Compat!));
                deltas = CompatibilityDeltas.From(d, dc);
                pCompat = CompatEffectP(
                    oldC.Select((o, i) => o && !newC[i]).ToArray(), oldC.Select((o, i) => o && !compatC[i]).ToArray());
            }
            return new ComparisonResult(resolved, why, aligned, sOld, sNew, sCompat, d, dc, null, null, deltas, pCompat);
        }
        else
        {
            var c = ContinuousFlipMetrics.Compute(sOld, sNew);
            var cc = sCompat is null ? null : ContinuousFlipMetrics.Compute(sOld, sCompat);
            var deltas = cc is null ? null : CompatibilityDeltas.From(c, cc);
            double? pCompat = sCompat is null
                ? null
                : CompatEffectP(sNew.Select((v, i) => v < sOld[i]).ToArray(), sCompat.Select((v, i) => v < sOld[i]).ToArray());
            return new ComparisonResult(resolved, why, aligned, sOld, sNew, sCompat, null, null, c, cc, deltas, pCompat);
        }
    }

    public static (CompareMetric Metric, string Why) ResolveMetric(AlignedPredictions aligned)
    {
        var all = Sets(aligned).SelectMany(x => x.Records).ToList();
        if (all.All(r => r.Correct is not null))
            return (CompareMetric.Accuracy, "auto: every line has \"correct\"");
        if (all.All(r => r.Gold is { IsInteger: true } && r.Prediction is { IsInteger: true }))
            return (CompareMetric.Accuracy, "auto: gold and prediction are integers");
        if (all.All(r => r.Gold is not null && r.Prediction is not null))
            return (CompareMetric.Rouge1, "auto: gold and prediction are text, scored with ROUGE-1 F");
        if (all.All(r => r.Score is not null))
            return (CompareMetric.Score, "auto: lines carry a numeric \"score\"");
        var bad = Sets(aligned)
            .SelectMany(x => x.Records.Select(r => (x.File, r)))
            .First(t => t.r.Gold is null || t.r.Prediction is null);
        throw new MuscleInputException(
            "cannot choose a metric automatically: this line has neither \"correct\", both \"gold\" and \"prediction\", nor a \"score\" shared by all lines; pass --metric",
            bad.File, bad.r.Line);
    }

    private static IEnumerable<(string File, IReadOnlyList<PredictionRecord> Records)> Sets(AlignedPredictions a)
    {
        yield return (a.OldSet.File, a.Old);
        yield return (a.NewSet.File, a.New);
        if (a.Compat is not null) yield return (a.CompatSet!.File, a.Compat);
    }

    private static void Require(CompareMetric metric, string file, IReadOnlyList<PredictionRecord> records)
    {
        foreach (var r in records)
        {
            string? missing = metric switch
            {
                CompareMetric.Score when r.Score is null => "\"score\"",
                CompareMetric.Accuracy when r.Prediction is null => "\"prediction\" (needed for NFR_mc)",
                CompareMetric.Accuracy when r.Correct is null && r.Gold is null => "\"gold\" or \"correct\"",
                CompareMetric.Score or CompareMetric.Accuracy => null,
                _ when r.Gold is null => "\"gold\"",
                _ when r.Prediction is null => "\"prediction\"",
                _ => null,
            };
            if (missing is not null)
                throw new MuscleInputException($"metric {metric.Name()} needs {missing} on every line", file, r.Line);
        }
    }

    private static double Score(CompareMetric metric, RougeScorer? rouge, PredictionRecord r) => metric switch
    {
        CompareMetric.Accuracy => (r.Correct ?? r.Gold!.Value.Text == r.Prediction!.Value.Text) ? 1 : 0,
        CompareMetric.ExactMatch => r.Gold!.Value.Text == r.Prediction!.Value.Text ? 1 : 0,
        CompareMetric.Score => r.Score!.Value,
        _ => rouge!.Score(r.Gold!.Value.Text, r.Prediction!.Value.Text).FMeasure,
    };

    private static bool[] Differ(IReadOnlyList<PredictionRecord> a, IReadOnlyList<PredictionRecord> b) =>
        a.Select((r, i) => r.Prediction?.Text != b[i].Prediction?.Text).ToArray();

    /// <summary>
    /// McNemar on "negative flip under new" vs "negative flip under compat": does the
    /// compatibility model remove more negative flips than it adds?
    /// </summary>
    private static double CompatEffectP(bool[] negativeFlipNew, bool[] negativeFlipCompat)
    {
        int u = 0, w = 0;
        for (var i = 0; i < negativeFlipNew.Length; i++)
        {
            if (negativeFlipNew[i] && !negativeFlipCompat[i]) u++;
            else if (!negativeFlipNew[i] && negativeFlipCompat[i]) w++;
        }
        return McNemar.ExactP(u, w);
    }
}
