using Muscle.Infrastructure;
using Muscle.LmEval;

namespace Muscle.Metrics.Tests.LmEval;

/// <summary>
/// Flip metrics from the lm-eval fixtures. arc_easy (6 docs): old right on 0–3, new right on 0, 1, 4, doc 5 wrong
/// with the same answer in both → n11 2, n10 2, n01 1, n00 1. gsm8k strict-match (4 docs): old right on 0, 1,
/// new on 0, 2, 3 → n10 1, n01 2; flexible-extract: old right on 0–2, new on all → n01 1.
/// </summary>
public class LmEvalComparerTests
{
    private static LmEvalComparison Compare(string old, string @new, LmEvalCompareOptions? options = null) =>
        LmEvalComparer.Compare(LmEvalReader.ReadRun(old), LmEvalReader.ReadRun(@new), options ?? new LmEvalCompareOptions(Bootstrap: 200));

    [Fact]
    public void MultipleChoiceTaskUsesAccAndArgmaxForNfrMc()
    {
        var c = Compare(LmEvalFixtures.OldArc, LmEvalFixtures.NewArc);
        var t = Assert.Single(c.Tasks);
        Assert.Equal("acc", t.Metric);
        var d = t.Result.Discrete!;
        Assert.Equal((2, 2, 1, 1), (d.Table.N11, d.Table.N10, d.Table.N01, d.Table.N00));
        Assert.Equal(2.0 / 6, d.Nfr, 12);
        Assert.Equal(2.0 / 6, d.NfrMc, 12); // doc 5: wrong in both with the same argmax choice, so not counted
        Assert.Equal(-1.0 / 6, t.DeltaScore, 12);
    }

    [Fact]
    public void AccNormIsChosenByName()
    {
        var t = Assert.Single(Compare(LmEvalFixtures.OldArc, LmEvalFixtures.NewArc, new(Metric: "acc_norm", Bootstrap: 0)).Tasks);
        Assert.Equal("acc_norm", t.Metric);
        Assert.True(t.Result.IsDiscrete);
        Assert.Null(t.Bootstrap);
    }

    [Fact]
    public void GenerativeTaskDefaultsToTheFirstFilterWithANote()
    {
        var c = Compare(LmEvalFixtures.OldGsm, LmEvalFixtures.NewGsm);
        var t = Assert.Single(c.Tasks);
        Assert.Equal(("strict-match", "exact_match"), (t.Filter, t.Metric));
        Assert.Equal(0.25, t.Result.Nfr, 12);
        Assert.Equal(0.5, t.Result.Pfr, 12);
        Assert.Contains("choose one with --filter", Assert.Single(c.Notes));
    }

    [Fact]
    public void FilterOptionPicksTheOtherFilter()
    {
        var c = Compare(LmEvalFixtures.OldGsm, LmEvalFixtures.NewGsm, new(Filter: "flexible-extract", Bootstrap: 0));
        var t = Assert.Single(c.Tasks);
        Assert.Equal(0.0, t.Result.Nfr, 12);
        Assert.Equal(0.25, t.Result.Pfr, 12);
        Assert.Empty(c.Notes);
    }

    [Fact]
    public void TwoTaskDirectoriesGiveATableAndAPooledSummary()
    {
        var c = Compare(LmEvalFixtures.OldDir, LmEvalFixtures.NewDir);
        Assert.Equal(["arc_easy", "gsm8k"], c.Tasks.Select(t => t.Task));
        var s = c.Summary;
        Assert.Equal((2, 10), (s.Tasks, s.N));
        Assert.Equal(3.0 / 10, s.Nfr, 12); // 2 + 1 negative flips of 10 items
        Assert.Equal(3.0 / 10, s.Pfr, 12);
        Assert.Equal(0.0, s.DeltaScore, 12);
        Assert.Equal((2.0 / 6 + 0.25) / 2, s.MacroNfr, 12);
        Assert.InRange(s.Nfr, s.Bootstrap!.Nfr.Lower, s.Bootstrap.Nfr.Upper);
    }

    [Fact]
    public void GradedMetricUsesTheScoreDifference()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-graded-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string Line(int id, double rouge) =>
                $$"""{"doc_id": {{id}}, "target": "t", "resps": [["x"]], "filtered_resps": ["x"], "filter": "none", "metrics": ["rouge1"], "rouge1": {{rouge}}}""";
            var old = Path.Combine(dir, "a.jsonl");
            var @new = Path.Combine(dir, "b.jsonl");
            File.WriteAllLines(old, [Line(0, 0.5), Line(1, 0.25), Line(2, 1)]);
            File.WriteAllLines(@new, [Line(0, 0.75), Line(1, 0.25), Line(2, 0.5)]);
            var t = Assert.Single(Compare(old, @new, new(Metric: "rouge1", Bootstrap: 0)).Tasks);
            Assert.False(t.Result.IsDiscrete);
            Assert.Equal(1.0 / 3, t.Result.Nfr, 12);
            Assert.Equal(-0.25 / 3, t.DeltaScore, 12);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void UnknownMetricAndMissingFilterNameFileAndLine()
    {
        var metric = Assert.Throws<MuscleInputException>(() => Compare(LmEvalFixtures.OldArc, LmEvalFixtures.NewArc, new(Metric: "bleu")));
        Assert.Equal((LmEvalFixtures.OldArc, 1L), (metric.File, metric.Line));
        var filter = Assert.Throws<MuscleInputException>(() => Compare(LmEvalFixtures.OldGsm, LmEvalFixtures.NewGsm, new(Filter: "maj@8")));
        Assert.Equal((LmEvalFixtures.OldGsm, 1L), (filter.File, filter.Line));
    }
}
