using Muscle.Cli.Infrastructure;
using Muscle.IO;

namespace Muscle.Tests.Training;

/// <summary>
/// The "killed in the middle, rerun continues" with a real process, on the stage whose work directory is not
/// named after the stage (ablate trains arm A in OUT/arms/A): <c>muscle ablate</c> is killed with SIGKILL during an
/// arm's training, then the same command is run again. It must reuse the finished stages, resume the arm from its
/// checkpoint (before the fix it stopped with "already holds a training run"), and end with the adapter of an
/// uninterrupted run, bit for bit.
/// </summary>
public class AblateKillAndResumeTests(TinyUpdateFixture fx) : IClassFixture<TinyUpdateFixture>
{
    private string[] Args(string outDir, string train, string test) =>
    [
        "ablate", "--old-model", fx.OldModel, "--old-adapter", fx.OldAdapter, "--new-model", fx.NewModel,
        "--new-adapter", fx.NewAdapter, "--task", "jsonl-mc", "--train", train, "--test", test, "--out", outDir,
        "--strategies", "muscle", "--epochs", "3", "--batch-size", "4", "--grad-accum", "1", "--lr", "5e-3",
        "--warmup", "2", "--save-steps", "2", "--seed", "11",
        // Bitwise equality needs the same thread count in the child process as in this one.
        .. TestThreads.CliArgs,
    ];

    [Fact]
    public void AblateKilledDuringAnArmResumesItAndReusesFinishedStages()
    {
        var train = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "ablate-kill-train.jsonl"), 240, seed: 31);
        var test = TinyTaskWorld.WriteMajorityTask(Path.Combine(fx.Root, "ablate-kill-test.jsonl"), 16, seed: 32);
        var straight = Path.Combine(fx.Root, "ablate-kill-straight");
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.True(MuscleApp.Run(Args(straight, train, test), o, e) == 0, e.ToString());

        var killed = Path.Combine(fx.Root, "ablate-kill-killed");
        KilledProcess.RunUntilStep(Args(killed, train, test), Path.Combine(killed, "arms", "muscle", "checkpoints", "last", "trainer_state.json"), 4);
        Assert.False(File.Exists(Path.Combine(killed, "arms", "muscle", "adapter_model.safetensors")), "killed before the arm finished");

        var oldPredictions = Path.Combine(killed, "predictions", "old.jsonl"); // finished before the kill
        var written = File.GetLastWriteTimeUtc(oldPredictions);
        var (o2, e2) = (new StringWriter(), new StringWriter());
        Assert.True(MuscleApp.Run(Args(killed, train, test), o2, e2) == 0, e2.ToString());
        Assert.Equal(written, File.GetLastWriteTimeUtc(oldPredictions)); // reused, not redone
        var a = Safetensors.Load(Path.Combine(straight, "arms", "muscle", "adapter_model.safetensors"));
        var b = Safetensors.Load(Path.Combine(killed, "arms", "muscle", "adapter_model.safetensors"));
        foreach (var k in a.Keys) Assert.Equal(a[k].bytes.ToArray(), b[k].bytes.ToArray());
        Assert.Equal(File.ReadAllText(Path.Combine(straight, "results.json")), File.ReadAllText(Path.Combine(killed, "results.json")));
    }
}
