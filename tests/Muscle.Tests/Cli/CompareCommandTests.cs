using System.Text.Json;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary><c>muscle compare</c> end to end, in-process through <see cref="MuscleApp.Run"/>.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-compare-" + Guid.NewGuid().ToString("N"));

    public CompareCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllLines(path, lines);
        return path;
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    // gold 1 everywhere; old right on ids 0..5, new right on 0..3 and 6..7: n11 4, n10 2, n01 2, n00 2.
    private string Old() => File("old.jsonl", Enumerable.Range(0, 10).Select(i => Line(i, 1, i < 6 ? 1 : 0)).ToArray());
    private string New() => File("new.jsonl", Enumerable.Range(0, 10).Select(i => Line(i, 1, i < 4 || i is 6 or 7 ? 1 : 2)).ToArray());
    private string Compat() => File("compat.jsonl", Enumerable.Range(0, 10).Select(i => Line(i, 1, i < 5 || i is 6 or 7 ? 1 : 2)).ToArray());

    private static string Line(int id, int gold, int prediction) =>
        $$"""{"id": {{id}}, "gold": {{gold}}, "prediction": {{prediction}}, "input": "question {{id}}"}""";

    [Fact]
    public void JsonHasExactlyTheDiscreteKeys()
    {
        var (exit, stdout, stderr) = Run("compare", "--old", Old(), "--new", New(), "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(["n", "metric", "acc_old", "acc_new", "nfr", "pfr", "nfr_mc", "btc", "nfi", "mcnemar_p"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(10, root.GetProperty("n").GetInt32());
        Assert.Equal("accuracy", root.GetProperty("metric").GetString());
        Assert.Equal(0.2, root.GetProperty("nfr").GetDouble(), 12);
        Assert.Equal(0.4, root.GetProperty("nfr_mc").GetDouble(), 12); // new wrong (2) on 4, 5, 8, 9; old said 1 or 0 there
        Assert.Equal(1.0, root.GetProperty("mcnemar_p").GetDouble(), 12);
    }

    [Fact]
    public void BlessedFlipsPassTheNewFlipsGateAndANewFlipFailsNamingIt()
    {
        // Old → new negative flips are ids 4 and 5; old → compat only id 5.
        var accepted = Path.Combine(_dir, "accepted.jsonl");
        var (exit, _, stderr) = Run("compare", "--old", Old(), "--new", New(), "--write-accepted-flips", accepted);
        Assert.True(exit == 0, stderr);
        Assert.Equal("{\"id\":\"4\"}\n{\"id\":\"5\"}\n", System.IO.File.ReadAllText(accepted));

        var blessed = Run("compare", "--old", Old(), "--new", New(), "--fail-on-new-flips", accepted);
        Assert.True(blessed.Exit == 0, blessed.Err);
        Assert.Contains("gate: no new negative flips (2 negative flip(s)", blessed.Err);

        var onlyFive = File("only5.jsonl", "{\"id\": \"5\"}");
        var failed = Run("compare", "--old", Old(), "--new", New(), "--fail-on-new-flips", onlyFive);
        Assert.Equal(1, failed.Exit);
        Assert.Contains($"fail: 1 new negative flip(s) not in --fail-on-new-flips {onlyFive}: id 4", failed.Err);
        Assert.DoesNotContain("id 5", failed.Err);

        // With --compat the gate counts the old → compat flips (only id 5): accepted, and id 4 is reported as fixed.
        var withCompat = Run("compare", "--old", Old(), "--new", New(), "--compat", Compat(), "--fail-on-new-flips", accepted);
        Assert.True(withCompat.Exit == 0, withCompat.Err);
        Assert.Contains("note: 1 accepted flip(s) in", withCompat.Err);
        Assert.Contains("no longer flip (id 4)", withCompat.Err);
    }

    [Fact]
    public void BothGatesFailTogetherAndTheAcceptedFileIsNotAnOutput()
    {
        var onlyFive = File("only5.jsonl", "{\"id\": 5}");
        var (exit, _, stderr) = Run("compare", "--old", Old(), "--new", New(), "--fail-on-nfr", "0.1", "--fail-on-new-flips", onlyFive);
        Assert.Equal(1, exit);
        Assert.Contains("exceeds --fail-on-nfr", stderr);
        Assert.Contains(": id 4", stderr);

        var same = Run("compare", "--old", Old(), "--new", New(), "--fail-on-new-flips", onlyFive, "--write-accepted-flips", onlyFive);
        Assert.Equal(2, same.Exit);
        Assert.StartsWith("error: ", same.Err);
        Assert.Equal("{\"id\": 5}" + Environment.NewLine, System.IO.File.ReadAllText(onlyFive));
    }

    [Fact]
    public void JsonWithCompatAndContinuousMetricHasTheContinuousKeys()
    {
        string[] Text(string name, Func<int, string> pred) =>
            Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new { id = $"d{i}", gold = $"summary number {i} of the day", prediction = pred(i) })).ToArray();
        var old = File("o.jsonl", Text("o", i => $"summary {i} of day"));
        var @new = File("n.jsonl", Text("n", i => i % 2 == 0 ? $"summary number {i} of the day" : "nothing"));
        var c = File("c.jsonl", Text("c", i => $"summary number {i} of day"));
        var (exit, stdout, stderr) = Run("compare", "--old", old, "--new", @new, "--compat", c, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(
            ["n", "metric", "score_old", "score_new", "d_pfr", "d_nfr", "m_g", "m_r",
             "score_compat", "nfr_c", "delta_nfr_c", "delta_pct_nfr_c", "delta_acc_c", "pfr_c", "d_nfr_c", "delta_m_g", "delta_m_r"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("rouge1", doc.RootElement.GetProperty("metric").GetString());
        Assert.Equal(0.5, doc.RootElement.GetProperty("d_nfr").GetDouble(), 12);
        Assert.Equal(0.0, doc.RootElement.GetProperty("nfr_c").GetDouble(), 12);
        Assert.Equal(-100.0, doc.RootElement.GetProperty("delta_pct_nfr_c").GetDouble(), 9);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("delta_m_r").ValueKind); // compat has no drop: m_r n/a
    }

    [Fact]
    public void FailOnNfrGatesOnNfrAndOnNfrCWithCompat()
    {
        Assert.Equal(1, Run("compare", "--old", Old(), "--new", New(), "--fail-on-nfr", "0.1").Exit);
        Assert.Equal(0, Run("compare", "--old", Old(), "--new", New(), "--fail-on-nfr", "0.2").Exit);
        // NFR_c = 0.1 (only id 5 flips), so the same threshold now passes.
        var (exit, _, stderr) = Run("compare", "--old", Old(), "--new", New(), "--compat", Compat(), "--fail-on-nfr", "0.1");
        Assert.True(exit == 0, stderr);
        var failed = Run("compare", "--old", Old(), "--new", New(), "--compat", Compat(), "--fail-on-nfr", "0.05");
        Assert.Equal(1, failed.Exit);
        Assert.Contains("NFR_c 0.1 exceeds", failed.Err);
    }

    [Fact]
    public void TableShowsPercentages()
    {
        var (exit, stdout, _) = Run("compare", "--old", Old(), "--new", New(), "--compat", Compat());
        Assert.Equal(0, exit);
        Assert.Contains("20.00 %", stdout);
        Assert.Contains("Δ%NFR_c", stdout);
        Assert.Contains("-50.00 %", stdout);
    }

    [Fact]
    public void MalformedLineIsOneErrorLineWithFileAndLineAndExit2()
    {
        var bad = File("bad.jsonl", Line(0, 1, 1), "{\"id\": 1, \"gold\": ");
        var (exit, stdout, stderr) = Run("compare", "--old", Old(), "--new", bad);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: malformed JSON", lines[0]);
        Assert.EndsWith($"({bad}:2)", lines[0].TrimEnd());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("duplicate")]
    [InlineData("gold")]
    [InlineData("empty")]
    public void AlignmentProblemsExitWith2(string kind)
    {
        var other = kind switch
        {
            "missing" => File("x.jsonl", Enumerable.Range(0, 8).Select(i => Line(i, 1, 1)).ToArray()),
            "duplicate" => File("x.jsonl", [.. Enumerable.Range(0, 10).Select(i => Line(i, 1, 1)), Line(3, 1, 1)]),
            "gold" => File("x.jsonl", Enumerable.Range(0, 10).Select(i => Line(i, i == 7 ? 0 : 1, 1)).ToArray()),
            _ => File("x.jsonl", ""),
        };
        var (exit, _, stderr) = Run("compare", "--old", Old(), "--new", other);
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(kind == "missing" ? "2 id(s)" : kind == "duplicate" ? "duplicate id '3'" : kind == "gold" ? "gold for id '7'" : "empty", stderr);
    }

    [Fact]
    public void ReportDirectoryHasTheThreeFilesWithEmbeddedImages()
    {
        var report = Path.Combine(_dir, "report");
        var (exit, _, stderr) = Run("compare", "--old", Old(), "--new", New(), "--compat", Compat(), "--report", report, "--json");
        Assert.True(exit == 0, stderr);
        foreach (var f in new[] { "report.json", "report.md", "report.html" })
            Assert.True(new FileInfo(Path.Combine(report, f)).Length > 500, f);
        var html = System.IO.File.ReadAllText(Path.Combine(report, "report.html"));
        Assert.Equal(3, html.Split("<img ").Length - 1); // two flip quadrants and the rates
        Assert.Equal(3, html.Split("src=\"data:image/png;base64,iVBOR").Length - 1);
        Assert.Contains("question 4", html); // a negative flip with its input
    }

    [Fact]
    public void UnknownMetricIsAParseError()
    {
        var (exit, _, stderr) = Run("compare", "--old", Old(), "--new", New(), "--metric", "bleu");
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
    }
}
