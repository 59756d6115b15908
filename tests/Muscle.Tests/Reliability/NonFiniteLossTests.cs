using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Muscle.Adapters;
using Muscle.Cli.Infrastructure;
using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.Tests.Reliability;

/// <summary>
/// A diverging run stops with one line naming the step, exit 2, and leaves the last checkpoint written
/// before the divergence loadable and finite, so <c>--resume</c> or a lower <c>--lr</c> costs minutes, not the run.
/// </summary>
public sealed partial class NonFiniteLossTests : IDisposable
{
    private static readonly string Corpus = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs");
    private static readonly string TinyLlama = Path.Combine(Corpus, "_valid", "tiny-llama");
    private static readonly string TrainFile = Path.Combine(Corpus, "_valid", "mc.jsonl");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-nonfinite-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void An_absurd_learning_rate_stops_at_the_step_and_keeps_the_last_good_checkpoint()
    {
        var outDir = Path.Combine(_dir, "run");
        // 1e25: step 1 moves every lora_B entry by ~lr (Adam's update is lr·sign), the step-2 forward overflows.
        var (exit, stdout, stderr) = TrainAdapter(TinyLlama, outDir, "--lr", "1e25");

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var m = StepPattern().Match(line);
        Assert.True(m.Success, line);
        var step = int.Parse(m.Groups[1].Value);
        Assert.True(step >= 2, line); // step 1 starts from the finite init: something must have been saved
        var last = Path.Combine(outDir, "checkpoints", "last");
        Assert.Contains($"The last good checkpoint (step {step - 1}) is in {last}", line);
        Assert.DoesNotContain("   at ", stderr + stdout);

        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(last, "trainer_state.json")))!;
        Assert.Equal(step - 1, (int)state["global_step"]!);
        using var model = TaskModel.Load(TinyLlama, last);
        Assert.NotNull(model.Adapter);
        Assert.NotEmpty(model.Adapter!.Parameters());
        using var scope = NewDisposeScope();
        Assert.All(model.Adapter.Parameters(), p => Assert.True(isfinite(p).all().item<bool>()));
        // No temporary leftovers; the run directory's own marker, lock file and content-key cache are expected.
        var hidden = Directory.EnumerateFiles(_dir, ".*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(Path.GetFileName).Where(f => f is not (OutputGuard.MarkerFileName or OutputGuard.LockFileName or OutputGuard.ContentKeysFileName)).ToList();
        Assert.True(hidden.Count == 0, $"left over: {string.Join(", ", hidden)}");
    }

    [Fact]
    public void Overflowing_base_weights_stop_at_step_one_and_say_there_is_no_checkpoint()
    {
        var outDir = Path.Combine(_dir, "run");
        var (exit, _, stderr) = TrainAdapter(Path.Combine(Corpus, "train-adapter-overflowing-weights", "model"), outDir);

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: non-finite training loss at step 1; stopped. No checkpoint was written yet", line);
        Assert.False(Directory.Exists(Path.Combine(outDir, "checkpoints", "last")));
    }

    private static (int Exit, string Out, string Err) TrainAdapter(string model, string outDir, params string[] extra)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        string[] args =
        [
            "train-adapter", "--model", model, "--task", "jsonl-mc", "--train", TrainFile, "--out", outDir,
            "--rank", "2", "--alpha", "4", "--epochs", "2", "--batch-size", "1", "--grad-accum", "1", "--warmup", "0",
            "--save-steps", "1", .. extra,
        ];
        var exit = MuscleApp.Run(args, stdout, stderr);
        return (exit, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    [GeneratedRegex(@"^error: non-finite training loss at step (\d+)(?: \(mean of steps \d+–\d+\))?; stopped\. ")]
    private static partial Regex StepPattern();
}
