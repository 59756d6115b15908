using Muscle.Compatibility;

namespace Muscle.Metrics.Tests.Compatibility;

/// <summary>The paired bootstrap: seeded, brackets the point estimate, narrows with more items.</summary>
public class PairedBootstrapTests
{
    // 40 items: old right on 30, new right on 28; 6 negative and 4 positive flips (NFR 0.15, Δacc −0.05).
    private static (double[] Old, double[] New) Items(int copies)
    {
        var old = new List<double>();
        var @new = new List<double>();
        for (var c = 0; c < copies; c++)
            for (var i = 0; i < 40; i++)
            {
                var o = i < 30 ? 1.0 : 0.0;
                var n = i < 6 ? 0.0 : i < 30 ? 1.0 : i < 34 ? 1.0 : 0.0;
                old.Add(o);
                @new.Add(n);
            }
        return (old.ToArray(), @new.ToArray());
    }

    [Fact]
    public void IntervalsContainThePointEstimates()
    {
        var (old, @new) = Items(1);
        var b = PairedBootstrap.Compute(old, @new, 2000, seed: 7);
        Assert.InRange(0.15, b.Nfr.Lower, b.Nfr.Upper);
        Assert.InRange(-0.05, b.DeltaScore.Lower, b.DeltaScore.Upper);
        Assert.True(b.Nfr.Lower > 0); // 6 flips of 40 cannot resample to none 2.5 % of the time
    }

    [Fact]
    public void SameSeedSameInterval_OtherSeedOtherDraws()
    {
        var (old, @new) = Items(1);
        Assert.Equal(PairedBootstrap.Compute(old, @new, 500, 3), PairedBootstrap.Compute(old, @new, 500, 3));
        Assert.NotEqual(PairedBootstrap.Compute(old, @new, 500, 3, "a"), PairedBootstrap.Compute(old, @new, 500, 3, "b"));
    }

    [Fact]
    public void IntervalNarrowsAsItemsGrowAndSettlesAsResamplesGrow()
    {
        // Width scales like 1/sqrt(items): 16× the items gives about a quarter of the width.
        var (o1, n1) = Items(1);
        var (o16, n16) = Items(16);
        var small = PairedBootstrap.Compute(o1, n1, 2000, 1);
        var large = PairedBootstrap.Compute(o16, n16, 2000, 1);
        var w1 = small.Nfr.Upper - small.Nfr.Lower;
        var w16 = large.Nfr.Upper - large.Nfr.Lower;
        Assert.InRange(w16 / w1, 0.15, 0.4);
        Assert.True(large.DeltaScore.Upper - large.DeltaScore.Lower < 0.5 * (small.DeltaScore.Upper - small.DeltaScore.Lower));
        Assert.InRange(0.15, large.Nfr.Lower, large.Nfr.Upper);

        // More resamples do not narrow the interval; they make its ends stable from seed to seed.
        double Spread(int b) => Enumerable.Range(0, 8).Select(s => PairedBootstrap.Compute(o1, n1, b, s).Nfr.Upper)
            .Aggregate((Min: 1.0, Max: 0.0), (a, x) => (Math.Min(a.Min, x), Math.Max(a.Max, x)), a => a.Max - a.Min);
        Assert.True(Spread(4000) <= Spread(50));
    }

    [Fact]
    public void StrataAreResampledAtTheirOwnSize()
    {
        // Stratum 0 has only negative flips, stratum 1 none: every resample keeps 10 of 20 items flipped.
        var old = Enumerable.Repeat(1.0, 20).ToArray();
        var @new = Enumerable.Range(0, 20).Select(i => i < 10 ? 0.0 : 1.0).ToArray();
        var strata = Enumerable.Range(0, 20).Select(i => i < 10 ? 0 : 1).ToArray();
        var b = PairedBootstrap.Compute(old, @new, 300, 5, strata: strata);
        Assert.Equal(0.5, b.Nfr.Lower, 12);
        Assert.Equal(0.5, b.Nfr.Upper, 12);
    }

    [Fact]
    public void CompatEffectIsPairedAndDeterministic()
    {
        double[] old = [.. Enumerable.Repeat(1.0, 100)];
        double[] @new = [.. Enumerable.Range(0, 100).Select(i => i % 5 == 0 ? 0.0 : 1.0)];
        // The same model as "new": NFR_c − NFR is 0 in every resample, however wide NFR's own interval is.
        var same = PairedBootstrap.CompatEffect(old, @new, @new, 500, 7);
        Assert.Equal(new RateInterval(0, 0), same.DeltaNfrC);
        Assert.Equal(new RateInterval(0, 0), same.DeltaPctNfrC);
        Assert.True(same.Nfr.Lower < 0.2 && same.Nfr.Upper > 0.2);
        Assert.Equal(same, PairedBootstrap.CompatEffect(old, @new, @new, 500, 7));
        // A fix that removes every flip: Δ%NFR_c is −100 % in every resample that has a flip.
        var fixedAll = PairedBootstrap.CompatEffect(old, @new, old, 500, 7);
        Assert.Equal(new RateInterval(-100, -100), fixedAll.DeltaPctNfrC);
        Assert.True(fixedAll.DeltaNfrC.Upper < 0);
    }

    [Fact]
    public void CompatEffectResamplesStrataAtTheirOwnSize()
    {
        // 20 items, old right on all. Stratum 0 (items 0-9): new wrong on all, compat right on all; stratum 1: new right,
        // compat wrong on all. Stratified, every resample keeps 10 of 20 flips under each model: NFR = NFR_c = 0.5 and
        // ΔNFR_c = 0 exactly. Unstratified, the share of stratum-0 items varies, and with it both rates.
        var old = Enumerable.Repeat(1.0, 20).ToArray();
        var @new = Enumerable.Range(0, 20).Select(i => i < 10 ? 0.0 : 1.0).ToArray();
        var compat = Enumerable.Range(0, 20).Select(i => i < 10 ? 1.0 : 0.0).ToArray();
        var strata = Enumerable.Range(0, 20).Select(i => i < 10 ? 0 : 1).ToArray();
        var b = PairedBootstrap.CompatEffect(old, @new, compat, 300, 5, strata: strata);
        Assert.Equal(new RateInterval(0.5, 0.5), b.Nfr);
        Assert.Equal(new RateInterval(0.5, 0.5), b.NfrC);
        Assert.Equal(new RateInterval(0, 0), b.DeltaNfrC);
        var unstratified = PairedBootstrap.CompatEffect(old, @new, compat, 300, 5);
        Assert.True(unstratified.DeltaNfrC.Lower < 0 && unstratified.DeltaNfrC.Upper > 0);
        // One stratum draws what no strata draw (the intervals the JSONL path and the reports already showed stay put).
        Assert.Equal(unstratified, PairedBootstrap.CompatEffect(old, @new, compat, 300, 5, strata: new int[20]));
    }
}
