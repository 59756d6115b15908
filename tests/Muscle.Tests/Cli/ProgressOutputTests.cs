using System.Text.RegularExpressions;
using Muscle.Cli.Infrastructure;
using Muscle.Events;
using Muscle.Tests.Training;

namespace Muscle.Tests.Cli;

/// <summary>
/// Progress when stderr is not a terminal (a pipe, a CI log): one plain line per update, never wrapped at Spectre's 80
/// columns, with the position (k/N) and the remaining time; a pipeline's lines count its stages.
/// </summary>
public sealed class ProgressOutputTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    [Fact]
    public void A_training_on_a_pipe_writes_whole_lines_with_its_position_and_eta()
    {
        var outDir = Path.Combine(world.Root, "progress-" + Guid.NewGuid().ToString("N")[..8]);
        var (o, e, progress) = (new StringWriter(), new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(["train-adapter", "--model", world.ModelDir, "--task", "jsonl-mc", "--train", world.Train,
            "--valid", world.Valid, "--out", outDir, "--rank", "4", "--alpha", "8", "--epochs", "2", "--lr", "1e-2", "--warmup", "1",
            "--batch-size", "8", "--grad-accum", "2", .. TestThreads.CliArgs], o, e, ProgressDisplay.ConsoleFor(progress, isTerminal: false));
        Assert.True(code == 0, e.ToString());

        var lines = progress.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        // Every line is whole: it starts with the job's title (a wrapped remainder would not).
        Assert.All(lines, l => Assert.StartsWith("train-adapter jsonl-mc: ", l));
        Assert.Equal("train-adapter jsonl-mc: started", lines[0]);
        Assert.StartsWith("train-adapter jsonl-mc: done in ", lines[^1]);
        // The step lines are longer than 80 columns: had Spectre wrapped them, the check above would fail.
        var steps = lines.Where(l => l.Contains(" loss ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(steps);
        Assert.Contains(steps, l => l.Length > 80);
        Assert.All(steps, l => Assert.Matches(@": \d+/20 \(\d+ %\) epoch [12]/2 loss \d+\.\d{4} \d+ tok/s eta \d\d:\d\d:\d\d \[", l));
        // The last step's line is written however soon it comes after the previous one.
        Assert.Contains(lines, l => l.Contains(": 20/20 (100 %) epoch 2/2 loss", StringComparison.Ordinal));
    }

    [Fact]
    public void Work_without_its_own_eta_gets_one_from_its_pace_since_it_began()
    {
        var clock = new EtaClock();
        var eval = new EvaluationProgress(0, 100) { Stage = ["evaluate old"] };
        Assert.Equal("", clock.Text(eval, 0, 100, TimeSpan.FromSeconds(10))); // no pace yet
        // 20 items in 4 s since the series began: 80 more take 16 s.
        Assert.Equal("eta 00:00:16", clock.Text(eval, 20, 100, TimeSpan.FromSeconds(14)));
        Assert.Equal("", clock.Text(eval, 100, 100, TimeSpan.FromSeconds(30))); // done
        // Another stage is another series: its pace starts afresh.
        var next = new EvaluationProgress(0, 100) { Stage = ["evaluate new"] };
        Assert.Equal("", clock.Text(next, 10, 100, TimeSpan.FromSeconds(40)));
        Assert.Equal("eta 00:01:20", clock.Text(next, 20, 100, TimeSpan.FromSeconds(50))); // 10 items in 10 s, 80 to go
        // A trainer's own eta is not doubled.
        var step = new StepProgress(5, 10, 1, 1, 0.5, 100, TimeSpan.FromSeconds(5));
        Assert.Equal("", clock.Text(step, 1, 10, TimeSpan.FromSeconds(60)));
        Assert.Equal("", clock.Text(step, 5, 10, TimeSpan.FromSeconds(65)));
    }

    [Fact]
    public void Stages_count_up_to_the_outermost_plan_and_reused_stages_count()
    {
        var counter = new StageCounter();
        Assert.Equal("", counter.Text);
        counter.Observe(new StageStarted("generate world"));
        counter.Observe(new StagePlan(4));
        counter.Observe(new StagePlan(2) { Stage = ["sentiment"] }); // a nested pipeline's plan is part of the outer one
        Assert.Equal("stage 1/4", counter.Text);
        counter.Observe(new StageDone("base-v1", Reused: true));
        counter.Observe(new StageStarted("base-v2"));
        counter.Observe(new StageDone("base-v2", Reused: false));
        Assert.Equal("stage 3/4", counter.Text);
        counter.Observe(new StepProgress(1, 2, 1, 1, 0.5, 10, TimeSpan.FromSeconds(1)) { Stage = ["sentiment"] });
        counter.Observe(new StageStarted("train") { Stage = ["sentiment"] });
        Assert.Equal("stage 4/4", counter.Text);
    }
}
