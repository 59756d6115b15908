using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.IO;
using Muscle.Tests.Training;

namespace Muscle.Tests.Reliability;

/// <summary>
/// <c>--resume</c> continues only the run it names: the inputs it started on, by content (a changed model or training
/// file is refused naming it), a checkpoint whose state fits the run (a hand-edited step is called corrupt, by file),
/// and what a kill during a checkpoint write left is cleared first. <c>--resume</c> on a directory with no checkpoint
/// says so in a note and starts from step 0.
/// </summary>
public class ResumeTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>A private copy of the model and the training file (the test rewrites them) and a fresh run directory.</summary>
    private (string Model, string Train, string Out) Private()
    {
        var root = Path.Combine(world.Root, "resume-" + Guid.NewGuid().ToString("N")[..8]);
        var model = Directory.CreateDirectory(Path.Combine(root, "model")).FullName;
        foreach (var f in Directory.GetFiles(world.ModelDir)) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
        var train = Path.Combine(root, "train.jsonl");
        File.Copy(world.Train, train);
        return (model, train, Path.Combine(root, "run"));
    }

    // 160 items, batch 8, one epoch: 20 steps.
    private string[] Args(string model, string train, string outDir, params string[] extra) =>
    [
        "train-adapter", "--model", model, "--task", "jsonl-mc", "--train", train, "--valid", world.Valid, "--out", outDir,
        "--rank", "4", "--alpha", "8", "--epochs", "1", "--batch-size", "8", "--grad-accum", "1", "--lr", "5e-3",
        "--warmup", "2", "--save-steps", "5", "--seed", "3", .. TestThreads.CliArgs, .. extra,
    ];

    private const int TotalSteps = 20;

    [Fact]
    public void ResumeOnAChangedModelOrTrainingFileIsRefusedNamingItAndOnTheSameContentsItContinues()
    {
        var (model, train, outDir) = Private();
        // --resume on a fresh directory: a note, then a normal run.
        var first = Cli(Args(model, train, outDir, "--resume"));
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains($"note: --resume: no checkpoint in {outDir}; starting from step 0\n", first.Err);

        var weights = Path.Combine(model, "model.safetensors");
        var original = File.ReadAllBytes(weights);
        InPlaceRewrite.FirstWeight(weights);
        var changedModel = Cli(Args(model, train, outDir, "--resume"));
        Assert.Equal(2, changedModel.Code);
        Assert.Equal(
            $"error: --resume: --model {model} differs from the run's start (model.safetensors content changed); start a new --out\n",
            changedModel.Err);
        InPlaceRewrite.Bytes(weights, original);

        var lines = File.ReadAllLines(train);
        File.WriteAllLines(train, [.. lines.Skip(1), lines[0]]); // the same items in another order
        var changedTrain = Cli(Args(model, train, outDir, "--resume"));
        Assert.Equal(2, changedTrain.Code);
        Assert.Equal($"error: --resume: --train {train} differs from the run's start (content changed); start a new --out\n", changedTrain.Err);
        File.WriteAllLines(train, lines);

        // The dtype is part of the recipe (a bfloat16 base computes otherwise).
        var bf16 = Cli(Args(model, train, outDir, "--resume", "--dtype", "bfloat16"));
        Assert.Equal(2, bf16.Code);
        Assert.Equal("error: cannot resume: the recipe differs from the checkpoint's (dtype: \"float32\" in the checkpoint, \"bfloat16\" now); " +
                     $"start a new --out ({Path.Combine(outDir, "checkpoints", "last", "trainer_state.json")})\n", bf16.Err);

        // The same contents at another path are the same inputs.
        var moved = model + "-moved";
        Directory.Move(model, moved);
        var same = Cli(Args(moved, train, outDir, "--resume"));
        Assert.True(same.Code == 0, same.Err);
        Assert.DoesNotContain("note:", same.Err);
    }

    [Fact]
    public void LeftoversOfAKilledCheckpointWriteAreClearedOnTheNextStartAndAHandEditedStepIsCalledCorrupt()
    {
        var (model, train, outDir) = Private();
        Assert.True(Cli(Args(model, train, outDir)).Code == 0);

        // What SIGKILL during AtomicFile.WriteDirectory / AtomicFile.Write leaves, next to files that are not ours.
        var checkpoints = Path.Combine(outDir, "checkpoints");
        string[] leftovers =
        [
            Path.Combine(checkpoints, $".last.tmp-{Guid.NewGuid():N}"), Path.Combine(checkpoints, $".last.tmp-{Guid.NewGuid():N}"),
            Path.Combine(checkpoints, $".best.old-{Guid.NewGuid():N}"),
        ];
        foreach (var dir in leftovers)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "adapter_model.safetensors"), "half");
        }
        var tmpFile = Path.Combine(outDir, $".training_history.json.tmp-{Guid.NewGuid():N}");
        File.WriteAllText(tmpFile, "{");
        string[] kept = [Path.Combine(checkpoints, "notes.txt"), Path.Combine(checkpoints, ".last.tmp-not-a-guid"), Path.Combine(outDir, "notes.tmp-1")];
        foreach (var k in kept) File.WriteAllText(k, "mine");

        var resumed = Cli(Args(model, train, outDir, "--resume"));
        Assert.True(resumed.Code == 0, resumed.Err);
        foreach (var l in leftovers) Assert.False(Directory.Exists(l), l);
        Assert.False(File.Exists(tmpFile));
        foreach (var k in kept) Assert.True(File.Exists(k), k);

        // A hand-edited step beyond the plan.
        var stateFile = Path.Combine(checkpoints, "last", "trainer_state.json");
        var state = JsonNode.Parse(File.ReadAllText(stateFile))!.AsObject();
        Assert.Equal(TotalSteps, state["global_step"]!.GetValue<long>());
        state["global_step"] = 500000002;
        File.WriteAllText(stateFile, state.ToJsonString());
        var corrupt = Cli(Args(model, train, outDir, "--resume"));
        Assert.Equal(2, corrupt.Code);
        Assert.Equal(
            $"error: cannot resume: the checkpoint is corrupt: global_step 500000002 is outside [0, {TotalSteps}], the run's total steps ({stateFile})\n",
            corrupt.Err);

        // A best epoch the run does not have.
        state["global_step"] = TotalSteps;
        state["best_epoch"] = 7;
        File.WriteAllText(stateFile, state.ToJsonString());
        var badEpoch = Cli(Args(model, train, outDir, "--resume"));
        Assert.Equal(2, badEpoch.Code);
        Assert.Equal($"error: cannot resume: the checkpoint is corrupt: best_epoch 7 is outside [0, 1] ({stateFile})\n", badEpoch.Err);

        // An optimizer file without its RNG state (was a KeyNotFoundException), then one with negative second moments.
        state["best_epoch"] = 1;
        File.WriteAllText(stateFile, state.ToJsonString());
        var optimizerFile = Path.Combine(checkpoints, "last", "optimizer.safetensors");
        var tensors = Safetensors.Load(optimizerFile);
        Safetensors.Save(optimizerFile, tensors.Where(p => p.Key != "torch_rng_state").ToDictionary());
        var noRng = Cli(Args(model, train, outDir, "--resume"));
        Assert.Equal(2, noRng.Code);
        Assert.Equal($"error: cannot resume: the checkpoint is corrupt: it holds no torch_rng_state ({optimizerFile})\n", noRng.Err);
        tensors["exp_avg_sq.0"] = -tensors["exp_avg_sq.0"].abs() - 1;
        Safetensors.Save(optimizerFile, tensors);
        var negative = Cli(Args(model, train, outDir, "--resume"));
        Assert.Equal(2, negative.Code);
        Assert.Equal($"error: cannot resume: the checkpoint is corrupt: it holds negative second moments ({optimizerFile})\n", negative.Err);
    }
}
