using System.Globalization;
using Muscle.Compatibility;

namespace Muscle.Reports;

/// <summary>
/// The answer to "did the fix help?" at the top of a report: the negative flip rate old → new, the rate with the
/// compatibility model, Δ%NFR_c and ΔNFR_c with paired bootstrap 95 % intervals, and the accuracy change, with the
/// outcome read off the interval of ΔNFR_c: below 0 "fewer negative flips", above 0 "more negative flips", otherwise
/// "not distinguishable from zero". Percentile intervals of a paired (case-resampling) bootstrap, Efron and Tibshirani
/// 1993, ch. 13; the same test as Koehn 2004, "Statistical Significance Tests for Machine Translation Evaluation".
/// </summary>
public sealed record CompatibilityVerdict(
    VerdictOutcome Outcome,
    string Headline,
    IReadOnlyList<string> Lines,
    BootstrapIntervals Bootstrap,
    CompatibilityBootstrap? CompatBootstrap)
{
    /// <summary>
    /// The verdict for <paramref name="r"/>; deterministic for <paramref name="seed"/> (the run's seed, 0 when it has none).
    /// </summary>
    public static CompatibilityVerdict From(ComparisonResult r, long seed = 0, int resamples = PairedBootstrap.DefaultResamples)
    {
        ArgumentNullException.ThrowIfNull(r);
        var boot = PairedBootstrap.Compute(r.ScoresOld, r.ScoresNew, resamples, seed, "verdict");
        var raw = r.Metric == CompareMetric.Score; // a file's own score has its own scale: differences are shown raw
        string Score(double v) => raw ? v.ToString("0.####", CultureInfo.InvariantCulture) : ComparisonSummary.Pct(v);
        string Diff(double v) => raw ? v.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture) : ComparisonSummary.Pts(v);
        string DiffCi(RateInterval i) => raw
            ? string.Create(CultureInfo.InvariantCulture, $"[{i.Lower:0.####}, {i.Upper:0.####}]")
            : $"[{Num(100 * i.Lower)}, {Num(100 * i.Upper)}] pts";
        var scoreName = r.IsDiscrete ? "accuracy" : $"mean {r.Metric.Name()}";
        var flips = Count(r.ScoresOld, r.ScoresNew);
        var nfrLine = $"Negative flips old → new: {ComparisonSummary.Pct(r.Nfr)} ({flips} of {r.N}), 95 % CI {PctCi(boot.Nfr)}.";
        var accNew = $"{scoreName} new − old {Diff(r.ScoreNew - r.ScoreOld)} (95 % CI {DiffCi(boot.DeltaScore)}, {Words(boot.DeltaScore)})";

        if (r.ScoresCompat is not { } sc || r.Deltas is not { } x)
        {
            return new CompatibilityVerdict(VerdictOutcome.NoFix,
                $"Old → new: {ComparisonSummary.Pct(r.Nfr)} negative flips ({flips} of {r.N}); no compatibility model was compared.",
                [nfrLine, $"{Cap(scoreName)}: old {Score(r.ScoreOld)} → new {Score(r.ScoreNew)}; {accNew}."], boot, null);
        }

        var cb = PairedBootstrap.CompatEffect(r.ScoresOld, r.ScoresNew, sc, resamples, seed, "verdict-compat");
        var flipsC = Count(r.ScoresOld, sc);
        var d = cb.DeltaNfrC;
        var outcome = d.Upper < 0 ? VerdictOutcome.FewerNegativeFlips
            : d.Lower > 0 ? VerdictOutcome.MoreNegativeFlips
            : VerdictOutcome.NotDistinguishable;
        var relative = x.DeltaPctNfrC is { } p
            ? $"Δ%NFR_c {Num(p)} %" + (cb.DeltaPctNfrC is { } pc ? $" (95 % CI [{Num(pc.Lower)}, {Num(pc.Upper)}] %)" : "")
            : "Δ%NFR_c n/a (no negative flips old → new)";
        var change = $"NFR {ComparisonSummary.Pct(r.Nfr)} → {ComparisonSummary.Pct(x.NfrC)} with the fix";
        var headline = outcome switch
        {
            VerdictOutcome.FewerNegativeFlips => $"The fix helped: fewer negative flips. {change}; {relative}.",
            VerdictOutcome.MoreNegativeFlips => $"The fix hurt: more negative flips. {change}; {relative}.",
            _ => $"Not distinguishable from zero: {change}; {relative}; the 95 % CI of ΔNFR_c includes 0.",
        };
        var deltaC = r.DeltaScoreC!.Value;
        string[] lines =
        [
            nfrLine,
            $"Negative flips old → with the fix: {ComparisonSummary.Pct(x.NfrC)} ({flipsC} of {r.N}), 95 % CI {PctCi(cb.NfrC)}.",
            $"ΔNFR_c = NFR_c − NFR = {ComparisonSummary.Pts(x.DeltaNfrC)}, 95 % CI [{Num(100 * d.Lower)}, {Num(100 * d.Upper)}] pts ({Words(d)}); {relative}.",
            $"{Cap(scoreName)}: old {Score(r.ScoreOld)} → new {Score(r.ScoreNew)} → with the fix {Score(x.AccC)}; {accNew}; "
            + $"fix − new {Diff(deltaC)} (95 % CI {DiffCi(cb.DeltaScoreC)}, {Words(cb.DeltaScoreC)}).",
        ];
        return new CompatibilityVerdict(outcome, headline, lines, boot, cb);
    }

    /// <summary>Short outcome words for tables and CSS classes.</summary>
    public string Label => Outcome switch
    {
        VerdictOutcome.FewerNegativeFlips => "fewer negative flips",
        VerdictOutcome.MoreNegativeFlips => "more negative flips",
        VerdictOutcome.NotDistinguishable => "not distinguishable",
        _ => "no fix compared",
    };

    /// <summary>The outcome's colour as CSS hex.</summary>
    public string ColorHex => Outcome switch
    {
        VerdictOutcome.FewerNegativeFlips => ReportColors.BetterHex,
        VerdictOutcome.MoreNegativeFlips => ReportColors.WorseHex,
        _ => ReportColors.UndecidedHex,
    };

    private static int Count(IReadOnlyList<double> old, IReadOnlyList<double> other) =>
        Enumerable.Range(0, old.Count).Count(i => other[i] < old[i]);

    private static string Words(RateInterval i) =>
        i.Lower > 0 || i.Upper < 0 ? "excludes 0" : "not distinguishable from 0";

    private static string PctCi(RateInterval i) => $"[{(100 * i.Lower).ToString("0.00", CultureInfo.InvariantCulture)}, {(100 * i.Upper).ToString("0.00", CultureInfo.InvariantCulture)}] %";

    private static string Num(double v) => v.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
