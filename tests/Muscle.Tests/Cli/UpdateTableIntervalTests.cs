using System.Globalization;
using System.Text.RegularExpressions;
using Muscle.Cli.Commands;
using Muscle.Compatibility;
using Muscle.Predictions;
using Muscle.Recipes;
using Muscle.Reports;

namespace Muscle.Tests.Cli;

/// <summary><c>muscle update</c> and <c>ablate</c> print the paired bootstrap 95 % interval beside each Δ%NFR_c.</summary>
public sealed partial class UpdateTableIntervalTests
{
    // 40 items, gold 1. Old right on 0..29; new loses 20..29 (10 negative flips, NFR 25 %); the fix loses 26..29 only
    // (4 flips, NFR_c 10 %): Δ%NFR_c = 100 · (4 − 10) / 10 = −60 %.
    private static ComparisonResult Comparison()
    {
        PredictionSet Set(string name, Func<int, bool> right) => new(name + ".jsonl",
            [.. Enumerable.Range(0, 40).Select(i => new PredictionRecord(i.ToString(CultureInfo.InvariantCulture), new Label("1", true),
                new Label(right(i) ? "1" : "0", true), null, null, null, null, i + 1))]);
        return ComparisonRunner.Compare(PredictionAlignment.Align(Set("old", i => i < 30), Set("new", i => i < 20), Set("compat", i => i < 26)),
            CompareMetric.Accuracy);
    }

    [GeneratedRegex(@"(?<point>-?\d+\.\d\d)\s*│?\s*\[(?<lo>[+-]?\d+\.\d\d), (?<hi>[+-]?\d+\.\d\d)\]")]
    private static partial Regex PointAndInterval();

    private static (double Point, double Lower, double Upper) Parse(string table)
    {
        var m = PointAndInterval().Match(table);
        Assert.True(m.Success, table);
        double D(string g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        return (D("point"), D("lo"), D("hi"));
    }

    [Fact]
    public void UpdateHeadlinePrintsTheIntervalOfTheReportAroundThePointEstimate()
    {
        var c = Comparison();
        using var output = new StringWriter();
        UpdateCommand.WriteHeadline(output, c, seed: 7);
        var text = output.ToString();
        Assert.Contains("Δ%NFR_c 95 % CI", text);
        var (point, lower, upper) = Parse(text);
        Assert.Equal(-60.0, point, 2);
        Assert.InRange(point, lower, upper);
        Assert.True(lower < upper, text);
        // The same interval as the report's verdict for the same seed.
        var ci = CompatibilityVerdict.From(c, 7).CompatBootstrap!.DeltaPctNfrC!.Value;
        Assert.Contains(ComparisonSummary.SignedInterval(ci), text);
        Assert.Contains("25.00", text); // NFR unchanged
    }

    [Fact]
    public void AblateTablePrintsTheIntervalBesideEachArm()
    {
        var c = Comparison();
        using var output = new StringWriter();
        AblateCommand.WriteTable(output, [AblationPipeline.Row("muscle", c)], seed: 7);
        var text = output.ToString();
        Assert.Contains("Δ%NFR_c 95 % CI", text);
        var (point, lower, upper) = Parse(text);
        Assert.Equal(-60.0, point, 2);
        Assert.InRange(point, lower, upper);
        Assert.Contains("-15.00", text); // ΔNFR_c in points, unchanged
    }

    [Fact]
    public void WithoutACompatibilityModelTheIntervalIsNotApplicable()
    {
        var c = Comparison();
        var noCompat = ComparisonRunner.Compare(PredictionAlignment.Align(c.Predictions.OldSet, c.Predictions.NewSet), CompareMetric.Accuracy);
        Assert.Equal("n/a", AblateCommand.DeltaPctNfrCInterval(noCompat, 0));
    }

    [Fact]
    public void EveryTableSaysInWordsWhetherTheChangeIsDistinguishableFromZero()
    {
        // 10 → 4 negative flips of 40: the ΔNFR_c interval lies below zero, so the verdict is "fewer negative flips";
        // with the fix losing the same items as new (Δ = 0) it cannot be told from zero.
        var helped = Comparison();
        Assert.Equal(VerdictOutcome.FewerNegativeFlips, CompatibilityVerdict.From(helped, 7).Outcome);
        var same = ComparisonRunner.Compare(
            PredictionAlignment.Align(helped.Predictions.OldSet, helped.Predictions.NewSet, helped.Predictions.NewSet with { File = "compat.jsonl" }),
            CompareMetric.Accuracy);
        Assert.Equal(VerdictOutcome.NotDistinguishable, CompatibilityVerdict.From(same, 7).Outcome);
        foreach (var (c, words) in new[] { (helped, "fewer negative flips"), (same, "not distinguishable") })
        {
            using var update = new StringWriter();
            UpdateCommand.WriteHeadline(update, c, seed: 7);
            Assert.Contains(words, update.ToString());
            using var ablate = new StringWriter();
            AblateCommand.WriteTable(ablate, [AblationPipeline.Row("muscle", c)], seed: 7);
            Assert.Contains(words, ablate.ToString());
            using var demo = new StringWriter();
            DemoCommand.WriteTable(demo, [new DemoTaskRow("sentiment", "jsonl-mc", c, "muscle", null, [])], seed: 7);
            Assert.Contains(words, demo.ToString());
            Assert.Contains("Δ%NFR_c 95 % CI", demo.ToString());
        }
    }
}
