using Muscle.Compatibility;

namespace Muscle.Metrics.Tests.Compatibility;

/// <summary>Hand-computed fixtures for every discrete and continuous flip metric.</summary>
public class FlipMetricsTests
{
    [Fact]
    public void DiscreteFixture()
    {
        // gold:    0 1 2 3 0 1 2 3 0 1
        // old:     0 1 2 3 0 1 0 0 1 2   → right on 0..5 (6/10)
        // new:     0 1 2 0 1 1 2 3 2 2   → right on 0,1,2,5,6,7 (6/10)
        int[] gold = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1];
        int[] old = [0, 1, 2, 3, 0, 1, 0, 0, 1, 2];
        int[] @new = [0, 1, 2, 0, 1, 1, 2, 3, 2, 2];
        var m = Compute(gold, old, @new);
        Assert.Equal(new FlipTable(N11: 4, N10: 2, N01: 2, N00: 2), m.Table);
        Assert.Equal(0.6, m.AccOld, 12);
        Assert.Equal(0.6, m.AccNew, 12);
        Assert.Equal(0.2, m.Nfr, 12);
        Assert.Equal(0.2, m.Pfr, 12);
        // new wrong on 3, 4, 8, 9; the answer changed on 3, 4, 8 but not on 9 (both said 2).
        Assert.Equal(0.3, m.NfrMc, 12);
        Assert.Equal(4.0 / 6, m.Btc!.Value, 12);
        Assert.Equal(2.0 / 4, m.Nfi!.Value, 12);
        Assert.Equal(1.0, m.McNemarP, 12); // u = w = 2
        Assert.Equal(Wilson.Interval(2, 10), m.NfrInterval);
        Assert.Equal(Wilson.Interval(4, 6), m.BtcInterval);
    }

    [Fact]
    public void BtcAndNfiAreUndefinedWithoutTheirDenominators()
    {
        var allOldWrong = DiscreteFlipMetrics.Compute([false, false], [true, false], [true, true]);
        Assert.Null(allOldWrong.Btc);
        Assert.Null(allOldWrong.BtcInterval);
        var newAllRight = DiscreteFlipMetrics.Compute([true, false], [true, true], [false, true]);
        Assert.Null(newAllRight.Nfi);
    }

    [Fact]
    public void ContinuousFixtureUsesStrictInequalities()
    {
        double[] sOld = [0.5, 0.5, 0.2, 0.9, 0.0, 0.3];
        double[] sNew = [0.7, 0.5, 0.1, 0.4, 0.0, 0.3];
        // D = [0.2, 0, −0.1, −0.5, 0, 0]: three ties count as neither flip.
        var m = ContinuousFlipMetrics.Compute(sOld, sNew);
        Assert.Equal(1, m.Improved);
        Assert.Equal(2, m.Regressed);
        Assert.Equal(1.0 / 6, m.Pfr, 12);
        Assert.Equal(2.0 / 6, m.Nfr, 12);
        Assert.Equal(0.2, m.Mg!.Value, 12);
        Assert.Equal(0.3, m.Mr!.Value, 12);
        Assert.Equal(sOld.Average(), m.ScoreOld, 12);
        Assert.Equal(sNew.Average(), m.ScoreNew, 12);
    }

    [Fact]
    public void AllTiesGiveZeroRatesAndNaMeans()
    {
        var m = ContinuousFlipMetrics.Compute([0.25, 0.5], [0.25, 0.5]);
        Assert.Equal(0, m.Pfr);
        Assert.Equal(0, m.Nfr);
        Assert.Null(m.Mg);
        Assert.Null(m.Mr);
    }

    [Fact]
    public void ContinuousDeltasFixture()
    {
        double[] sOld = [0.5, 0.5, 0.2, 0.9];
        double[] sNew = [0.7, 0.4, 0.1, 0.4];   // D = [.2, −.1, −.1, −.5]: NFR .75, m_g .2, m_r 7/30
        double[] sC = [0.6, 0.5, 0.3, 0.8];     // D = [.1, 0, .1, −.1]:   NFR .25, m_g .1, m_r .1
        var x = CompatibilityDeltas.From(ContinuousFlipMetrics.Compute(sOld, sNew), ContinuousFlipMetrics.Compute(sOld, sC));
        Assert.Equal(0.25, x.NfrC, 12);
        Assert.Equal(-0.5, x.DeltaNfrC, 12);
        Assert.Equal(-100 * 0.5 / 0.75, x.DeltaPctNfrC!.Value, 9);
        Assert.Equal(sC.Average() - sNew.Average(), x.DeltaAccC, 12);
        Assert.Equal(0.5 - 0.25, x.DeltaPfrC, 12);
        Assert.Equal(0.1 - 0.2, x.DeltaMg!.Value, 12);
        Assert.Equal(0.1 - 0.7 / 3, x.DeltaMr!.Value, 12);
    }

    internal static DiscreteFlipMetrics Compute(int[] gold, int[] old, int[] @new) =>
        DiscreteFlipMetrics.Compute(
            old.Select((p, i) => p == gold[i]).ToArray(),
            @new.Select((p, i) => p == gold[i]).ToArray(),
            old.Select((p, i) => p != @new[i]).ToArray());
}
