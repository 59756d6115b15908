using Muscle.Infrastructure;
using Muscle.LmEval;

namespace Muscle.Metrics.Tests.LmEval;

/// <summary>
/// Flip metrics from the lm-eval fixtures. arc_easy (6 docs): old right on 0–3, new right on 0, 1, 4, doc 5 wrong
/// with the same answer in both → n11 2, n10 2, n01 1, n00 1. gsm8k strict-match (4 docs): old right on 0, 1,
/// new on 0, 2, 3 → n10 1, n01 2; flexible-extract: old right on 0–2, new on all → n01 1.
/// The compat run (make_fixtures.py's ARC_PRED_COMPAT, GSM_COMPAT): arc_easy right on 0, 2, 3, 4 → old → compat
/// negative flips: doc 1 only (1 of 6), positive: doc 4; gsm8k strict-match right on 0–2 → no flip from old (old right
/// on 0, 1), positive: doc 2; flexible-extract right on 0–2 → no flip either way.
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

    private static LmEvalComparison CompareWithCompat(string old, string @new, string compat, LmEvalCompareOptions? options = null) =>
        LmEvalComparer.Compare(LmEvalReader.ReadRun(old), LmEvalReader.ReadRun(@new), options ?? new LmEvalCompareOptions(Bootstrap: 200),
            LmEvalReader.ReadRun(compat));

    [Fact]
    public void CompatRunAddsNfrCPerTaskAndAcrossTasks()
    {
        var c = CompareWithCompat(LmEvalFixtures.OldDir, LmEvalFixtures.NewDir, LmEvalFixtures.CompatDir);
        Assert.Equal(LmEvalFixtures.CompatDir, c.CompatPath);
        // arc_easy: old → compat n11 3 (docs 0, 2, 3), n10 1 (doc 1), n01 1 (doc 4), n00 1 (doc 5).
        // NFR 2/6 (docs 2, 3), NFR_c 1/6 (doc 1) → ΔNFR_c −1/6, Δ%NFR_c 100·(1 − 2)/2 = −50 %;
        // acc_new 3/6, acc_c 4/6 → Δacc_c +1/6; PFR_c 1/6 (doc 4).
        var arc = c.Tasks[0];
        var x = arc.Result.Deltas!;
        Assert.Equal((3, 1, 1, 1), (arc.Result.DiscreteCompat!.Table.N11, arc.Result.DiscreteCompat.Table.N10,
            arc.Result.DiscreteCompat.Table.N01, arc.Result.DiscreteCompat.Table.N00));
        Assert.Equal(1.0 / 6, x.NfrC, 12);
        Assert.Equal(-1.0 / 6, x.DeltaNfrC, 12);
        Assert.Equal(-50.0, x.DeltaPctNfrC!.Value, 9);
        Assert.Equal(4.0 / 6, x.AccC, 12);
        Assert.Equal(1.0 / 6, arc.Result.DeltaScoreC!.Value, 12);
        Assert.Equal(1.0 / 6, x.PfrC, 12);
        Assert.InRange(-1.0 / 6, arc.CompatBootstrap!.DeltaNfrC.Lower, arc.CompatBootstrap.DeltaNfrC.Upper);
        // gsm8k strict-match: NFR 1/4 (doc 1), NFR_c 0 → ΔNFR_c −1/4, Δ%NFR_c −100 %; acc_new = acc_c = 3/4.
        var gsm = c.Tasks[1].Result;
        Assert.Equal("strict-match", c.Tasks[1].Filter);
        Assert.Equal(0.0, gsm.Deltas!.NfrC, 12);
        Assert.Equal(-0.25, gsm.Deltas.DeltaNfrC, 12);
        Assert.Equal(-100.0, gsm.Deltas.DeltaPctNfrC!.Value, 9);
        Assert.Equal(0.0, gsm.DeltaScoreC!.Value, 12);
        // Pooled over 10 items: NFR 3/10, NFR_c 1/10 → ΔNFR_c −2/10, Δ%NFR_c −66.67 %; new 6/10, compat 7/10.
        // Macro: NFR_c (1/6 + 0)/2 = 1/12, ΔNFR_c (−1/6 − 1/4)/2 = −5/24.
        var s = c.Summary.Compat!;
        Assert.Equal(0.1, s.NfrC, 12);
        Assert.Equal(-0.2, s.DeltaNfrC, 12);
        Assert.Equal(-200.0 / 3, s.DeltaPctNfrC!.Value, 9);
        Assert.Equal(0.7, s.ScoreC, 12);
        Assert.Equal(0.1, s.DeltaScoreC, 12);
        Assert.Equal(2.0 / 10, s.PfrC, 12); // arc doc 4, gsm8k doc 2
        Assert.Equal(1.0 / 12, s.MacroNfrC, 12);
        Assert.Equal(-5.0 / 24, s.MacroDeltaNfrC, 12);
        Assert.InRange(0.1, s.Bootstrap!.NfrC.Lower, s.Bootstrap.NfrC.Upper);
        Assert.InRange(-0.2, s.Bootstrap.DeltaNfrC.Lower, s.Bootstrap.DeltaNfrC.Upper);
    }

    [Fact]
    public void CompatRunFollowsTheFilterAndHasNoRelativeChangeWithoutFlips()
    {
        // flexible-extract: old right on 0–2, new on all, compat on 0–2: NFR 0, NFR_c 0 → Δ%NFR_c undefined.
        var c = CompareWithCompat(LmEvalFixtures.OldGsm, LmEvalFixtures.NewGsm, LmEvalFixtures.CompatGsm,
            new LmEvalCompareOptions(Filter: "flexible-extract", Bootstrap: 0));
        var t = Assert.Single(c.Tasks);
        Assert.Equal("flexible-extract", t.Filter);
        Assert.Equal((0.0, 0.0), (t.Result.Nfr, t.Result.Deltas!.NfrC));
        Assert.Null(t.Result.Deltas.DeltaPctNfrC);
        Assert.Equal(-0.25, t.Result.DeltaScoreC!.Value, 12); // compat 3/4, new 4/4
        Assert.Null(t.CompatBootstrap);
        Assert.Null(c.Summary.Compat!.Bootstrap);
    }

    [Fact]
    public void ATaskMissingFromTheCompatRunNamesTheOldFile()
    {
        var e = Assert.Throws<MuscleInputException>(() => CompareWithCompat(LmEvalFixtures.OldDir, LmEvalFixtures.NewDir, LmEvalFixtures.CompatArc));
        Assert.Contains("task 'gsm8k' is in the old run but not in the compat one", e.Message);
        Assert.Equal((LmEvalFixtures.OldGsm, 1L), (e.File, e.Line));
    }

    [Fact]
    public void WithoutACompatRunNothingCompatIsSet()
    {
        var c = Compare(LmEvalFixtures.OldDir, LmEvalFixtures.NewDir);
        Assert.False(c.HasCompat);
        Assert.Null(c.Summary.Compat);
        Assert.All(c.Tasks, t => Assert.Null(t.CompatBootstrap));
    }
}
