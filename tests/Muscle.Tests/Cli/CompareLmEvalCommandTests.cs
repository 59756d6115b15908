using System.Text.Json;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Cli;

/// <summary><c>muscle compare</c> on lm-eval --log_samples output (tests/lm-eval-fixtures), in-process.</summary>
public sealed class CompareLmEvalCommandTests
{
    private static readonly string Fixtures = Path.Combine(SharedData.RepoRoot, "tests", "lm-eval-fixtures");
    private static readonly string OldDir = Path.Combine(Fixtures, "old");
    private static readonly string NewDir = Path.Combine(Fixtures, "new", "model-v2");
    private static readonly string CompatDir = Path.Combine(Fixtures, "compat");

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

    // The compat fixtures (make_fixtures.py): arc_easy old right on docs 0-3, new on 0, 1, 4, compat on 0, 2, 3, 4;
    // gsm8k strict-match old right on 0, 1, new on 0, 2, 3, compat on 0-2. Negative flips old → new: arc_easy 2, 3 and
    // gsm8k 1 (NFR 2/6, 1/4, pooled 3/10); old → compat: arc_easy 1 only (NFR_c 1/6, 0, pooled 1/10).

    [Fact]
    public void CompatAddsASecondTableWithNfrCAndItsDeltas()
    {
        var (exit, stdout, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--bootstrap", "200");
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.Contains("│ NFR_c ") && l.Contains("ΔNFR_c 95 % boot (pts)") && l.Contains("Δ%NFR_c 95 % boot (%)"));
        // arc_easy: new 50 %, compat 66.67 %, NFR 33.33 %, NFR_c 16.67 %, ΔNFR_c −16.67 pts, Δ%NFR_c −50 %.
        var arc = lines.Where(l => l.StartsWith("│ arc_easy", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, arc.Count);
        Assert.Matches(@"│ 6 +│ 50\.00 % +│ 66\.67 % +│ \+16\.67 pts +│ 33\.33 % +│ 16\.67 % +│ \[[^]]*\] +│ -16\.67 pts +│ \[[^]]*\] +│ -50\.00 % ", arc[1]);
        // gsm8k: NFR 25 %, NFR_c 0 → −25 pts, −100 %; pooled: NFR 30 %, NFR_c 10 % → −20 pts, −66.67 %.
        Assert.Contains(lines, l => l.StartsWith("│ gsm8k ", StringComparison.Ordinal) && l.Contains("-25.00 pts") && l.Contains("-100.00 %"));
        var pooled = lines.Where(l => l.StartsWith("│ all 2 tasks (pooled)", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, pooled.Count);
        Assert.Matches(@"│ 30\.00 % +│ 10\.00 % +│ \[[^]]*\] +│ -20\.00 pts +│ \[[^]]*\] +│ -66\.67 % ", pooled[1]);
        Assert.Contains("macro average over 2 tasks: NFR_c 8.33 %, ΔNFR_c -20.83 pts", stdout);
    }

    [Fact]
    public void CompatJsonHasPerTaskAndPooledKeysWithTheirBootstrap()
    {
        var (exit, stdout, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--json", "--bootstrap", "300", "--seed", "3");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(CompatDir, root.GetProperty("compat").GetString());
        var arc = root.GetProperty("tasks")[0];
        Assert.Equal(1.0 / 6, arc.GetProperty("nfr_c").GetDouble(), 12);
        Assert.Equal(-1.0 / 6, arc.GetProperty("delta_nfr_c").GetDouble(), 12);
        Assert.Equal(-50.0, arc.GetProperty("delta_pct_nfr_c").GetDouble(), 9);
        Assert.Equal(4.0 / 6, arc.GetProperty("score_compat").GetDouble(), 12);
        var boot = arc.GetProperty("compat_bootstrap");
        Assert.Equal(300, boot.GetProperty("resamples").GetInt32());
        var d = boot.GetProperty("delta_nfr_c").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.InRange(-1.0 / 6, d[0], d[1]);
        var summary = root.GetProperty("summary");
        Assert.Equal(0.1, summary.GetProperty("nfr_c").GetDouble(), 12);
        Assert.Equal(-0.2, summary.GetProperty("delta_nfr_c").GetDouble(), 12);
        Assert.Equal(-200.0 / 3, summary.GetProperty("delta_pct_nfr_c").GetDouble(), 9);
        Assert.Equal(1.0 / 12, summary.GetProperty("macro_nfr_c").GetDouble(), 12);
        var pooled = summary.GetProperty("compat_bootstrap").GetProperty("nfr_c").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.InRange(0.1, pooled[0], pooled[1]);
        // Without --compat none of these keys is written.
        var plain = JsonDocument.Parse(Run("compare", "--old", OldDir, "--new", NewDir, "--json", "--bootstrap", "0").Out).RootElement;
        Assert.False(plain.TryGetProperty("compat", out _));
        Assert.False(plain.GetProperty("summary").TryGetProperty("nfr_c", out _));
    }

    [Fact]
    public void CompatGivesTheSameNfrCAsTheEquivalentPredictionsJsonl()
    {
        // The same right/wrong per item, written as our predictions JSONL ({"id", "gold", "prediction", "correct"}) straight from the lm-eval
        // samples' per-sample metric (acc for arc_easy, exact_match of strict-match for gsm8k), without LmEvalReader.
        var dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-roundtrip-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string Jsonl(string name, string run)
            {
                var lines = new List<string>();
                foreach (var (task, metric, filter) in new[] { ("arc_easy", "acc", "none"), ("gsm8k", "exact_match", "strict-match") })
                {
                    var file = Directory.GetFiles(Path.Combine(Fixtures, run), $"samples_{task}_*.jsonl", SearchOption.AllDirectories).Single();
                    foreach (var line in File.ReadAllLines(file))
                    {
                        using var sample = JsonDocument.Parse(line);
                        var r = sample.RootElement;
                        if (r.GetProperty("filter").GetString() != filter) continue;
                        var right = r.GetProperty(metric).GetDouble() == 1;
                        lines.Add($$"""{"id": "{{task}}/{{r.GetProperty("doc_id").GetInt32()}}", "gold": 1, "prediction": {{(right ? 1 : 0)}}, "correct": {{(right ? "true" : "false")}}}""");
                    }
                }
                var path = Path.Combine(dir, name);
                File.WriteAllLines(path, lines);
                return path;
            }
            var jsonl = JsonDocument.Parse(Run("compare", "--old", Jsonl("old.jsonl", "old"), "--new", Jsonl("new.jsonl", "new"),
                "--compat", Jsonl("compat.jsonl", "compat"), "--json").Out).RootElement;
            var lmEval = JsonDocument.Parse(Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--json",
                "--filter", "strict-match", "--bootstrap", "0").Out).RootElement.GetProperty("summary");
            Assert.Equal(10, jsonl.GetProperty("n").GetInt32());
            foreach (var key in new[] { "nfr_c", "delta_nfr_c", "delta_pct_nfr_c", "pfr_c" })
                Assert.Equal(jsonl.GetProperty(key).GetDouble(), lmEval.GetProperty(key).GetDouble(), 12);
            Assert.Equal(jsonl.GetProperty("nfr").GetDouble(), lmEval.GetProperty("nfr").GetDouble(), 12);
            Assert.Equal(jsonl.GetProperty("acc_compat").GetDouble(), lmEval.GetProperty("score_compat").GetDouble(), 12);
            Assert.Equal(jsonl.GetProperty("delta_acc_c").GetDouble(), lmEval.GetProperty("delta_score_c").GetDouble(), 12);
            Assert.Equal(0.1, jsonl.GetProperty("nfr_c").GetDouble(), 12);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void FailOnNfrWithCompatGatesOldToCompat()
    {
        // Old → new: arc_easy NFR 0.3333 fails a 0.2 limit; old → compat: NFR_c 0.1667 (arc_easy), 0 (gsm8k), 0.1 pooled passes.
        Assert.Equal(1, Run("compare", "--old", OldDir, "--new", NewDir, "--fail-on-nfr", "0.2", "--bootstrap", "0").Exit);
        var passed = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--fail-on-nfr", "0.2", "--bootstrap", "0");
        Assert.True(passed.Exit == 0, passed.Err);
        var failed = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--fail-on-nfr", "0.15", "--bootstrap", "0");
        Assert.Equal(1, failed.Exit);
        Assert.Contains("fail: NFR_c of task arc_easy 0.1667 exceeds --fail-on-nfr 0.15", failed.Err);
        // Just above the worst task's NFR_c (0.1667; gsm8k 0, pooled 0.1) passes.
        Assert.Equal(0, Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--fail-on-nfr", "0.17", "--bootstrap", "0").Exit);
    }

    [Fact]
    public void AcceptedFlipsWithCompatAreTheOldToCompatFlips()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-compat-flips-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var withCompat = Path.Combine(dir, "compat.jsonl");
            var (exit, _, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--bootstrap", "0",
                "--write-accepted-flips", withCompat);
            Assert.True(exit == 0, stderr);
            Assert.Equal(["{\"task\":\"arc_easy\",\"doc_id\":1}"], File.ReadAllLines(withCompat));

            // The old → new baseline (arc_easy 2, 3, gsm8k 1) does not list arc_easy 1, the compat model's own flip.
            var baseline = Path.Combine(dir, "baseline.jsonl");
            Assert.Equal(0, Run("compare", "--old", OldDir, "--new", NewDir, "--bootstrap", "0", "--write-accepted-flips", baseline).Exit);
            var failed = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--bootstrap", "0", "--fail-on-new-flips", baseline);
            Assert.Equal(1, failed.Exit);
            Assert.Contains("fail: 1 new negative flip(s) not in --fail-on-new-flips", failed.Err);
            Assert.Contains(": arc_easy doc_id 1", failed.Err);
            Assert.Contains("3 accepted flip(s)", failed.Err); // the three old → new flips the compat model fixed
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CompatReportHasTheCompatTableAndThreeModelTaskReports()
    {
        var report = Path.Combine(Path.GetTempPath(), "muscle-lmeval-compat-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, _, stderr) = Run("compare", "--old", OldDir, "--new", NewDir, "--compat", CompatDir, "--report", report, "--bootstrap", "50");
            Assert.True(exit == 0, stderr);
            var html = File.ReadAllText(Path.Combine(report, "summary.html"));
            Assert.Contains("<table id=\"compat\">", html);
            Assert.Contains("<th>ΔNFR_c 95 % boot (pts)</th>", html);
            Assert.Contains("<td class=\"num\">-66.67 %</td>", html); // pooled Δ%NFR_c
            Assert.Contains("(compat compat)", html); // the title names the compat run's directory
            Assert.Contains("| Δ%NFR_c |", File.ReadAllText(Path.Combine(report, "summary.md")));
            using var task = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "arc_easy", "report.json")));
            Assert.Equal(1.0 / 6, task.RootElement.GetProperty("summary").GetProperty("nfr_c").GetDouble(), 12);
            Assert.True(task.RootElement.GetProperty("files").TryGetProperty("compat", out _));
        }
        finally
        {
            if (Directory.Exists(report)) Directory.Delete(report, recursive: true);
        }
    }

    [Fact]
    public void CompatInLmEvalFormatWithPredictionsJsonlIsRefusedInOneLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-lmeval-mixed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var old = Path.Combine(dir, "old.jsonl");
            var @new = Path.Combine(dir, "new.jsonl");
            File.WriteAllText(old, "{\"id\": 0, \"gold\": 1, \"prediction\": 1}\n");
            File.WriteAllText(@new, "{\"id\": 0, \"gold\": 1, \"prediction\": 0}\n");
            var (exit, _, stderr) = Run("compare", "--old", old, "--new", @new, "--compat", CompatDir);
            Assert.Equal(2, exit);
            Assert.Equal($"error: --compat is lm-eval output but --old is not (predictions JSONL); give all three in one format ({CompatDir})",
                Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
