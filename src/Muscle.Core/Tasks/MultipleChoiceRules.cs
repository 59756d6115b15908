namespace Muscle.Tasks;

/// <summary>lm-eval's two multiple-choice decisions over per-choice summed log-likelihoods.</summary>
public static class MultipleChoiceRules
{
    /// <summary>
    /// acc: argmax of the summed log-likelihoods; acc_norm: argmax of log-likelihood / <see cref="TaskExample.NormLength"/>.
    /// Ties go to the first maximum (numpy argmax). A zero length divides to ±infinity as in numpy.
    /// </summary>
    public static MultipleChoicePrediction Decide(IReadOnlyList<double> logLikelihoods, TaskExample example)
    {
        ArgumentNullException.ThrowIfNull(logLikelihoods);
        if (logLikelihoods.Count != example.Choices.Count)
            throw new ArgumentException(
                $"got {logLikelihoods.Count} log-likelihoods for example '{example.Id}' with {example.Choices.Count} choices",
                nameof(logLikelihoods));
        var normalised = new double[logLikelihoods.Count];
        for (var j = 0; j < normalised.Length; j++) normalised[j] = logLikelihoods[j] / example.NormLength(j);
        return new MultipleChoicePrediction(ArgMaxFirst(logLikelihoods), ArgMaxFirst(normalised));
    }

    /// <summary>Index of the first maximum; NaN never wins (numpy would pick it, but a NaN score is a bug upstream).</summary>
    public static int ArgMaxFirst(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var best = 0;
        for (var j = 1; j < values.Count; j++)
            if (values[j] > values[best] || double.IsNaN(values[best])) best = j;
        return best;
    }
}
