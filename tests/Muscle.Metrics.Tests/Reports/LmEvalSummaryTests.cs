using Muscle.LmEval;
using Muscle.Metrics.Tests.LmEval;
using Muscle.Reports;

namespace Muscle.Metrics.Tests.Reports;

/// <summary>The lm-eval summary table: Δ new − old is a difference of percentages, so it is labelled in points.</summary>
public sealed class LmEvalSummaryTests
{
    [Fact]
    public void TheScoreChangeIsInPointsAndTheRatesInPercent()
    {
        var c = LmEvalComparer.Compare(LmEvalReader.ReadRun(LmEvalFixtures.OldDir), LmEvalReader.ReadRun(LmEvalFixtures.NewDir),
            new LmEvalCompareOptions(Bootstrap: 0));
        var columns = LmEvalSummary.Columns.ToList();
        var rows = LmEvalSummary.Rows(c);
        var delta = columns.IndexOf("Δ new − old");
        var arc = rows[0];
        Assert.Equal("arc_easy", arc[0]);
        Assert.Equal(ComparisonSummaryPts(c.Tasks[0].DeltaScore), arc[delta]);
        Assert.EndsWith(" pts", arc[delta]);
        Assert.Equal("33.33 %", arc[columns.IndexOf("NFR")]);
        Assert.All(rows, r => Assert.DoesNotContain("%", r[delta]));
        Assert.Contains("(pts)", columns[columns.IndexOf("Δ 95 % boot (pts)")]);
        Assert.Equal("all 2 tasks (pooled)", rows[^1][0]);
        Assert.EndsWith(" pts", rows[^1][delta]);
    }

    private static string ComparisonSummaryPts(double d) => ComparisonSummary.Pts(d);
}
