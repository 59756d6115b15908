using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;

namespace Muscle.Tests.Training;

public class UpdateCommandTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    private static (int Code, string Out, string Err) Cli(string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString());
    }

    private string[] Args(string outDir, string test) =>
    [
        "update", "--old-model", fx.OldModel, "--old-adapter", fx.OldAdapter, "--new-model", fx.NewModel,
        "--task", "jsonl-mc", "--train", fx.Train, "--test", test, "--out", outDir, "--json",
        "--epochs", "1", "--batch-size", "8", "--grad-accum", "1", "--lr", "1e-2", "--warmup", "1",
    ];

    [Fact]
    public void UpdateRunsEveryStagePrintsTheHeadlineAndRerunsOnlyWhatIsMissing()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "update-test.jsonl"), 30, seed: 9);
        var outDir = Path.Combine(fx.Root, "update");
        var (code, output, err) = Cli(Args(outDir, test));
        Assert.True(code == 0, err);
        var lines = output.Trim().Split('\n');
        var json = JsonNode.Parse(lines[^1])!.AsObject();
        foreach (var key in new[] { "n", "metric", "acc_old", "acc_new", "nfr", "pfr", "nfr_mc", "acc_compat", "nfr_c", "delta_pct_nfr_c" })
            Assert.True(json.ContainsKey(key), key);
        Assert.Equal(30, json["n"]!.GetValue<int>());
        Assert.Contains("NFR_c", output);
        foreach (var f in new[] { "new-task-adapter/adapter_model.safetensors", "compat-adapter/adapter_model.safetensors",
                                  "predictions/old.jsonl", "predictions/new.jsonl", "predictions/compat.jsonl", "report/report.html", "index.html" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);

        // A rerun reuses every finished stage and prints the same comparison.
        var again = Cli(Args(outDir, test));
        Assert.Equal(0, again.Code);
        Assert.Contains("reused finished stages: new-task-adapter, compat-adapter, predict-old, predict-new, predict-compat", again.Err);
        Assert.Equal(lines[^1], again.Out.Trim().Split('\n')[^1]);

        // As if killed during the last stage: only that stage runs again.
        File.Delete(Path.Combine(outDir, "stages", "predict-compat", "stage.done.json"));
        File.Delete(Path.Combine(outDir, "predictions", "compat.jsonl"));
        var resumed = Cli(Args(outDir, test));
        Assert.Equal(0, resumed.Code);
        Assert.Contains("reused finished stages: new-task-adapter, compat-adapter, predict-old, predict-new", resumed.Err);
        Assert.DoesNotContain("predict-compat", resumed.Err);
        Assert.Equal(lines[^1], resumed.Out.Trim().Split('\n')[^1]);
    }

    /// <summary>update passes --teacher-cache and --transfer to the compatibility stage; a rerun reuses the stage (same fingerprint).</summary>
    [Fact]
    public void UpdateTrainsTheCompatibilityAdapterThroughTheTeacherCacheAndTransfer()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "update-cache-test.jsonl"), 12, seed: 10);
        var outDir = Path.Combine(fx.Root, "update-cache");
        var cacheDir = Path.Combine(fx.Root, "update-cache-teachers");
        var transfer = Path.Combine(fx.Root, "update-transfer.jsonl");
        File.WriteAllLines(transfer, Enumerable.Range(0, 6).Select(i => $"{{\"id\": \"u{i}\", \"context\": \"abab ->\", \"choices\": [\"a\", \"b b b\"]}}"));
        string[] args = [.. Args(outDir, test), "--new-adapter", fx.NewAdapter, "--strategy", "muscle-choice", "--teacher-cache", cacheDir,
                         "--transfer", transfer];
        var (code, _, err) = Cli(args);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(cacheDir, "choices.safetensors")));
        Assert.True(File.Exists(Path.Combine(outDir, "compat-adapter", "adapter_model.safetensors")));
        var stats = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "compat-adapter", "training_history.json")))!["epoch_stats"]![0]!;
        Assert.Equal(6, stats["transfer_items"]!.GetValue<double>() + stats["transfer_skipped"]!.GetValue<double>());
        var again = Cli(args);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("compat-adapter", again.Err); // reused finished stages
    }
}
