using Muscle.Infrastructure;
using Muscle.Training;

namespace Muscle.Tests.Reliability;

/// <summary>
/// <see cref="TrainingRunLayout.TidyInterruptedWrites"/>: what a kill inside AtomicFile.WriteDirectory leaves in
/// <c>checkpoints/</c> is cleared, the last complete checkpoint is recovered when the kill fell between the two
/// renames, and nothing is touched in a directory muscle did not mark.
/// </summary>
public sealed class TrainingRunLayoutTests : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("muscle-layout-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    private string Checkpoints => Path.Combine(_run, "checkpoints");

    [Fact]
    public void AKillBetweenTheTwoRenamesRecoversThePreviousCheckpointAndDropsTheNewOne()
    {
        File.WriteAllText(Path.Combine(_run, OutputGuard.MarkerFileName), "");
        var old = Directory.CreateDirectory(Path.Combine(Checkpoints, $".last.old-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(old, TrainingRunLayout.StateFileName), "{\"global_step\": 4}");
        var tmp = Directory.CreateDirectory(Path.Combine(Checkpoints, $".last.tmp-{Guid.NewGuid():N}")).FullName;
        var layout = new TrainingRunLayout(_run);

        Assert.False(TrainingRunLayout.HasCheckpoint(_run));
        Assert.Equal(1, layout.TidyInterruptedWrites());
        Assert.Equal("{\"global_step\": 4}", File.ReadAllText(layout.StateFile));
        Assert.False(Directory.Exists(old));
        Assert.False(Directory.Exists(tmp));
        Assert.Null(layout.ResumeNote(resume: true));
    }

    [Fact]
    public void NothingIsTouchedInADirectoryMuscleDidNotMark()
    {
        var tmp = Directory.CreateDirectory(Path.Combine(Checkpoints, $".last.tmp-{Guid.NewGuid():N}")).FullName;
        Assert.Equal(0, new TrainingRunLayout(_run).TidyInterruptedWrites());
        Assert.True(Directory.Exists(tmp));
    }

    [Fact]
    public void AStageDirectoryInsideAMarkedRunIsTidied()
    {
        File.WriteAllText(Path.Combine(_run, OutputGuard.MarkerFileName), "");
        var stage = Path.Combine(_run, "arms", "muscle");
        var tmp = Directory.CreateDirectory(Path.Combine(stage, "checkpoints", $".best.tmp-{Guid.NewGuid():N}")).FullName;
        Assert.Equal(1, new TrainingRunLayout(stage).TidyInterruptedWrites());
        Assert.False(Directory.Exists(tmp));
        Assert.Equal($"--resume: no checkpoint in {stage}; starting from step 0", new TrainingRunLayout(stage).ResumeNote(resume: true));
        Assert.Null(new TrainingRunLayout(stage).ResumeNote(resume: false));
    }
}
