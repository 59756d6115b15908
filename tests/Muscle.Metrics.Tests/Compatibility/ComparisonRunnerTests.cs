using Muscle.Compatibility;
using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Reports;
using Muscle.Rouge;

namespace Muscle.Metrics.Tests.Compatibility;

public class ComparisonRunnerTests
{
    private static PredictionSet Set(string file, params string[] lines) => PredictionReader.Parse(file, lines);

    [Fact]
    public void AutoPicksAccuracyForIntegersAndCorrectFlags()
    {
        var ints = Set("a", """{"id": 1, "gold": 1, "prediction": 0}""");
        Assert.Equal(CompareMetric.Accuracy, ComparisonRunner.ResolveMetric(PredictionAlignment.Align(ints, ints)).Metric);
        var flags = Set("b", """{"id": 1, "gold": "42", "prediction": "42.0", "correct": true}""");
        var r = ComparisonRunner.Compare(PredictionAlignment.Align(flags, flags));
        Assert.Equal(CompareMetric.Accuracy, r.Metric);
        Assert.Equal(1.0, r.Discrete!.AccOld); // the file's own verdict wins over string equality
    }

    [Fact]
    public void AutoPicksRouge1ForTextAndScoreForScores()
    {
        var text = Set("t", """{"id": 1, "gold": "the cat sat", "prediction": "the cat"}""");
        var r = ComparisonRunner.Compare(PredictionAlignment.Align(text, text));
        Assert.Equal(CompareMetric.Rouge1, r.Metric);
        Assert.Equal(new RougeScorer("rouge1").Score("the cat sat", "the cat").FMeasure, r.ScoresOld[0], 12);
        var scores = Set("s", """{"id": 1, "score": 0.25}""");
        Assert.Equal(CompareMetric.Score, ComparisonRunner.Compare(PredictionAlignment.Align(scores, scores)).Metric);
        var neither = Set("x.jsonl", """{"id": 1, "gold": "a"}""");
        var e = Assert.Throws<MuscleInputException>(() => ComparisonRunner.Compare(PredictionAlignment.Align(neither, neither)));
        Assert.Contains("--metric", e.Message);
    }

    [Fact]
    public void ExplicitMetricNeedsItsFields()
    {
        var s = Set("s.jsonl", """{"id": 1, "score": 0.5}""");
        var e = Assert.Throws<MuscleInputException>(() => ComparisonRunner.Compare(PredictionAlignment.Align(s, s), CompareMetric.Rouge1));
        Assert.Equal(("s.jsonl", 1L), (e.File, e.Line));
    }

    [Fact]
    public void ExactMatchIgnoresCorrectFlags()
    {
        var old = Set("o", """{"id": 1, "gold": "12", "prediction": "12", "correct": false}""");
        var @new = Set("n", """{"id": 1, "gold": "12", "prediction": "13", "correct": true}""");
        var r = ComparisonRunner.Compare(PredictionAlignment.Align(old, @new), CompareMetric.ExactMatch);
        Assert.Equal(1.0, r.Discrete!.Nfr);
    }

    [Fact]
    public void ContinuousWithCompatReportsPaperColumnsAndWorstFlips()
    {
        var old = Set("o", """{"id": 1, "score": 0.5, "input": "x1"}""", """{"id": 2, "score": 0.9}""", """{"id": 3, "score": 0.2}""");
        var @new = Set("n", """{"id": 1, "score": 0.4, "output": "n1"}""", """{"id": 2, "score": 0.1}""", """{"id": 3, "score": 0.2}""");
        var c = Set("c", """{"id": 1, "score": 0.6}""", """{"id": 2, "score": 0.8}""", """{"id": 3, "score": 0.2}""");
        var r = ComparisonRunner.Compare(PredictionAlignment.Align(old, @new, c), CompareMetric.Score);
        Assert.Equal(2.0 / 3, r.Continuous!.Nfr, 12);
        Assert.Equal(1.0 / 3, r.Deltas!.NfrC, 12);
        Assert.Equal(-50.0, r.Deltas.DeltaPctNfrC!.Value, 9);
        Assert.Equal(r.Deltas.NfrC, r.GatedNfr);
        var worst = r.WorstNegativeFlips(10);
        Assert.Equal(["2", "1"], worst.Select(f => f.Id));
        Assert.Equal(("x1", "n1"), (worst[1].Input, worst[1].NewOutput));
    }

    [Fact]
    public void JsonHasExactlyTheSpecifiedKeys()
    {
        var old = Set("o", """{"id": 1, "gold": 1, "prediction": 1}""", """{"id": 2, "gold": 0, "prediction": 1}""");
        var @new = Set("n", """{"id": 1, "gold": 1, "prediction": 0}""", """{"id": 2, "gold": 0, "prediction": 0}""");
        var json = ComparisonSummary.ToJson(ComparisonRunner.Compare(PredictionAlignment.Align(old, @new, old)));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(
            ["n", "metric", "acc_old", "acc_new", "nfr", "pfr", "nfr_mc", "btc", "nfi", "mcnemar_p",
             "acc_compat", "nfr_c", "delta_nfr_c", "delta_pct_nfr_c", "delta_acc_c", "pfr_c"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.5, doc.RootElement.GetProperty("nfr").GetDouble());
        Assert.Equal(-100.0, doc.RootElement.GetProperty("delta_pct_nfr_c").GetDouble(), 12);
    }
}
