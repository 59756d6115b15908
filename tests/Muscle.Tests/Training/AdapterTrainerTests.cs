using Muscle.Testing;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Events;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Recipes;
using Muscle.Training;
using TorchSharp;

namespace Muscle.Tests.Training;

public sealed class TinyWorldFixture : IDisposable
{
    public TinyWorldFixture()
    {
        Root = Directory.CreateTempSubdirectory("muscle-train-").FullName;
        ModelDir = TinyTaskWorld.CreateModel(Path.Combine(Root, "base"));
        Train = TinyTaskWorld.WriteMajorityTask(Path.Combine(Root, "train.jsonl"), 160, seed: 1);
        Valid = TinyTaskWorld.WriteMajorityTask(Path.Combine(Root, "valid.jsonl"), 40, seed: 2);
    }

    public string Root { get; }
    public string ModelDir { get; }
    public string Train { get; }
    public string Valid { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class AdapterTrainerTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    private static readonly AdapterTrainingOptions Quick = new()
    {
        Rank = 4, Alpha = 8, LearningRate = 1e-2, Epochs = 2, BatchSize = 8, GradAccum = 2, WarmupSteps = 2,
        MaxSeqLen = 64, SaveSteps = 3, LogSteps = 2, Seed = 5,
    };

    private TaskData Data(AdapterTrainingOptions o) => TaskData.Load("jsonl-mc", world.Train, null, world.Valid, null, o);

    private string NewOut() => Path.Combine(world.Root, "run-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void TrainingLowersValidationCrossEntropyAndWritesAPeftAdapter()
    {
        var outDir = NewOut();
        var result = AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, outDir, resume: false, torch.ScalarType.Float32);
        Assert.Equal(2, result.ValidationLosses.Count);
        Assert.True(result.BestValidationLoss < result.InitialValidationLoss - 0.3,
            $"validation CE {result.InitialValidationLoss:F3} → {result.BestValidationLoss:F3}");
        Assert.True(File.Exists(Path.Combine(outDir, "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(outDir, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "training_history.json")));
        // The adapter at the root is the best epoch's, and it loads onto the base.
        using var tm = TaskModel.Load(world.ModelDir, outDir);
        Assert.Equal(tm.Model.AdaptableLinears().Count, tm.Adapter!.Layers.Count);
    }

    [Fact]
    public void OnlyTheLoraWeightsAreTrainable()
    {
        using var tm = TaskModel.Load(world.ModelDir);
        Assert.All(tm.Model.Module.parameters(), p => Assert.False(p.requires_grad));
        using var adapter = tm.Model.AddAdapter("default", new LoraConfig { R = 2, LoraAlpha = 4 }, seed: 1);
        adapter.RequiresGrad(true);
        using var optimizer = new AdamW(adapter.Parameters(), 1e-3);
        Assert.Equal(2 * tm.Model.AdaptableLinears().Count, optimizer.Parameters.Count);
        // The adapter's layers are members of the model: its parameters are the model's only trainable ones.
        Assert.Equal(adapter.Parameters().Select(p => p.Handle).Order(),
                     tm.Model.Module.parameters().Where(p => p.requires_grad).Select(p => p.Handle).Order());
    }

    [Fact]
    public void ResumingFromACheckpointWithoutTrainerStateIsRefusedNotRestarted()
    {
        var outDir = NewOut();
        var checkpoint = new TrainingRunLayout(outDir).CheckpointDir;
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, "pretrain_state.json"), "{}"); // an older format's checkpoint
        var e = Assert.Throws<MuscleInputException>(() =>
            AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, outDir, resume: true, torch.ScalarType.Float32));
        Assert.Contains("holds no trainer_state.json", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ResumingAfterACrashEndsWithTheSameAdapterBitForBit(int threads)
    {
        using var _ = TestThreads.Use(threads);
        var straight = NewOut();
        AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, straight, resume: false, torch.ScalarType.Float32);

        var crashed = NewOut();
        var crash = new SyncProgress<RunEvent>(p =>
        {
            if (p is StepProgress { Step: 8 }) throw new InvalidOperationException("simulated crash at step 8");
        });
        Assert.Throws<InvalidOperationException>(() =>
            AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, crashed, resume: false, torch.ScalarType.Float32, crash));
        var saved = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(new TrainingRunLayout(crashed).StateFile))!;
        Assert.Equal(6, saved["global_step"]!.GetValue<long>()); // last checkpoint before the crash (every 3 steps)
        Assert.Throws<MuscleInputException>(() =>
            AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, crashed, resume: false, torch.ScalarType.Float32));
        AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, crashed, resume: true, torch.ScalarType.Float32);

        var a = Safetensors.Load(Path.Combine(straight, "adapter_model.safetensors"));
        var b = Safetensors.Load(Path.Combine(crashed, "adapter_model.safetensors"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.Equal(a[k].bytes.ToArray(), b[k].bytes.ToArray());
        // Equal but for the wall-clock seconds of each epoch.
        Assert.Equal(WithoutSeconds(Path.Combine(straight, "training_history.json")),
                     WithoutSeconds(Path.Combine(crashed, "training_history.json")));
    }

    private static string WithoutSeconds(string historyFile)
    {
        var history = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(historyFile))!;
        foreach (var epoch in history["epoch_stats"]!.AsArray()) Assert.True(epoch!.AsObject().Remove("seconds"));
        return history.ToJsonString();
    }

    [Fact]
    public void TrainingHistoryHasEachEpochsLossesStepsAndSeconds()
    {
        var outDir = NewOut();
        var result = AdapterTrainer.Train(world.ModelDir, Data(Quick), Quick, outDir, resume: false, torch.ScalarType.Float32);
        var history = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "training_history.json")))!;
        var epochs = history["epoch_stats"]!.AsArray();
        Assert.Equal(2, epochs.Count);
        // 160 items in micro-batches of 8, 2 per step: 10 steps per epoch.
        for (var i = 0; i < epochs.Count; i++)
        {
            var e = epochs[i]!.AsObject();
            Assert.Equal(i + 1, e["epoch"]!.GetValue<double>());
            Assert.Equal(10, e["steps"]!.GetValue<double>());
            Assert.Equal(result.ValidationLosses[i], e["validation_loss"]!.GetValue<double>());
            var trainLoss = e["train_loss"]!.GetValue<double>();
            Assert.True(double.IsFinite(trainLoss) && trainLoss > 0, $"epoch {i + 1} train loss {trainLoss}");
            Assert.True(e["seconds"]!.GetValue<double>() >= 0);
        }
        // The epoch's mean is the loss history's, each point (the first step, a log every 2 steps, a save every 3)
        // weighted by the steps it covers: 1, 2, 3, 4, 6, 8, 9, 10 cover 1, 1, 1, 1, 2, 2, 1, 1 steps.
        var points = result.LossHistory.Where(p => p.Step <= 10).ToList();
        Assert.Equal([1L, 2, 3, 4, 6, 8, 9, 10], points.Select(p => p.Step));
        var weighted = points.Select((p, i) => p.Loss * (p.Step - (i == 0 ? 0 : points[i - 1].Step))).Sum() / 10;
        Tolerance.Float32.AssertClose(weighted, epochs[0]!["train_loss"]!.GetValue<double>(), "epoch 1 train loss");
    }

    [Fact]
    public void TrainAdapterCommandRunsAndEvalWritesPredictions()
    {
        var outDir = NewOut();
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(["train-adapter", "--model", world.ModelDir, "--task", "jsonl-mc", "--train", world.Train,
            "--out", outDir, "--rank", "4", "--alpha", "8", "--epochs", "1", "--lr", "1e-2", "--warmup", "1",
            "--batch-size", "8", "--grad-accum", "1"], o, e);
        Assert.True(code == 0, e.ToString());
        Assert.Contains("best epoch 1", o.ToString());

        // Beside the run, not inside it: an output never lies inside an input (--adapter).
        var preds = outDir + "-preds.jsonl";
        code = MuscleApp.Run(["eval", "--model", world.ModelDir, "--adapter", outDir, "--task", "jsonl-mc",
            "--data", world.Valid, "--out", preds], o, e);
        Assert.True(code == 0, e.ToString());
        var lines = File.ReadAllLines(preds);
        Assert.Equal(40, lines.Length);
        var first = System.Text.Json.Nodes.JsonNode.Parse(lines[0])!;
        Assert.Equal("q0", first["id"]!.GetValue<string>());
        Assert.Equal(2, first["logprobs"]!.AsArray().Count);
        Assert.NotNull(first["correct"]);
    }
}
