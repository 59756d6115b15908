using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Recipes;

namespace Muscle.Tests.Training;

public class AblateCommandTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    [Fact]
    public void AblatePrintsTable7ColumnsPerStrategyAndWritesResults()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "ablate-test.jsonl"), 20, seed: 11);
        var outDir = Path.Combine(fx.Root, "ablate");
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(
        [
            "ablate", "--old-model", fx.OldModel, "--old-adapter", fx.OldAdapter, "--new-model", fx.NewModel,
            "--new-adapter", fx.NewAdapter, "--task", "jsonl-mc", "--train", fx.Train, "--test", test, "--out", outDir,
            "--strategies", "vanilla,muscle+ce,token-ll,focal-choice", "--epochs", "1", "--batch-size", "8",
            "--grad-accum", "1", "--lr", "1e-2", "--warmup", "1",
        ], o, e);
        Assert.True(code == 0, e.ToString());
        var output = o.ToString();
        foreach (var col in new[] { "ΔNFR_c", "Δ%NFR_c", "ΔPFR_c", "Δacc_c" }) Assert.Contains(col, output);
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var arms = results["arms"]!.AsArray().Select(a => a!["arm"]!.GetValue<string>()).ToList();
        Assert.Equal(["vanilla", "muscle+ce", "token-ll", "focal-choice"], arms);
        var index = File.ReadAllText(Path.Combine(outDir, "index.html"));
        foreach (var arm in arms) Assert.Contains($"href=\"reports/{arm}/report.html\"", index);
        Assert.Contains("strategy token-ll</h1>", File.ReadAllText(Path.Combine(outDir, "reports", "token-ll", "report.html")));
        // The deltas are the compare library's: Δacc_c = acc_compat − acc_new for every arm.
        foreach (var arm in results["arms"]!.AsArray())
        {
            var c = arm!["compare"]!;
            Assert.Equal(c["acc_compat"]!.GetValue<double>() - c["acc_new"]!.GetValue<double>(), arm["delta_acc_c"]!.GetValue<double>(), 9);
            Assert.Equal(c["pfr_c"]!.GetValue<double>() - c["pfr"]!.GetValue<double>(), arm["delta_pfr_c"]!.GetValue<double>(), 9);
        }
    }

    /// <summary>
    /// --teacher-cache and --transfer in ablate: one cache for all arms, built once with the parts every arm needs (the token part for
    /// muscle, the choice scores for muscle-choice) and reused by the others; focal-lm runs its exact teachers.
    /// </summary>
    [Fact]
    public void AblateSharesOneTeacherCacheBuiltOnceAcrossItsArms()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "ablate-cache-test.jsonl"), 12, seed: 12);
        var cacheDir = Path.Combine(fx.Root, "ablate-shared-cache");
        var transfer = Path.Combine(fx.Root, "ablate-transfer.jsonl");
        File.WriteAllLines(transfer, Enumerable.Range(0, 5).Select(i => $"{{\"id\": \"u{i}\", \"context\": \"abba ->\", \"choices\": [\"a\", \"b\"]}}"));
        var request = new UpdateRequest
        {
            OldModelDir = fx.OldModel, OldAdapterDir = fx.OldAdapter, NewModelDir = fx.NewModel, NewAdapterDir = fx.NewAdapter,
            Task = "jsonl-mc", TrainFile = fx.Train, TestFile = test, OutDir = Path.Combine(fx.Root, "ablate-cache"),
            Training = TinyUpdateFixture.Recipe with { WarmupSteps = 1 },
            TeacherCache = new Muscle.Distillation.TeacherCacheOptions(cacheDir),
            TransferFile = transfer,
        };
        var opened = new List<TeacherCacheReady>();
        var rows = AblationPipeline.Run(request, ["muscle", "focal-lm", "muscle-choice"],
            new SyncProgress<RunEvent>(e => { if (e is TeacherCacheReady ready) opened.Add(ready); }));
        Assert.Equal(3, rows.Count);
        Assert.Single(opened, o => o.Status != TeacherCacheStatus.Reused);
        Assert.Equal((TeacherCacheStatus.Built, "train muscle"), (opened[0].Status, Assert.Single(opened[0].Stage)));
        Assert.Contains(opened, o => o.Status == TeacherCacheStatus.Reused && o.Stage.SequenceEqual(["train muscle-choice"]));
        Assert.DoesNotContain(opened, o => o.Stage.Contains("train focal-lm"));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(cacheDir, "manifest.json")))!;
        Assert.True(manifest["tokens"]!.GetValue<bool>());
        Assert.NotNull(manifest["choice_sequences_sha256"]);
        foreach (var arm in new[] { "muscle", "focal-lm" }) // every arm trains on the transfer inputs too
        {
            var stats = JsonNode.Parse(File.ReadAllText(Path.Combine(request.OutDir, "arms", arm, "training_history.json")))!["epoch_stats"]![0]!;
            Assert.Equal(5, stats["transfer_items"]!.GetValue<double>());
        }
    }

    /// <summary>ablate --select: the arms are scored on the validation split and one is chosen by the rule before the test table.</summary>
    [Fact]
    public void AblateSelectChoosesAnArmOnTheValidationSplit()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "ablate-select-test.jsonl"), 12, seed: 15);
        var outDir = Path.Combine(fx.Root, "ablate-select");
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(
        [
            "ablate", "--old-model", fx.OldModel, "--old-adapter", fx.OldAdapter, "--new-model", fx.NewModel,
            "--new-adapter", fx.NewAdapter, "--task", "jsonl-mc", "--train", fx.Train, "--test", test, "--out", outDir,
            "--strategies", "muscle,focal-choice", "--select", "--epochs", "1", "--batch-size", "8", "--grad-accum", "1", "--lr", "1e-2", "--warmup", "1",
        ], o, e);
        Assert.True(code == 0, e.ToString());
        var output = o.ToString();
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var chosen = results["selection"]!["chosen"]!.GetValue<string>();
        Assert.Contains(chosen, new[] { "muscle", "focal-choice" });
        Assert.Contains($"chosen: {chosen}:", output);
        Assert.True(output.IndexOf("validation items", StringComparison.Ordinal) < output.IndexOf("Every arm on the test set", StringComparison.Ordinal));
        Assert.Equal(2, results["arms"]!.AsArray().Count); // ablate still shows every arm on the test set
    }
}
