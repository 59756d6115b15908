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
            Directory.CreateDirectory(Path.Combine(work, "checkpoints", "last")); // what a kill mid-training leaves
            var skipped = new List<string>();
            bool? resumed = null;
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

    [Fact]
    public void AStageFinishedInFloat32IsRedoneInBf16AndFloat32FingerprintsAreUnchanged()
    {
        var root = Directory.CreateTempSubdirectory("muscle-stages-").FullName;
        try
        {
            var inputs = new { model = "v2", steps = 10 };
            Assert.Same(inputs, Stages.WithDType(inputs, TorchSharp.torch.ScalarType.Float32)); // runs from before --dtype auto stay reusable
            var skipped = new List<string>();
            var runs = 0;
            Stages.Run(root, "predict-new", null, Stages.WithDType(inputs, TorchSharp.torch.ScalarType.Float32), skipped, _ => ++runs);
            Stages.Run(root, "predict-new", null, Stages.WithDType(inputs, TorchSharp.torch.ScalarType.BFloat16), skipped, _ => ++runs);
            Assert.Equal(2, runs); // not reused across dtypes
            Assert.Empty(skipped);
            Stages.Run(root, "predict-new", null, Stages.WithDType(inputs, TorchSharp.torch.ScalarType.BFloat16), skipped, _ => ++runs);
            Assert.Equal(2, runs);
            Assert.Equal(["predict-new"], skipped);
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
