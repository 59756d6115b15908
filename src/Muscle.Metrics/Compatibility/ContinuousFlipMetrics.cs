namespace Muscle.Compatibility;

/// <summary>
/// Flip metrics for a per-instance similarity S (ROUGE F, or a numeric score), as arXiv 2407.09435 defines them for
/// generative tasks: D(x) = S_new − S_old; PFR = share with D &gt; 0 and NFR = share with D &lt; 0 (strict, on unrounded
/// scores, so D = 0 is neither); m_g / m_r are the mean gain / mean drop among improved / regressed instances,
/// null ("n/a") when there are none.
/// </summary>
public sealed record ContinuousFlipMetrics(
    double ScoreOld,
    double ScoreNew,
    IReadOnlyList<double> D,
    int Improved,
    int Regressed,
    double Pfr,
    double Nfr,
    double? Mg,
    double? Mr,
    RateInterval PfrInterval,
    RateInterval NfrInterval)
{
    public int N => D.Count;

    public static ContinuousFlipMetrics Compute(IReadOnlyList<double> scoreOld, IReadOnlyList<double> scoreNew)
    {
        ArgumentNullException.ThrowIfNull(scoreOld);
        ArgumentNullException.ThrowIfNull(scoreNew);
        if (scoreOld.Count != scoreNew.Count)
            throw new ArgumentException($"old has {scoreOld.Count} scores, new has {scoreNew.Count}; align by id first");
        var n = scoreOld.Count;
        if (n == 0) throw new ArgumentException("no instances to compare");
        var d = new double[n];
        int improved = 0, regressed = 0;
        double gain = 0, drop = 0;
        for (var i = 0; i < n; i++)
        {
            if (!double.IsFinite(scoreOld[i]) || !double.IsFinite(scoreNew[i]))
                throw new ArgumentException($"instance {i}: scores must be finite (old {scoreOld[i]}, new {scoreNew[i]})");
            d[i] = scoreNew[i] - scoreOld[i];
            if (d[i] > 0) { improved++; gain += d[i]; }
            else if (d[i] < 0) { regressed++; drop += -d[i]; }
        }
        return new ContinuousFlipMetrics(
            ScoreOld: scoreOld.Average(),
            ScoreNew: scoreNew.Average(),
            D: d,
            Improved: improved,
            Regressed: regressed,
            Pfr: (double)improved / n,
            Nfr: (double)regressed / n,
            Mg: improved == 0 ? null : gain / improved,
            Mr: regressed == 0 ? null : drop / regressed,
            PfrInterval: Wilson.Interval(improved, n),
            NfrInterval: Wilson.Interval(regressed, n));
    }
}
