using Muscle.Recipes;

namespace Muscle.Tests.Update;

/// <summary>
/// The stage cache of update/ablate/demo: a finished stage is skipped, a killed training resumes from the checkpoint in
/// its own work directory (wherever that is — the demo's bases live in bases/v1, not in a directory named after the stage),
/// and a half-written or outdated work directory is cleared before the stage runs again.
/// </summary>
public class StagesTests
{
    [Fact]
    public void KilledTrainingResumesFromItsWorkDirectoryAndFinishedStagesAreSkipped()
    {
        var root = Directory.CreateTempSubdirectory("muscle-stages-").FullName;
        try
        {
            var work = Path.Combine(root, "bases", "v1");
            var skipped = new List<string>();
            bool? resumed = null;
            // Killed mid-training: the stage started, wrote a checkpoint, and never finished.
            Assert.Throws<InvalidOperationException>(() => Stages.Run(root, "base-v1", work, new { steps = 10 }, skipped, bool (r) =>
            {
                Directory.CreateDirectory(Path.Combine(work, "checkpoints", "last"));
                throw new InvalidOperationException("killed");
            }));
            Stages.Run(root, "base-v1", work, new { steps = 10 }, skipped, r => resumed = r);
            Assert.True(resumed);
            Assert.True(Directory.Exists(work)); // resumed, not cleared

            resumed = null;
            Stages.Run(root, "base-v1", work, new { steps = 10 }, skipped, r => resumed = r);
            Assert.Null(resumed);
            Assert.Equal(["base-v1"], skipped);

            // Changed inputs: the old work is cleared and the stage starts afresh.
            File.WriteAllText(Path.Combine(work, "model.safetensors"), "old");
            Stages.Run(root, "base-v1", work, new { steps = 20 }, skipped, r => resumed = r);
            Assert.False(resumed);
            Assert.False(File.Exists(Path.Combine(work, "model.safetensors")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>
    /// A stage killed mid-training whose inputs then change is not resumed: its checkpoint was trained on the old inputs
    /// (before, only a finished stage's fingerprint was compared, so such a stage resumed and mixed both).
    /// </summary>
    [Fact]
    public void KilledStageWhoseInputsChangedIsClearedNotResumed()
    {
        var root = Directory.CreateTempSubdirectory("muscle-stages-").FullName;
        try
        {
            var work = Path.Combine(root, "compat-adapter");
            Assert.Throws<InvalidOperationException>(() => Stages.Run(root, "compat-adapter", work, new { model = "key-1" }, [], bool (r) =>
            {
                Directory.CreateDirectory(Path.Combine(work, "checkpoints", "last"));
                throw new InvalidOperationException("killed");
            }));
            bool? resumed = null;
            Stages.Run(root, "compat-adapter", work, new { model = "key-2" }, [], r => { resumed = r; return Directory.Exists(work); });
            Assert.False(resumed);
            Assert.False(Directory.Exists(Path.Combine(work, "checkpoints")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void WorkDirectoryKilledBeforeItsFirstCheckpointIsClearedNotResumed()
    {
        var root = Directory.CreateTempSubdirectory("muscle-stages-").FullName;
        try
        {
            var work = Path.Combine(root, "seed-1", "sentiment", "v1-adapter");
            Directory.CreateDirectory(work);
            File.WriteAllText(Path.Combine(work, "partial.bin"), "x");
            bool? resumed = null;
            Stages.Run(root, "adapter", work, new { a = 1 }, [], r => { resumed = r; return Directory.Exists(work); });
            Assert.False(resumed);
            Assert.False(File.Exists(Path.Combine(work, "partial.bin")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
