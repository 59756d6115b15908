namespace Muscle.Compatibility;

/// <summary>
/// Flip metrics for a task where each prediction is right or wrong. Rates are fractions of N;
/// names follow the paper. <see cref="Btc"/> and <see cref="Nfi"/> are null when their denominator is 0.
/// </summary>
public sealed record DiscreteFlipMetrics(
    FlipTable Table,
    double AccOld,
    double AccNew,
    double Nfr,
    double Pfr,
    double NfrMc,
    double? Btc,
    double? Nfi,
    double McNemarP,
    RateInterval AccOldInterval,
    RateInterval AccNewInterval,
    RateInterval NfrInterval,
    RateInterval PfrInterval,
    RateInterval? BtcInterval)
{
    public int N => Table.N;

    /// <param name="oldCorrect">c¹ᵢ per aligned instance.</param>
    /// <param name="newCorrect">c²ᵢ per aligned instance.</param>
    /// <param name="predictionsDiffer">ŷ¹ᵢ ≠ ŷ²ᵢ, for NFR_mc (Sec. 3.2: new wrong and different from old).</param>
    public static DiscreteFlipMetrics Compute(IReadOnlyList<bool> oldCorrect, IReadOnlyList<bool> newCorrect, IReadOnlyList<bool> predictionsDiffer)
    {
        ArgumentNullException.ThrowIfNull(predictionsDiffer);
        var t = FlipTable.Count(oldCorrect, newCorrect);
        if (predictionsDiffer.Count != t.N)
            throw new ArgumentException($"{predictionsDiffer.Count} prediction comparisons for {t.N} instances");
        if (t.N == 0) throw new ArgumentException("no instances to compare");
        var n = t.N;
        var mc = 0;
        // A right-to-wrong flip is a change of answer even when a file's own `correct` flags disagree with its
        // prediction text (e.g. several accepted answers), so it always counts: NFR ≤ NFR_mc holds by construction.
        for (var i = 0; i < n; i++)
            if (!newCorrect[i] && (predictionsDiffer[i] || oldCorrect[i])) mc++;
        var oldRight = t.N11 + t.N10;
        var newWrong = t.N10 + t.N00;
        return new DiscreteFlipMetrics(
            t,
            AccOld: (double)oldRight / n,
            AccNew: (double)(t.N11 + t.N01) / n,
            Nfr: (double)t.N10 / n,
            Pfr: (double)t.N01 / n,
            NfrMc: (double)mc / n,
            Btc: oldRight == 0 ? null : (double)t.N11 / oldRight,
            Nfi: newWrong == 0 ? null : (double)t.N10 / newWrong,
            McNemarP: McNemar.ExactP(t.N10, t.N01),
            AccOldInterval: Wilson.Interval(oldRight, n),
            AccNewInterval: Wilson.Interval(t.N11 + t.N01, n),
            NfrInterval: Wilson.Interval(t.N10, n),
            PfrInterval: Wilson.Interval(t.N01, n),
            BtcInterval: oldRight == 0 ? null : Wilson.Interval(t.N11, oldRight));
    }
}
