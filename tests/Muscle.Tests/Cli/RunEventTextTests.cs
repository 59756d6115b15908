using Muscle.Cli.Infrastructure;
using Muscle.Distillation;
using Muscle.Events;
using Muscle.Infrastructure;
using Muscle.Recipes;

namespace Muscle.Tests.Cli;

/// <summary>
/// Progress as typed events: recipes scope a sink to their stage (the stage travels in the event, outermost first),
/// <see cref="Stages.Run"/> reports its stages, and the CLI's one renderer words each event as the commands always did.
/// </summary>
public sealed class RunEventTextTests
{
    [Fact]
    public void NestedStagesAreCarriedByTheEventOutermostFirst()
    {
        var seen = new List<RunEvent>();
        IProgress<RunEvent> root = new SyncProgress<RunEvent>(seen.Add);
        root.In("seed 42").In("sentiment").In("train v2 task adapter")!
            .Report(new StepProgress(3, 10, 1, 2, 0.69314718, 812.4, TimeSpan.FromSeconds(30)));

        var step = Assert.IsType<StepProgress>(Assert.Single(seen));
        Assert.Equal(["seed 42", "sentiment", "train v2 task adapter"], step.Stage);
        Assert.Equal((3L, 10L, "seed 42: sentiment: train v2 task adapter epoch 1/2 loss 0.6931 812 tok/s eta 00:01:10"),
            RunEventText.Describe(step));
        Assert.Null(((IProgress<RunEvent>?)null).In("anything"));
    }

    [Fact]
    public void EachEventHasTheStatusTheCommandsShowed()
    {
        Assert.Equal((4L, 8L, "epoch 2/2 valid 0.1235"),
            RunEventText.Describe(new ValidationDone(4, 8, 2, 2, 0.12345, new Dictionary<string, double>(), TimeSpan.Zero)));
        Assert.Equal((5L, 9L, "evaluate old"), RunEventText.Describe(new EvaluationProgress(5, 9) { Stage = ["evaluate old"] }));
        Assert.Equal((1L, 1L, "train muscle teacher cache: reused /c (no teacher forward)"),
            RunEventText.Describe(new TeacherCacheReady(TeacherCacheStatus.Reused, "/c") { Stage = ["train muscle"] }));
        Assert.Equal("teacher cache: built /c (12 rows)", RunEventText.Text(new TeacherCacheReady(TeacherCacheStatus.Built, "/c", "12 rows")));
        Assert.Equal("teacher cache: rebuilt /c (12 rows)", RunEventText.Text(new TeacherCacheReady(TeacherCacheStatus.Rebuilt, "/c", "12 rows")));
        Assert.Equal((0L, 1L, "teacher cache: stale (k changed), rebuilding /c"), RunEventText.Describe(new TeacherCacheRebuilding("/c", "k")));
        Assert.Equal((2L, 7L, "teacher cache: building (2/7 batches)"), RunEventText.Describe(new TeacherCacheBuilding(TeacherCachePart.Tokens, 2, 7)));
        Assert.Equal((0L, 1L, "teacher cache: scoring the choices"), RunEventText.Describe(new TeacherCacheBuilding(TeacherCachePart.Choices, 0, 1)));
        Assert.Equal((0L, 1L, "sentiment: predict-old"), RunEventText.Describe(new StageStarted("predict-old") { Stage = ["sentiment"] }));
        Assert.Null(RunEventText.Describe(new StageDone("predict-old", Reused: true)));
    }

    [Fact]
    public void StagesReportStartAndDoneOrOnlyReusedWhenSkipped()
    {
        var root = Directory.CreateTempSubdirectory("muscle-stage-events-").FullName;
        try
        {
            var seen = new List<RunEvent>();
            var progress = new SyncProgress<RunEvent>(seen.Add);
            Stages.Run(root, "predict-old", null, new { a = 1 }, [], _ => 0, progress);
            Stages.Run(root, "predict-old", null, new { a = 1 }, [], _ => 0, progress);
            Assert.Equal<RunEvent>([new StageStarted("predict-old"), new StageDone("predict-old", false), new StageDone("predict-old", true)],
                seen, (a, b) => a.GetType() == b.GetType() && a.ToString() == b.ToString());
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
