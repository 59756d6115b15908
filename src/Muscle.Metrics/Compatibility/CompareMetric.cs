namespace Muscle.Compatibility;

/// <summary>How a prediction is scored against its gold answer.</summary>
public enum CompareMetric
{
    /// <summary>Chosen from the files, see <see cref="ComparisonRunner.ResolveMetric"/>.</summary>
    Auto,
    /// <summary>Discrete: the file's <c>correct</c>, else gold = prediction.</summary>
    Accuracy,
    /// <summary>Discrete: exact string equality of prediction and gold, ignoring <c>correct</c>.</summary>
    ExactMatch,
    Rouge1,
    Rouge2,
    RougeL,
    RougeLsum,
    /// <summary>Continuous: the file's numeric <c>score</c>.</summary>
    Score,
}

public static class CompareMetrics
{
    /// <summary>The CLI and JSON spelling: accuracy, exact-match, rouge1, rouge2, rougeL, rougeLsum, score, auto.</summary>
    public static string Name(this CompareMetric metric) => metric switch
    {
        CompareMetric.Auto => "auto",
        CompareMetric.Accuracy => "accuracy",
        CompareMetric.ExactMatch => "exact-match",
        CompareMetric.Rouge1 => "rouge1",
        CompareMetric.Rouge2 => "rouge2",
        CompareMetric.RougeL => "rougeL",
        CompareMetric.RougeLsum => "rougeLsum",
        CompareMetric.Score => "score",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    public static IReadOnlyList<string> AllNames { get; } = Enum.GetValues<CompareMetric>().Select(Name).ToArray();

    public static CompareMetric? TryParse(string name) =>
        Enum.GetValues<CompareMetric>().Where(m => m.Name() == name).Select(m => (CompareMetric?)m).FirstOrDefault();

    /// <summary>Discrete metrics yield right/wrong per instance; the others a similarity S in [0, 1] (or any score).</summary>
    public static bool IsDiscrete(this CompareMetric metric) => metric is CompareMetric.Accuracy or CompareMetric.ExactMatch;
}
