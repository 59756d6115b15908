using System.Text.Json;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary><c>muscle compare</c> on lm-eval --log_samples output (tests/lm-eval-fixtures), in-process.</summary>
public sealed class CompareLmEvalCommandTests
{
    private static readonly string Fixtures = Path.Combine(SharedData.RepoRoot, "tests", "lm-eval-fixtures");
    private static readonly string OldDir = Path.Combine(Fixtures, "old");
    private static readonly string NewDir = Path.Combine(Fixtures, "new", "model-v2");

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void DirectoriesGiveAPerTaskTableAndAPooledRow()
    {
        var (exit, stdout, stderr) = Run("compare", "--old", OldDir, "--new", NewDir);
        Assert.True(exit == 0, stderr);
        Assert.Contains("arc_easy", stdout);
        Assert.Contains("strict-match", stdout);
        Assert.Contains("all 2 tasks (pooled)", stdout);
        Assert.Contains("33.33 %", stdout); // arc_easy NFR
        Assert.StartsWith("note: task gsm8k: 2 filters", stderr);
    }

    [Fact]
    public void JsonHasTasksSummaryAndSeededBootstrap()
    {
        string Json(string seed) => Run("compare", "--old", OldDir, "--new", NewDir, "--json", "--filter", "flexible-extract",
            "--bootstrap", "300", "--seed", seed).Out;
        var first = Json("4");
        Assert.Equal(first, Json("4"));
        using var doc = JsonDocument.Parse(first);
        var root = doc.RootElement;
        Assert.Equal("lm-eval", root.GetProperty("format").GetString());
        var tasks = root.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(["arc_easy", "gsm8k"], tasks.Select(t => t.GetProperty("task").GetString()));
        Assert.Equal("flexible-extract", tasks[1].GetProperty("filter").GetString());
        Assert.Equal(0.0, tasks[1].GetProperty("nfr").GetDouble(), 12);
        var summary = root.GetProperty("summary");
        Assert.Equal(10, summary.GetProperty("n").GetInt32());
        Assert.Equal(0.2, summary.GetProperty("nfr").GetDouble(), 12);
        var boot = summary.GetProperty("bootstrap");
        Assert.Equal(300, boot.GetProperty("resamples").GetInt32());
        var nfr = boot.GetProperty("nfr").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.InRange(0.2, nfr[0], nfr[1]);
    }

    [Fact]
    public void FailOnNfrNamesTheWorstTask()
    {
        var (exit, _, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--fail-on-nfr", "0.3", "--bootstrap", "0");
        Assert.Equal(1, exit);
        Assert.Contains("NFR of task arc_easy 0.3333 exceeds", stderr);
    }

    [Fact]
    public void AcceptedFlipsAreKeyedByTaskAndDocIdAndANewOneFailsTheGate()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-flips-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var accepted = Path.Combine(dir, "accepted.jsonl");
            var (exit, _, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--bootstrap", "0", "--write-accepted-flips", accepted);
            Assert.True(exit == 0, stderr);
            var lines = File.ReadAllLines(accepted);
            Assert.Equal(["{\"task\":\"arc_easy\",\"doc_id\":2}", "{\"task\":\"arc_easy\",\"doc_id\":3}", "{\"task\":\"gsm8k\",\"doc_id\":1}"], lines);

            var blessed = Run("compare", "--old", OldDir, "--new", NewDir, "--bootstrap", "0", "--fail-on-new-flips", accepted);
            Assert.True(blessed.Exit == 0, blessed.Err);

            var partial = Path.Combine(dir, "partial.jsonl");
            File.WriteAllLines(partial, [lines[0], lines[2]]);
            var failed = Run("compare", "--old", OldDir, "--new", NewDir, "--bootstrap", "0", "--fail-on-new-flips", partial);
            Assert.Equal(1, failed.Exit);
            Assert.Contains("fail: 1 new negative flip(s) not in --fail-on-new-flips", failed.Err);
            Assert.Contains(": arc_easy doc_id 3", failed.Err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReportWritesASummaryAndOneReportPerTask()
    {
        var report = Path.Combine(Path.GetTempPath(), "muscle-lmeval-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, _, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--report", report, "--bootstrap", "50");
            Assert.True(exit == 0, stderr);
            Assert.True(File.Exists(Path.Combine(report, "summary.json")));
            Assert.True(File.Exists(Path.Combine(report, "arc_easy", "report.html")));
            Assert.True(File.Exists(Path.Combine(report, "gsm8k", "report.html")));
            // The summary across tasks is in the HTML and Markdown too, with the pooled row and Δ in points.
            var html = File.ReadAllText(Path.Combine(report, "summary.html"));
            Assert.Contains("all 2 tasks (pooled)", html);
            Assert.Contains("<a href=\"arc_easy/report.html\">arc_easy</a>", html);
            Assert.Contains("Δ 95 % boot (pts)", html);
            Assert.Contains("macro average over 2 tasks", html);
            Assert.Contains("all 2 tasks (pooled)", File.ReadAllText(Path.Combine(report, "summary.md")));
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "summary.json")));
            Assert.Equal(2, json.RootElement.GetProperty("summary").GetProperty("tasks").GetInt32());
        }
        finally
        {
            if (Directory.Exists(report)) Directory.Delete(report, recursive: true);
        }
    }

    [Fact]
    public void MixingFormatsIsAnInputError()
    {
        var ours = Path.Combine(Path.GetTempPath(), "muscle-lmeval-ours-" + Guid.NewGuid().ToString("N") + ".jsonl");
        File.WriteAllText(ours, "{\"id\": 0, \"gold\": 1, \"prediction\": 1}\n");
        try
        {
            var (exit, _, stderr) = Run("compare", "--old", OldDir, "--new", ours);
            Assert.Equal(2, exit);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("--old is lm-eval output but --new is not", stderr);
        }
        finally
        {
            File.Delete(ours);
        }
    }
}
