using Muscle.Compatibility;

namespace Muscle.Metrics.Tests.Compatibility;

/// <summary>Invariants from the acceptance list, over many random prediction sets with fixed seeds.</summary>
public class FlipPropertyTests
{
    private const int Sets = 300;

    public static TheoryData<int> Seeds => new() { 1, 7, 42 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void DiscreteInvariantsHold(int seed)
    {
        var rng = new Random(seed);
        for (var s = 0; s < Sets; s++)
        {
            var n = rng.Next(1, 120);
            var classes = rng.Next(2, 6);
            var pOld = rng.NextDouble();
            var pNew = rng.NextDouble();
            var gold = Enumerable.Range(0, n).Select(_ => rng.Next(classes)).ToArray();
            var old = gold.Select(g => rng.NextDouble() < pOld ? g : rng.Next(classes)).ToArray();
            var @new = gold.Select(g => rng.NextDouble() < pNew ? g : rng.Next(classes)).ToArray();
            var m = FlipMetricsTests.Compute(gold, old, @new);
            var t = m.Table;

            Assert.Equal(n, t.N11 + t.N10 + t.N01 + t.N00);
            Assert.True(m.Nfr <= m.NfrMc + 1e-15, $"seed {seed} set {s}: NFR {m.Nfr} > NFR_mc {m.NfrMc}");
            Assert.Equal(m.AccOld - m.AccNew, m.Nfr - m.Pfr, 12);
            Assert.InRange(m.McNemarP, 0, 1);
            Assert.InRange(m.Nfr, m.NfrInterval.Lower, m.NfrInterval.Upper);

            var swapped = FlipMetricsTests.Compute(gold, @new, old);
            Assert.Equal(m.Nfr, swapped.Pfr, 15);
            Assert.Equal(m.Pfr, swapped.Nfr, 15);
            Assert.Equal(m.McNemarP, swapped.McNemarP, 15);
            Assert.Equal(new FlipTable(t.N11, t.N01, t.N10, t.N00), swapped.Table);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ContinuousInvariantsHold(int seed)
    {
        var rng = new Random(seed);
        for (var s = 0; s < Sets; s++)
        {
            var n = rng.Next(1, 120);
            // Scores on a coarse grid so that ties (D = 0) are common, as with ROUGE on short texts.
            var old = Enumerable.Range(0, n).Select(_ => rng.Next(6) / 5.0).ToArray();
            var @new = Enumerable.Range(0, n).Select(_ => rng.Next(6) / 5.0).ToArray();
            var m = ContinuousFlipMetrics.Compute(old, @new);
            var ties = old.Where((o, i) => o == @new[i]).Count();

            Assert.Equal(n, m.Improved + m.Regressed + ties);
            Assert.Equal(m.Improved, @new.Where((v, i) => v > old[i]).Count());
            Assert.Equal(m.Regressed, @new.Where((v, i) => v < old[i]).Count());
            Assert.Equal(m.ScoreNew - m.ScoreOld, m.D.Average(), 12);

            var swapped = ContinuousFlipMetrics.Compute(@new, old);
            Assert.Equal(m.Nfr, swapped.Pfr, 15);
            Assert.Equal(m.Pfr, swapped.Nfr, 15);
            Assert.Equal(m.Mg, swapped.Mr);
            Assert.Equal(m.Mr, swapped.Mg);
        }
    }
}
