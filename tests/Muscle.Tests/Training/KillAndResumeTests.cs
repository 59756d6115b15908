using System.Diagnostics;
using System.Text.Json.Nodes;
using Muscle.Cli.Infrastructure;
using Muscle.IO;

namespace Muscle.Tests.Training;

/// <summary>
/// The crash test with a real process: <c>muscle train-adapter</c> is killed with SIGKILL after its first
/// checkpoints, then resumed; the final adapter must equal an uninterrupted run's bit for bit (CPU, same threads).
/// </summary>
public class KillAndResumeTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    private string[] Args(string outDir, string train) =>
    [
        "train-adapter", "--model", world.ModelDir, "--task", "jsonl-mc", "--train", train, "--valid", world.Valid,
        "--out", outDir, "--rank", "4", "--alpha", "8", "--epochs", "2", "--lr", "5e-3", "--warmup", "3",
        "--batch-size", "4", "--grad-accum", "2", "--save-steps", "2", "--seed", "11",
        // Bitwise equality needs the same thread count in the child process as in this one.
        .. TestThreads.CliArgs,
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void KillNineMidEpochThenResumeEndsWithTheSameAdapterBitForBit(int threads)
    {
        using var _ = TestThreads.Use(threads);
        var train = TinyTaskWorld.WriteMajorityTask(Path.Combine(world.Root, "kill-train.jsonl"), 240, seed: 21);
        var straight = Path.Combine(world.Root, $"kill-straight-{threads}");
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.True(MuscleApp.Run(Args(straight, train), o, e) == 0, e.ToString());

        var killed = Path.Combine(world.Root, $"kill-killed-{threads}");
        KilledProcess.RunUntilStep(Args(killed, train), Path.Combine(killed, "checkpoints", "last", "trainer_state.json"), 4);
        var savedStep = JsonNode.Parse(File.ReadAllText(Path.Combine(killed, "checkpoints", "last", "trainer_state.json")))!["global_step"]!.GetValue<long>();
        Assert.True(savedStep < 2 * 30, $"killed at step {savedStep}, before the end");
        Assert.False(File.Exists(Path.Combine(killed, "adapter_model.safetensors")), "no final adapter before the run finished");

        Assert.True(MuscleApp.Run([.. Args(killed, train), "--resume"], o, e) == 0, e.ToString());
        var a = Safetensors.Load(Path.Combine(straight, "adapter_model.safetensors"));
        var b = Safetensors.Load(Path.Combine(killed, "adapter_model.safetensors"));
        foreach (var k in a.Keys) Assert.Equal(a[k].bytes.ToArray(), b[k].bytes.ToArray());
    }
}

/// <summary>Runs the <c>muscle</c> executable as a child process and SIGKILLs it once a checkpoint reaches a step.</summary>
internal static class KilledProcess
{
    public static void RunUntilStep(IEnumerable<string> args, string trainerState, long step)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "muscle")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var clock = Stopwatch.StartNew();
        while (!process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            long saved = 0;
            if (File.Exists(trainerState))
            {
                try { saved = JsonNode.Parse(File.ReadAllText(trainerState))!["global_step"]!.GetValue<long>(); }
                catch (IOException) { }
                catch (System.Text.Json.JsonException) { } // caught mid-write
            }
            if (saved >= step) break;
            Thread.Sleep(20);
        }
        Assert.False(process.HasExited, "training finished before it could be killed; make the run longer");
        process.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no finally blocks
        process.WaitForExit();
    }
}
