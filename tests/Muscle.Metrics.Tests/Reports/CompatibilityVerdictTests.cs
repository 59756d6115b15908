using System.Text.Json;
using Muscle.Compatibility;
using Muscle.Predictions;
using Muscle.Reports;

namespace Muscle.Metrics.Tests.Reports;

public sealed class CompatibilityVerdictTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-verdict-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static PredictionSet Set(string file, Func<int, bool> correct, int n) => PredictionReader.Parse(file,
        Enumerable.Range(0, n).Select(i => JsonSerializer.Serialize(new { id = i, gold = 1, prediction = correct(i) ? 1 : 0, input = $"q{i}" })));

    /// <summary>200 items, the old model right on all; new wrong on <paramref name="newWrong"/>, compat on <paramref name="compatWrong"/>.</summary>
    private static ComparisonResult Fixture(Func<int, bool> newWrong, Func<int, bool> compatWrong, int n = 200) =>
        ComparisonRunner.Compare(PredictionAlignment.Align(Set("old.jsonl", _ => true, n), Set("new.jsonl", i => !newWrong(i), n),
            Set("compat.jsonl", i => !compatWrong(i), n)));

    [Fact]
    public void IntervalBelowZeroSaysFewerNegativeFlips()
    {
        // NFR 30 % → NFR_c 5 %: every resample has fewer flips with the fix.
        var v = CompatibilityVerdict.From(Fixture(i => i % 10 < 3, i => i % 20 == 0));
        Assert.Equal(VerdictOutcome.FewerNegativeFlips, v.Outcome);
        Assert.True(v.CompatBootstrap!.DeltaNfrC.Upper < 0);
        Assert.Contains("fewer negative flips", v.Headline);
        Assert.Contains("-83.33 %", v.Headline); // Δ%NFR_c = 100·(5 − 30)/30
        Assert.Equal(ReportColors.BetterHex, v.ColorHex);
    }

    [Fact]
    public void IntervalAboveZeroSaysMoreNegativeFlips()
    {
        var v = CompatibilityVerdict.From(Fixture(i => i % 20 == 0, i => i % 10 < 3));
        Assert.Equal(VerdictOutcome.MoreNegativeFlips, v.Outcome);
        Assert.Contains("more negative flips", v.Headline);
        Assert.Equal(ReportColors.WorseHex, v.ColorHex);
    }

    [Fact]
    public void IntervalAroundZeroSaysNotDistinguishable()
    {
        // Ten flips each, on different items: NFR_c − NFR = 0, and resampling moves it both ways.
        var v = CompatibilityVerdict.From(Fixture(i => i % 20 == 0, i => i % 20 == 1));
        Assert.Equal(VerdictOutcome.NotDistinguishable, v.Outcome);
        var ci = v.CompatBootstrap!.DeltaNfrC;
        Assert.True(ci.Lower < 0 && ci.Upper > 0, $"[{ci.Lower}, {ci.Upper}]");
        Assert.Contains("not distinguishable", v.Headline, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fewer negative flips", v.Headline);
        Assert.Equal(ReportColors.UndecidedHex, v.ColorHex);
    }

    [Fact]
    public void WithoutACompatModelTheVerdictDescribesOldToNew()
    {
        var r = ComparisonRunner.Compare(PredictionAlignment.Align(Set("o", _ => true, 50), Set("n", i => i % 5 != 0, 50)));
        var v = CompatibilityVerdict.From(r);
        Assert.Equal(VerdictOutcome.NoFix, v.Outcome);
        Assert.Null(v.CompatBootstrap);
        Assert.Contains("20.00 %", v.Headline);
    }

    [Fact]
    public void HtmlOpensWithTitleNamingTaskModelsStrategyThenTheVerdict()
    {
        var context = new ReportContext("sentiment", "v1", "v2", "muscle", 42);
        CompatibilityReport.Write(_dir, Fixture(i => i % 10 < 3, i => i % 20 == 0), context);
        var html = File.ReadAllText(Path.Combine(_dir, "report.html"));
        Assert.Contains("<title>sentiment: v1 → v2, strategy muscle</title>", html);
        Assert.Contains("seed 42", html);
        var verdict = html.IndexOf("id=\"verdict\"", StringComparison.Ordinal);
        Assert.True(verdict > 0);
        Assert.True(verdict < html.IndexOf("<img ", StringComparison.Ordinal), "the verdict comes before the plots");
        Assert.Contains("Verdict: fewer negative flips", html);
        Assert.Contains(ReportColors.BetterHex, html);
        Assert.Contains("Verdict: fewer negative flips.", File.ReadAllText(Path.Combine(_dir, "report.md")));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "report.json")));
        Assert.Equal("sentiment", json.RootElement.GetProperty("context").GetProperty("task").GetString());
        Assert.Equal("fewer negative flips", json.RootElement.GetProperty("verdict").GetProperty("outcome").GetString());
        Assert.Equal(42, json.RootElement.GetProperty("verdict").GetProperty("bootstrap_seed").GetInt64());
    }

    [Fact]
    public void NotDistinguishableReportSaysSoInTheHtml()
    {
        CompatibilityReport.Write(_dir, Fixture(i => i % 20 == 0, i => i % 20 == 1), new ReportContext("piqa", "base-1", "base-2", "focal-kl"));
        var html = File.ReadAllText(Path.Combine(_dir, "report.html"));
        Assert.Contains("Verdict: not distinguishable", html);
        Assert.DoesNotContain("Verdict: fewer negative flips", html);
        Assert.Contains("piqa", html);
    }

    [Fact]
    public void WithoutContextTheTitleNamesTheFiles()
    {
        CompatibilityReport.Write(_dir, Fixture(i => i % 10 < 3, i => i % 20 == 0));
        Assert.Contains("<h1>old.jsonl → new.jsonl, fix compat.jsonl</h1>", File.ReadAllText(Path.Combine(_dir, "report.html")));
    }

    [Fact]
    public void PointRowsArePointsAndPercentRowsArePercent()
    {
        var rows = ComparisonSummary.Rows(Fixture(i => i % 10 < 3, i => i % 20 == 0)).ToDictionary(r => r.Name, r => r.Value);
        Assert.Equal("-25.00 pts", rows["ΔNFR_c (points)"]);
        Assert.Equal("-83.33 %", rows["Δ%NFR_c (relative to NFR)"]);
        Assert.Equal("30.00 %", rows["NFR (old right, new wrong)"]);
        Assert.EndsWith(" pts", rows["Δacc_c (c − new, points)"]);
        Assert.EndsWith(" pts", rows["ΔPFR_c (points)"]);
    }

    [Fact]
    public void RunIndexLinksEveryReportWithItsVerdict()
    {
        var helped = Fixture(i => i % 10 < 3, i => i % 20 == 0);
        var undecided = Fixture(i => i % 20 == 0, i => i % 20 == 1);
        var path = RunIndex.Write(Directory.CreateDirectory(_dir).FullName, "muscle demo",
        [
            new RunIndexEntry("Tasks", "seed-42/sentiment/update/report/report.html", new ReportContext("sentiment", "v1", "v2", "muscle", 42), helped),
            new RunIndexEntry("Strategies on sentiment", "seed-42/sentiment/strategies/reports/vanilla/report.html",
                new ReportContext("sentiment", "v1", "v2", "vanilla", 42), undecided),
        ]);
        var html = File.ReadAllText(path);
        Assert.Contains("href=\"seed-42/sentiment/update/report/report.html\"", html);
        Assert.Contains("href=\"seed-42/sentiment/strategies/reports/vanilla/report.html\"", html);
        Assert.Contains("<h2>Strategies on sentiment</h2>", html);
        Assert.Contains(">fewer negative flips</span>", html);
        Assert.Contains(">not distinguishable</span>", html);
    }
}
