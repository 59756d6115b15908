using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Recipes;

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

    /// <summary>
    /// --strategy auto: every candidate scored on the validation split, the choice made by the stated rule from those numbers
    /// (selection.json), the test set evaluated for the chosen strategy only, one teacher cache for all candidates.
    /// </summary>
    [Fact]
    public void UpdateWithStrategyAutoChoosesOnTheValidationSplitAndTestsOnlyTheChoice()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "auto-test.jsonl"), 16, seed: 13);
        var outDir = Path.Combine(fx.Root, "update-auto");
        var (code, output, err) = Cli([.. Args(outDir, test), "--new-adapter", fx.NewAdapter, "--strategy", "auto", "--select-tolerance", "2"]);
        Assert.True(code == 0, err);
        Assert.Contains("Strategy selection on the validation split", output);
        Assert.Contains("rule: lowest NFR_c on the validation split", output);
        Assert.Contains("minus 2 point(s)", output);
        Assert.Contains("Δ%NFR_c 95 % CI", output);
        var selection = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "selection", "selection.json")))!;
        var candidates = selection["candidates"]!.AsArray().Select(c => new StrategyCandidate(
            c!["strategy"]!.GetValue<string>(), c["nfr_c"]!.GetValue<double>(), c["score_c"]!.GetValue<double>())).ToList();
        Assert.Equal(StrategySelection.DefaultCandidates(Muscle.Tasks.TaskKind.MultipleChoice), candidates.Select(c => c.Name));
        var chosen = selection["chosen"]!.GetValue<string>();
        Assert.Equal(StrategySelection.Choose(candidates, selection["score_new"]!.GetValue<double>(), 0.02).Chosen, chosen);
        Assert.Contains($"chosen: {chosen}:", output);
        Assert.Contains($"Test set, the chosen strategy ({chosen}) only:", output);
        Assert.True(File.Exists(Path.Combine(outDir, "selection", "selection.md")));
        // No selection on test: only v1, v2 and the chosen adapter are evaluated on it; every candidate on the validation split.
        Assert.Equal(new[] { "compat.jsonl", "new.jsonl", "old.jsonl", chosen + ".jsonl" }.Order(),
            Directory.GetFiles(Path.Combine(outDir, "predictions")).Select(Path.GetFileName).Order());
        Assert.Equal(File.ReadAllText(Path.Combine(outDir, "predictions", chosen + ".jsonl")), File.ReadAllText(Path.Combine(outDir, "predictions", "compat.jsonl")));
        Assert.Equal(candidates.Count + 2, Directory.GetFiles(Path.Combine(outDir, UpdatePipeline.ValidPredictionsDir)).Length);
        Assert.True(File.Exists(Path.Combine(outDir, "teacher-cache", "manifest.json")));
        Assert.Contains($"auto: {chosen}", File.ReadAllText(Path.Combine(outDir, "report", "report.html")));
    }

    /// <summary>A run killed while training the second candidate: the rerun reuses the finished first candidate and finishes.</summary>
    [Fact]
    public void StrategyAutoKilledMidCandidateReusesTheFinishedCandidatesOnRerun()
    {
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "auto-resume-test.jsonl"), 12, seed: 14);
        var request = new UpdateRequest
        {
            OldModelDir = fx.OldModel, OldAdapterDir = fx.OldAdapter, NewModelDir = fx.NewModel, NewAdapterDir = fx.NewAdapter,
            Task = "jsonl-mc", TrainFile = fx.Train, TestFile = test, OutDir = Path.Combine(fx.Root, "update-auto-resume"),
            Training = TinyUpdateFixture.Recipe with { WarmupSteps = 1 },
            Selection = new StrategySelectionOptions { Candidates = ["muscle", "focal-choice"] },
        };
        var killed = Assert.Throws<InvalidOperationException>(() => UpdatePipeline.Run(request, new SyncProgress<RunEvent>(e =>
        {
            if (e is StepProgress && e.Stage.Contains("train focal-choice")) throw new InvalidOperationException("killed");
        })));
        Assert.Equal("killed", killed.Message);
        Assert.True(File.Exists(Path.Combine(request.OutDir, "stages", "train-muscle", Stages.DoneFile)));
        Assert.False(File.Exists(Path.Combine(request.OutDir, "stages", "train-focal-choice", Stages.DoneFile)));

        var started = new List<string>();
        var (planned, reached) = (0, 0);
        var result = UpdatePipeline.Run(request, new SyncProgress<RunEvent>(e =>
        {
            if (e is StageStarted s) started.Add(s.Name);
            if (e is StagePlan plan) planned = plan.Stages;
            if (e is StageStarted or StageDone { Reused: true }) reached++;
        }));
        // The stage plan counts the candidates' stages: v1/v2 on the validation split, each candidate's training and
        // validation predictions, then the three test predictions (every one started or reused once).
        Assert.Equal(UpdatePipeline.StageCount(trainsNewAdapter: false, candidates: 2), planned);
        Assert.Equal(2 + 2 * 2 + 3, planned);
        Assert.Equal(planned, reached);
        Assert.Contains("train-muscle", result.SkippedStages);
        Assert.Contains("predict-valid-muscle", result.SkippedStages);
        Assert.Contains("train-focal-choice", started);
        Assert.DoesNotContain("train-muscle", started);
        Assert.NotNull(result.Selection);
        Assert.Equal(result.Selection!.Chosen, result.Strategy);
        Assert.Equal(Path.Combine(request.OutDir, "arms", result.Selection.Chosen), result.CompatAdapterDir);
    }
}
