using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Demo;

/// <summary>
/// The CI smoke test of the whole chain: <c>muscle demo --quick</c> from nothing — world, two pretrained
/// bases, adapters, MUSCLE, evaluation, comparison, strategies — must run and leave well-formed outputs. It checks
/// shapes, not effect sizes (those are benchmarks, in docs/RESULTS.md).
/// </summary>
public class DemoSmokeTests
{
    [Fact]
    public void QuickDemoRunsTheWholeChainAndWritesWellFormedOutputs()
    {
        var dir = Directory.CreateTempSubdirectory("muscle-demo-").FullName;
        var alone = dir + "-alone";
        var threads = TorchSharp.torch.get_num_threads();
        try
        {
            var (o, e, progress) = (new StringWriter(), new StringWriter(), new StringWriter());
            // Two threads: the three tasks run in two lanes of one thread each (DemoPipeline.Lanes).
            var code = MuscleApp.Run(["--threads", "2", "demo", "--quick", "--out", dir], o, e, ProgressDisplay.ConsoleFor(progress, isTerminal: false));
            Assert.True(code == 0, e.ToString());
            // Progress on a pipe: plain lines counting the stages up to the plan's last one.
            var stages = System.Text.RegularExpressions.Regex.Matches(progress.ToString(), @"stage (\d+)/(\d+) ")
                .Select(m => (K: int.Parse(m.Groups[1].Value), N: int.Parse(m.Groups[2].Value))).ToList();
            Assert.NotEmpty(stages);
            var planned = Assert.Single(stages.Select(s => s.N).Distinct());
            Assert.Equal(stages.Select(s => s.K).Order(), stages.Select(s => s.K));
            Assert.Equal(planned, stages[^1].K);
            var output = o.ToString();
            foreach (var task in new[] { "sentiment", "arithmetic", "dialogue" })
            {
                Assert.Contains(task, output);
                var update = Path.Combine(dir, "seed-42", task, "update");
                var counts = new[] { "old", "new", "compat" }
                    .Select(m => File.ReadAllLines(Path.Combine(update, "predictions", m + ".jsonl")).Length).Distinct().ToList();
                Assert.Single(counts);
                Assert.True(counts[0] > 0);
                var report = JsonNode.Parse(File.ReadAllText(Path.Combine(update, "report", "report.json")))!;
                Assert.NotNull(report);
                var html = File.ReadAllText(Path.Combine(update, "report", "report.html"));
                // auto is the default: the title names the strategy chosen on the validation split, which the table names too.
                var chosen = JsonNode.Parse(File.ReadAllText(Path.Combine(update, "selection", "selection.json")))!["chosen"]!.GetValue<string>();
                Assert.Contains($"<h1>{task}: v1 → v2, strategy auto: {chosen}</h1>", html);
                Assert.Contains($"auto: {chosen}", output);
                Assert.Contains("Verdict: ", html);
                // Every task kind gets its strategies table (the quick candidates), on the test set.
                var results = JsonNode.Parse(File.ReadAllText(Path.Combine(update, "results.json")))!;
                Assert.Equal(task == "sentiment" ? ["muscle", "focal-choice"] : ["muscle", "focal-kl"],
                    results["arms"]!.AsArray().Select(a => a!["arm"]!.GetValue<string>()));
                Assert.Contains($"Strategies side by side on {task}", output);
            }
            // The run's front page links every task's and every strategy's report.
            var index = File.ReadAllText(Path.Combine(dir, "index.html"));
            foreach (var task in new[] { "sentiment", "arithmetic", "dialogue" })
                Assert.Contains($"href=\"seed-42/{task}/update/report/report.html\"", index);
            foreach (var arm in new[] { "muscle", "focal-choice" })
                Assert.Contains($"href=\"seed-42/sentiment/update/reports/{arm}/report.html\"", index);
            foreach (var col in new[] { "NFR", "ΔNFR_c", "Δ%NFR_c", "Δm_g" }) Assert.Contains(col, output);
            foreach (var b in new[] { "v1", "v2" })
                Assert.True(File.Exists(Path.Combine(dir, "bases", b, "pretrain_state.json")), b);

            // A rerun reuses every stage.
            var again = MuscleApp.Run(["demo", "--quick", "--out", dir], new StringWriter(), new StringWriter());
            Assert.Equal(0, again);

            // The tasks one after the other on one thread, on the same bases, give the same predictions and tables.
            TestDirectories.Copy(dir, alone);
            Directory.Delete(Path.Combine(alone, "seed-42"), recursive: true);
            var o1 = new StringWriter();
            Assert.Equal(0, MuscleApp.Run(["--threads", "1", "demo", "--quick", "--out", alone], o1, new StringWriter()));
            var predictions = Directory.GetFiles(Path.Combine(dir, "seed-42"), "*.jsonl", SearchOption.AllDirectories)
                .Where(f => f.Contains($"{Path.DirectorySeparatorChar}predictions{Path.DirectorySeparatorChar}")).ToList();
            Assert.True(predictions.Count >= 15, $"{predictions.Count} prediction files");
            foreach (var f in predictions)
                Assert.True(File.ReadAllBytes(f).AsSpan().SequenceEqual(File.ReadAllBytes(alone + f[dir.Length..])), f);
            Assert.Equal(Tables(output), Tables(o1.ToString()));
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
            Directory.Delete(dir, recursive: true);
            if (Directory.Exists(alone)) Directory.Delete(alone, recursive: true);
        }
    }

    /// <summary>The printed tables without the run directory line (its path and time differ between runs).</summary>
    private static string Tables(string output) =>
        string.Join('\n', output.Split('\n').Where(l => !l.StartsWith("run directory:", StringComparison.Ordinal)));

}
