using Muscle.Compatibility;

namespace Muscle.Metrics.Tests.Compatibility;

/// <summary>McNemar, Wilson and the paper's Δ% definition against values computed by hand.</summary>
public class StatisticsTests
{
    [Theory]
    [InlineData(1, 9, 0.021484375)]      // 2·(C(10,0) + C(10,1))/2^10 = 22/1024
    [InlineData(9, 1, 0.021484375)]      // symmetric
    [InlineData(0, 5, 0.0625)]           // 2/2^5
    [InlineData(2, 3, 1.0)]              // 2·(1 + 5 + 10)/32 = 1
    [InlineData(5, 5, 1.0)]              // capped at 1
    [InlineData(0, 0, 1.0)]              // no discordant pairs
    [InlineData(3, 12, 0.03515625)]      // 2·(1 + 15 + 105 + 455)/32768 = 1152/32768
    public void McNemarExactMatchesHandValues(int u, int w, double p) =>
        Assert.Equal(p, McNemar.ExactP(u, w), 12);

    [Fact]
    public void McNemarStaysFiniteForLargeTables()
    {
        // 2^-6100 underflows a double; the log-space sum must not.
        var p = McNemar.ExactP(3000, 3100);
        Assert.InRange(p, 0.2, 0.3);
        Assert.True(McNemar.ExactP(2000, 3000) < 1e-30);
        Assert.True(McNemar.ExactP(2000, 3000) > 0);
    }

    [Fact]
    public void WilsonMatchesHandComputation()
    {
        // k = 8, n = 10, z = 1.96: centre = (0.8 + 0.19208)/1.38416, half = 1.96·√(0.016 + 0.009604)/1.38416.
        var ci = Wilson.Interval(8, 10);
        Assert.Equal(0.49015684672072335, ci.Lower, 12);
        Assert.Equal(0.9433190520193067, ci.Upper, 12);
        var zero = Wilson.Interval(0, 20);
        Assert.Equal(0, zero.Lower, 12);
        Assert.Equal(0.16113012549493322, zero.Upper, 12);
        var all = Wilson.Interval(20, 20);
        Assert.Equal(1 - 0.16113012549493322, all.Lower, 12);
        Assert.Equal(1, all.Upper, 12);
    }

    [Theory]
    // Table 4/5/6 rows of the paper: NFR, ΔNFR_c → Δ%NFR_c.
    [InlineData(10.27, -4.17, -40.60)]
    [InlineData(3.09, 0.24, 7.77)]
    [InlineData(11.59, -3.97, -34.25)]
    [InlineData(8.49, -0.91, -10.72)]
    [InlineData(48.96, -7.81, -15.95)]
    public void DeltaPercentReproducesThePaper(double nfrPct, double deltaPct, double expected)
    {
        var d = CompatibilityDeltas.Compute(accNew: 0.7291, nfr: nfrPct / 100, pfr: 0.1, accC: 0.7953,
            nfrC: (nfrPct + deltaPct) / 100, pfrC: 0.1);
        Assert.Equal(expected, Math.Round(d.DeltaPctNfrC!.Value, 2));
        Assert.Equal(deltaPct / 100, d.DeltaNfrC, 12);
        Assert.Equal(0.0662, d.DeltaAccC, 12);
    }

    [Fact]
    public void DeltaPercentIsUndefinedWhenNfrIsZero()
    {
        Assert.Null(CompatibilityDeltas.DeltaPercent(0, 0.01));
        Assert.Null(CompatibilityDeltas.Compute(0.5, 0, 0, 0.5, 0.02, 0).DeltaPctNfrC);
    }
}
