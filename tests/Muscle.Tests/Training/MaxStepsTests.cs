using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.IO;
using Muscle.Tests.Pretraining;
using Muscle.Training;

namespace Muscle.Tests.Training;

/// <summary>
/// <c>--max-steps</c> on the trainers: the run stops after N optimizer steps with its schedule sized to them, the cut
/// epoch is validated, a stopped run resumes to the same end; and the warnings for a warmup longer than the run and for
/// a LoRA rank that is not low.
/// </summary>
public sealed class MaxStepsTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    // 160 items, micro-batches of 8, 2 per step: 10 steps an epoch.
    private string[] Args(string outDir, params string[] extra) =>
    [
        "train-adapter", "--model", world.ModelDir, "--task", "jsonl-mc", "--train", world.Train, "--valid", world.Valid,
        "--out", outDir, "--rank", "4", "--alpha", "8", "--epochs", "2", "--lr", "5e-3", "--batch-size", "8", "--grad-accum", "2",
        "--seed", "7", .. TestThreads.CliArgs, .. extra,
    ];

    /// <summary><paramref name="args"/> with <paramref name="option"/>'s value replaced.</summary>
    private static string[] With(string[] args, string option, string value)
    {
        args[Array.IndexOf(args, option) + 1] = value;
        return args;
    }

    private string NewOut() => Path.Combine(world.Root, "max-" + Guid.NewGuid().ToString("N")[..8]);

    private static (int Exit, string Out, string Err) Run(string[] args, TrainingStop? stop = null, TextWriter? progress = null)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var exit = MuscleApp.Run(args, o, e, progress is null ? null : ProgressDisplay.ConsoleFor(progress, isTerminal: false), stop);
        return (exit, o.ToString(), e.ToString());
    }

    [Fact]
    public void Max_steps_stops_early_validates_the_cut_epoch_and_sizes_the_schedule_to_the_steps_taken()
    {
        var outDir = NewOut();
        var (exit, _, err) = Run(Args(outDir, "--max-steps", "13", "--warmup", "13"));
        Assert.True(exit == 0, err);
        // The schedule's length is the 13 steps taken, not the 20 of two epochs.
        Assert.Equal("warning: --warmup 13 >= the run's 13 optimizer steps: the learning rate never reaches --lr 0.005", err.Trim());
        var state = JsonNode.Parse(File.ReadAllText(new TrainingRunLayout(outDir).StateFile))!;
        Assert.Equal(13, state["global_step"]!.GetValue<long>());
        var history = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "training_history.json")))!;
        Assert.Equal(13, history["steps"]!.GetValue<long>());
        Assert.Equal(2, history["validation_loss"]!.AsArray().Count); // epoch 1 and the 3 steps of epoch 2
        Assert.Equal([10.0, 3.0], history["epoch_stats"]!.AsArray().Select(e => e!["steps"]!.GetValue<double>()));

        (exit, _, err) = Run(Args(NewOut(), "--max-steps", "30", "--warmup", "3"));
        Assert.True(exit == 0, err);
        Assert.Equal("", err); // more than the epochs take: all 20 steps, no warning (warmup 3 < 20)
    }

    [Fact]
    public void A_max_steps_run_stopped_and_resumed_ends_with_the_adapter_of_an_uninterrupted_one()
    {
        // Micro-batches of 4, one per step: 40 steps an epoch, cut at 15. The stop comes at the first step's line, before
        // the first save (every 12), so the loop writes the checkpoint there.
        string[] Recipe(string outDir, params string[] extra) =>
            With(With(Args(outDir, ["--max-steps", "15", "--warmup", "2", "--save-steps", "12", .. extra]), "--batch-size", "4"), "--grad-accum", "1");
        var straight = NewOut();
        var (exit, _, err) = Run(Recipe(straight));
        Assert.True(exit == 0, err);

        var stopped = NewOut();
        var stop = new TrainingStop();
        var progress = new Cli.ActOnLineWriter(" loss ", () => stop.TryStop(MuscleApp.ExitInterrupted));
        (exit, _, err) = Run(Recipe(stopped), stop, progress);
        Assert.Equal(MuscleApp.ExitInterrupted, exit);
        Assert.Contains("checkpoint written at step 1 of 15", err);
        (exit, _, err) = Run(Recipe(stopped, "--resume"));
        Assert.True(exit == 0, err);

        var a = Safetensors.Load(Path.Combine(straight, "adapter_model.safetensors"));
        var b = Safetensors.Load(Path.Combine(stopped, "adapter_model.safetensors"));
        foreach (var k in a.Keys) Assert.Equal(a[k].bytes.ToArray(), b[k].bytes.ToArray());
        // A different --max-steps is a different schedule: not the same run.
        (exit, _, err) = Run(With(Recipe(stopped, "--resume"), "--max-steps", "16"));
        Assert.Equal(MuscleApp.ExitBadInput, exit);
        Assert.Contains("the recipe differs from the checkpoint's", err);
        Assert.Contains("MaxSteps: 15 in the checkpoint, 16 now", err);
    }

    [Theory]
    // k_proj and v_proj map 32 → 16 (2 key/value heads of 8): rank 20 is below the hidden size but above their min(in, out).
    [InlineData("20", new[] { "LoRA rank 20 > min(in, out) of 4 targeted layers (e.g. model.layers.0.self_attn.k_proj: 32 -> 16)" })]
    [InlineData("32", new[] { "LoRA rank 32 >= the model's hidden size 32: the adapter is not low-rank (--rank)", "LoRA rank 32 > min(in, out) of 4" })]
    [InlineData("8", new string[0])]
    public void A_rank_that_is_not_low_is_warned_about(string rank, string[] expected)
    {
        var (exit, _, err) = Run(With(Args(NewOut(), "--max-steps", "1", "--warmup", "0"), "--rank", rank));
        Assert.True(exit == 0, err);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Length, lines.Length);
        for (var i = 0; i < lines.Length; i++) Assert.StartsWith("warning: " + expected[i], lines[i]);
    }

    [Fact]
    public void Pretrain_takes_max_steps_as_a_cap()
    {
        using var corpus = new TinyCorpusFixture();
        var outDir = corpus.NewDir();
        var (exit, stdout, err) = Run(["pretrain", "--corpus", corpus.CorpusA, "--tokenizer", corpus.TokenizerDir, "--config", corpus.Config,
            "--out", outDir, "--steps", "6", "--max-steps", "4", "--batch-size", "4", "--seq-len", "16", "--warmup", "1", .. TestThreads.CliArgs]);
        Assert.True(exit == 0, err);
        Assert.Contains("pretrained 4 steps", stdout);
    }
}
