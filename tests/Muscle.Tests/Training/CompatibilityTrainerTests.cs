using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.Recipes;
using Muscle.Training;

namespace Muscle.Tests.Training;

/// <summary>Two tiny bases with one tokenizer, a task adapter on each: the inputs of every compatibility run.</summary>
public sealed class TinyUpdateFixture : IDisposable
{
    public static readonly AdapterTrainingOptions Recipe = new()
    {
        Rank = 4, Alpha = 8, LearningRate = 1e-2, Epochs = 1, BatchSize = 8, GradAccum = 1, WarmupSteps = 2,
        MaxSeqLen = 64, SaveSteps = 100, LogSteps = 5, Seed = 3,
    };

    public TinyUpdateFixture()
    {
        Root = Directory.CreateTempSubdirectory("muscle-compat-").FullName;
        OldModel = TinyTaskWorld.CreateModel(Path.Combine(Root, "v1"), seed: 1);
        NewModel = TinyTaskWorld.CreateModel(Path.Combine(Root, "v2"), seed: 2);
        Train = TinyTaskWorld.WriteMajorityTask(Path.Combine(Root, "train.jsonl"), 64, seed: 1);
        var data = TaskData.Load("jsonl-mc", Train, null, null, null, Recipe);
        OldAdapter = Path.Combine(Root, "v1-task");
        NewAdapter = Path.Combine(Root, "v2-task");
        AdapterTrainer.Train(OldModel, data, Recipe, OldAdapter, false, TorchSharp.torch.ScalarType.Float32);
        AdapterTrainer.Train(NewModel, data, Recipe, NewAdapter, false, TorchSharp.torch.ScalarType.Float32);
    }

    public string Root { get; }
    public string OldModel { get; }
    public string NewModel { get; }
    public string OldAdapter { get; }
    public string NewAdapter { get; }
    public string Train { get; }

    public string[] Args(string outDir, params string[] extra) =>
    [
        "train-compat", "--old-model", OldModel, "--old-adapter", OldAdapter, "--new-model", NewModel,
        "--new-adapter", NewAdapter, "--task", "jsonl-mc", "--train", Train, "--out", outDir,
        "--epochs", "1", "--batch-size", "8", "--grad-accum", "1", "--lr", "1e-2", "--warmup", "1", .. extra,
    ];

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public class CompatibilityTrainerTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    private static (int Code, string Out, string Err) Cli(string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        return (MuscleApp.Run(args, o, e), o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("muscle")]
    [InlineData("kl-old")]
    [InlineData("focal-kl")]
    [InlineData("xie-better")]
    [InlineData("vanilla")]
    [InlineData("muscle-choice")]
    [InlineData("focal-choice")]
    public void TrainCompatRunsEachStrategyAndLogsTheAlignedShare(string strategy)
    {
        var outDir = Path.Combine(fx.Root, "compat-" + strategy);
        var (code, output, err) = Cli(fx.Args(outDir, "--strategy", strategy));
        Assert.True(code == 0, err);
        Assert.Contains("compatibility adapter in", output);
        var history = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "training_history.json")))!;
        var stats = history["epoch_stats"]![0]!.AsObject();
        var aligned = stats["aligned_to_old"]!.GetValue<double>();
        Assert.InRange(aligned, 0, 1);
        if (strategy == "kl-old") Assert.Equal(1.0, aligned);
        if (strategy == "vanilla") Assert.Equal(0.0, aligned);
        if (strategy != "vanilla") Assert.True(stats.ContainsKey("valid_l_comp"));
        // The student started as the new task adapter: same PEFT config (rank, targets).
        Assert.Equal(File.ReadAllText(Path.Combine(fx.NewAdapter, "adapter_config.json")),
                     File.ReadAllText(Path.Combine(outDir, "adapter_config.json")));
    }

    /// <summary>
    /// The optimizer of train-compat holds exactly the student's LoRA tensors: its saved state has one exp_avg per tensor of
    /// the adapter file, shape for shape, and nothing of the base (whose weights file is untouched).
    /// </summary>
    [Fact]
    public void OnlyTheStudentsLoraWeightsAreTrained()
    {
        var baseWeights = Path.Combine(fx.NewModel, "model.safetensors");
        var before = File.ReadAllBytes(baseWeights);
        var outDir = Path.Combine(fx.Root, "compat-trainable");
        var (code, _, err) = Cli(fx.Args(outDir, "--strategy", "muscle"));
        Assert.True(code == 0, err);
        var adapter = Muscle.IO.Safetensors.ReadHeader(Path.Combine(outDir, "adapter_model.safetensors")).Entries;
        var optimizer = Muscle.IO.Safetensors.ReadHeader(Path.Combine(outDir, "checkpoints", "last", "optimizer.safetensors")).Entries
            .Where(e => e.Name.StartsWith("exp_avg.", StringComparison.Ordinal)).ToList();
        Assert.All(adapter, e => Assert.Contains(".lora_", e.Name));
        Assert.Equal(adapter.Count, optimizer.Count);
        Assert.Equal(adapter.Select(e => e.ShapeText).Order(), optimizer.Select(e => e.ShapeText).Order());
        Assert.Equal(before, File.ReadAllBytes(baseWeights));
    }

    [Fact]
    public void ChoiceLevelWithTokenLossRunsAndNonMcTasksAreRefused()
    {
        var outDir = Path.Combine(fx.Root, "compat-choice-token");
        var (code, _, err) = Cli(fx.Args(outDir, "--strategy", "muscle-choice", "--with-token-loss"));
        Assert.True(code == 0, err);
        var stats = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "training_history.json")))!["epoch_stats"]![0]!.AsObject();
        Assert.InRange(stats["valid_choice_acc"]!.GetValue<double>(), 0, 1);
        (code, _, err) = Cli(fx.Args(outDir + "-x", "--strategy", "muscle", "--with-token-loss"));
        Assert.Equal(2, code);
        Assert.Contains("--with-token-loss", err);
    }

    [Fact]
    public void BasesWithDifferentTokenizersAreRefusedWithOneLine()
    {
        var other = Path.Combine(fx.Root, "v2-other-tokenizer");
        if (!Directory.Exists(other))
        {
            Directory.CreateDirectory(other);
            foreach (var f in Directory.GetFiles(fx.NewModel)) File.Copy(f, Path.Combine(other, Path.GetFileName(f)));
            // Swap two byte tokens: same size, different token → id map.
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(other, "tokenizer.json")))!;
            var vocab = json["model"]!["vocab"]!.AsObject();
            var (a, b) = (vocab["a"]!.GetValue<int>(), vocab["b"]!.GetValue<int>());
            vocab["a"] = b;
            vocab["b"] = a;
            File.WriteAllText(Path.Combine(other, "tokenizer.json"), json.ToJsonString());
        }
        var args = fx.Args(Path.Combine(fx.Root, "never"));
        args[Array.IndexOf(args, "--new-model") + 1] = other;
        var (code, _, err) = Cli(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: the old and new base models have different tokenizers", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(fx.Root, "never")));
    }

    [Fact]
    public void LikelihoodMasksWithoutLambdaAreRefused()
    {
        var (code, _, err) = Cli(fx.Args(Path.Combine(fx.Root, "never2"), "--strategy", "token-ll"));
        Assert.Equal(2, code);
        Assert.Contains("--ce-weight", err);
    }
}
