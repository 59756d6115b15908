using Muscle.Infrastructure;

namespace Muscle.Compatibility;

/// <summary>
/// Paired (case-resampling) bootstrap for NFR and Δacc, and for the compatibility model's effect on them. Each resample draws item indices with replacement and
/// keeps the old and new score of an item together, so the correlation between the two models, which is what
/// makes flips rare, stays in every resample (Efron and Tibshirani 1993, ch. 6; the same paired resampling as
/// Koehn 2004, "Statistical Significance Tests for Machine Translation Evaluation"). With strata (tasks) each
/// stratum is resampled on its own at its own size, so a pooled rate keeps the tasks' weights. Deterministic for a
/// seed: the draws come from <see cref="StableRandom"/>.
/// </summary>
public static class PairedBootstrap
{
    public const int DefaultResamples = 1000;

    /// <param name="scoreOld">S_old per item (1/0 for a right/wrong metric).</param>
    /// <param name="scoreNew">S_new per item, aligned with <paramref name="scoreOld"/>.</param>
    /// <param name="resamples">Number of bootstrap resamples, at least 1.</param>
    /// <param name="seed">Seed of the draws; <paramref name="stream"/> names an independent stream for it.</param>
    /// <param name="stream">Which stream of the seed to use (e.g. the task name), so tasks do not share draws.</param>
    /// <param name="strata">Optional stratum (task) per item; null means one stratum.</param>
    public static BootstrapIntervals Compute(
        IReadOnlyList<double> scoreOld, IReadOnlyList<double> scoreNew, int resamples, long seed, string stream = "bootstrap",
        IReadOnlyList<int>? strata = null)
    {
        ArgumentNullException.ThrowIfNull(scoreOld);
        ArgumentNullException.ThrowIfNull(scoreNew);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        var n = scoreOld.Count;
        if (scoreNew.Count != n) throw new ArgumentException($"old has {n} scores, new has {scoreNew.Count}; align first");
        if (n == 0) throw new ArgumentException("no items to resample");
        if (strata is not null && strata.Count != n) throw new ArgumentException($"{strata.Count} strata for {n} items");

        var groups = Groups(strata, n);
        var random = StableRandom.Stream(seed, stream);
        var nfr = new double[resamples];
        var delta = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            int flips = 0;
            double sum = 0;
            foreach (var group in groups)
            {
                for (var k = 0; k < group.Length; k++)
                {
                    var i = group[random.Next(group.Length)];
                    var d = scoreNew[i] - scoreOld[i];
                    if (d < 0) flips++;
                    sum += d;
                }
            }
            nfr[b] = (double)flips / n;
            delta[b] = sum / n;
        }
        return new BootstrapIntervals(resamples, seed, Percentiles(nfr), Percentiles(delta));
    }

    /// <summary>
    /// The compatibility model's effect (<see cref="CompatibilityBootstrap"/>): NFR, NFR_c and their difference from the
    /// same resampled items, so the correlation between the new and the compat model, which share most answers, narrows
    /// the interval of NFR_c − NFR the way pairing narrows Δacc.
    /// </summary>
    /// <param name="strata">Optional stratum (task) per item, as in <see cref="Compute"/>: each task is resampled on its
    /// own at its own size, so the pooled NFR, NFR_c and their difference keep the tasks' weights. Null means one
    /// stratum (the same draws as before strata existed).</param>
    public static CompatibilityBootstrap CompatEffect(
        IReadOnlyList<double> scoreOld, IReadOnlyList<double> scoreNew, IReadOnlyList<double> scoreCompat, int resamples, long seed,
        string stream = "compat-bootstrap", IReadOnlyList<int>? strata = null)
    {
        ArgumentNullException.ThrowIfNull(scoreOld);
        ArgumentNullException.ThrowIfNull(scoreNew);
        ArgumentNullException.ThrowIfNull(scoreCompat);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        var n = scoreOld.Count;
        if (scoreNew.Count != n || scoreCompat.Count != n)
            throw new ArgumentException($"old has {n} scores, new {scoreNew.Count}, compat {scoreCompat.Count}; align first");
        if (n == 0) throw new ArgumentException("no items to resample");
        if (strata is not null && strata.Count != n) throw new ArgumentException($"{strata.Count} strata for {n} items");

        var groups = Groups(strata, n);
        var random = StableRandom.Stream(seed, stream);
        var nfr = new double[resamples];
        var nfrC = new double[resamples];
        var deltaNfr = new double[resamples];
        var pct = new List<double>(resamples);
        var deltaNew = new double[resamples];
        var deltaC = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            int flips = 0, flipsC = 0;
            double sumNew = 0, sumC = 0;
            foreach (var group in groups)
            {
                for (var k = 0; k < group.Length; k++)
                {
                    var i = group[random.Next(group.Length)];
                    if (scoreNew[i] < scoreOld[i]) flips++;
                    if (scoreCompat[i] < scoreOld[i]) flipsC++;
                    sumNew += scoreNew[i] - scoreOld[i];
                    sumC += scoreCompat[i] - scoreNew[i];
                }
            }
            nfr[b] = (double)flips / n;
            nfrC[b] = (double)flipsC / n;
            deltaNfr[b] = nfrC[b] - nfr[b];
            if (flips > 0) pct.Add(100.0 * (flipsC - flips) / flips);
            deltaNew[b] = sumNew / n;
            deltaC[b] = sumC / n;
        }
        return new CompatibilityBootstrap(resamples, seed, Percentiles(nfr), Percentiles(nfrC), Percentiles(deltaNfr),
            pct.Count == 0 ? null : Percentiles([.. pct]), Percentiles(deltaNew), Percentiles(deltaC));
    }

    /// <summary>The 2.5 % and 97.5 % percentiles, linear interpolation between order statistics (numpy's default).</summary>
    /// <summary>
    /// The item indices of each stratum, strata in ascending order, items in order within each. One stratum is the
    /// indices 0..n-1 in order, so <c>group[random.Next(n)]</c> draws what <c>random.Next(n)</c> drew before strata existed.
    /// </summary>
    private static int[][] Groups(IReadOnlyList<int>? strata, int n) =>
        (strata ?? new int[n]).Select((s, i) => (s, i)).GroupBy(x => x.s).OrderBy(g => g.Key)
            .Select(g => g.Select(x => x.i).ToArray()).ToArray();

    private static RateInterval Percentiles(double[] values)
    {
        Array.Sort(values);
        return new RateInterval(Quantile(values, 0.025), Quantile(values, 0.975));
    }

    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
    }
}
