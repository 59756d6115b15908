using System.Text.Json;
using Muscle.Compatibility;
using Muscle.Predictions;
using Muscle.Reports;

namespace Muscle.Metrics.Tests.Reports;

public sealed class CompatibilityReportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-report-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static ComparisonResult TextComparison()
    {
        string[] golds = ["the cat sat on the mat", "a dog ran home", "birds fly south", "it rained all day"];
        string[] olds = ["the cat sat on a mat", "a dog ran", "birds fly", "it rained"];
        string[] news = ["a cat", "a dog ran home", "birds fly", "sun all day"];
        string[] compats = ["the cat sat", "a dog ran home", "birds fly south", "it rained"];
        PredictionSet Make(string f, string[] p) => PredictionReader.Parse(f, golds.Select((g, i) =>
            JsonSerializer.Serialize(new { id = i, gold = g, prediction = p[i], input = $"dialogue <{i}> & more" })));
        return ComparisonRunner.Compare(PredictionAlignment.Align(Make("old.jsonl", olds), Make("new.jsonl", news), Make("c.jsonl", compats)));
    }

    [Fact]
    public void WritesThreeNonTrivialFilesWithEmbeddedImages()
    {
        var r = TextComparison();
        CompatibilityReport.Write(_dir, r);
        foreach (var f in new[] { "report.json", "report.md", "report.html" })
            Assert.True(new FileInfo(Path.Combine(_dir, f)).Length > 500, f);
        var html = File.ReadAllText(Path.Combine(_dir, "report.html"));
        var images = html.Split("data:image/png;base64,").Skip(1).ToList();
        Assert.Equal(4, images.Count); // two flip scatters, the D histogram, the rates
        foreach (var img in images)
        {
            var png = Convert.FromBase64String(img[..img.IndexOf('"')]);
            Assert.True(png.Length > 5000);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        Assert.Contains("dialogue &lt;3&gt; &amp; more", html); // text is escaped, and the worst flip is listed
        Assert.Contains("sun all day", html);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "report.json")));
        Assert.Equal("rouge1", json.RootElement.GetProperty("summary").GetProperty("metric").GetString());
        Assert.Equal(["0", "3"], json.RootElement.GetProperty("negative_flip_ids").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Contains("| 3 |", File.ReadAllText(Path.Combine(_dir, "report.md")));
    }

    [Fact]
    public void DiscreteReportHasBothQuadrantPlotsAndReplacesAnOldDirectory()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "stale.txt"), "x");
        var old = PredictionReader.Parse("o", Enumerable.Range(0, 20).Select(i => $$"""{"id": {{i}}, "gold": 1, "prediction": {{(i % 3 == 0 ? 0 : 1)}}}"""));
        var @new = PredictionReader.Parse("n", Enumerable.Range(0, 20).Select(i => $$"""{"id": {{i}}, "gold": 1, "prediction": {{(i % 4 == 0 ? 0 : 1)}}}"""));
        var files = CompatibilityReport.Write(_dir, ComparisonRunner.Compare(PredictionAlignment.Align(old, @new, old)));
        Assert.Contains("flips_old_compat.png", files);
        Assert.False(File.Exists(Path.Combine(_dir, "stale.txt")));
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(_dir, f)), f));
    }
}
