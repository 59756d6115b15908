using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Muscle.Cli.Infrastructure;
using Muscle.IO;
using Muscle.Tests.Training;
using Muscle.Training;

namespace Muscle.Tests.Cli;

/// <summary>
/// SIGINT/SIGTERM during training, in process: the host's <see cref="TrainingStop"/> is raised while the loop runs (here
/// when the first step's line is shown, as a user pressing Ctrl-C would see it); the loop writes a checkpoint at the next
/// step boundary, the CLI says where and how to continue and exits 130; the rerun with --resume says where it resumes
/// and ends with the adapter of an uninterrupted run, bit for bit.
/// </summary>
public sealed class StopAndResumeTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    // 160 items in batches of 4: 40 steps an epoch, 80 in all; the loop reports step 1 (the stop comes there) and every
    // 10th, checkpoints every 50: the checkpoint at step 1 is the one written on the stop.
    private string[] Args(string outDir, int epochs = 2) =>
    [
        "train-adapter", "--model", world.ModelDir, "--task", "jsonl-mc", "--train", world.Train, "--valid", world.Valid,
        "--out", outDir, "--rank", "4", "--alpha", "8", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--lr", "5e-3", "--warmup", "3",
        "--batch-size", "4", "--grad-accum", "1", "--seed", "3", .. TestThreads.CliArgs,
    ];

    [Fact]
    public void Stopping_mid_training_checkpoints_says_how_to_resume_and_the_resume_matches_an_uninterrupted_run()
    {
        var straight = Path.Combine(world.Root, "stop-straight");
        var (o, e) = (new StringWriter(), new StringWriter());
        Assert.True(MuscleApp.Run(Args(straight), o, e) == 0, e.ToString());

        var stopped = Path.Combine(world.Root, "stop-stopped");
        var stop = new TrainingStop();
        var progress = new ActOnLineWriter(" loss ", () => Assert.True(stop.TryStop(MuscleApp.ExitInterrupted), "no training loop listened"));
        (o, e) = (new StringWriter(), new StringWriter());
        var code = MuscleApp.Run(Args(stopped), o, e, ProgressDisplay.ConsoleFor(progress, isTerminal: false), stop);
        Assert.Equal(MuscleApp.ExitInterrupted, code);
        var checkpoint = new TrainingRunLayout(stopped).CheckpointDir;
        Assert.Equal($"stopping: checkpoint written at step 1 of 80 ({checkpoint}); rerun with --resume to continue", e.ToString().TrimEnd());
        Assert.Equal("", o.ToString());
        Assert.True(TrainingRunLayout.HasCheckpoint(stopped));
        Assert.False(File.Exists(Path.Combine(stopped, "adapter_model.safetensors")), "no final adapter before the run finished");

        var resumed = new StringWriter();
        (o, e) = (new StringWriter(), new StringWriter());
        code = MuscleApp.Run([.. Args(stopped), "--resume"], o, e, ProgressDisplay.ConsoleFor(resumed, isTerminal: false), new TrainingStop());
        Assert.True(code == 0, e.ToString());
        Assert.Contains($"train-adapter jsonl-mc: 1/80 (1 %) resuming from step 1 of 80 ({checkpoint})", resumed.ToString());

        var a = Safetensors.Load(Path.Combine(straight, "adapter_model.safetensors"));
        var b = Safetensors.Load(Path.Combine(stopped, "adapter_model.safetensors"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.Equal(a[k].bytes.ToArray(), b[k].bytes.ToArray());
    }

    /// <summary>The real thing: a <c>muscle</c> process gets SIGINT or SIGTERM once it shows its first step line.</summary>
    [Theory]
    [InlineData(2, 130)]  // SIGINT
    [InlineData(15, 143)] // SIGTERM
    public void A_signalled_muscle_process_checkpoints_and_exits_with_the_signals_code(int signal, int exitCode)
    {
        // A job started with & by a non-interactive shell (nohup, CI runners) ignores SIGINT, and an ignored signal stays
        // ignored across exec (POSIX, "Signal Concepts"), so its muscle child never sees it: nothing to test there.
        if (IgnoredOnEntry(signal)) return;
        var outDir = Path.Combine(world.Root, $"signal-{signal}");
        // 10 epochs (400 steps): still training when the signal comes after step 10.
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "muscle")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in Args(outDir, epochs: 10)) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stderr = new StringBuilder();
        var signalled = false;
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null) return;
            lock (stderr)
            {
                stderr.AppendLine(line.Data);
                if (signalled || !line.Data.Contains(" loss ", StringComparison.Ordinal)) return;
                signalled = true;
            }
            Assert.Equal(0, Kill(process.Id, signal));
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "muscle did not end");
        process.WaitForExit(); // drains the stderr events
        var err = stderr.ToString();
        Assert.True(signalled, err);
        Assert.True(exitCode == process.ExitCode, $"exit {process.ExitCode}: {err}");
        Assert.Equal("", stdout);
        Assert.Contains("stopping: checkpoint written at step ", err);
        Assert.Contains("rerun with --resume to continue", err);
        Assert.True(TrainingRunLayout.HasCheckpoint(outDir));
    }

    /// <summary>Whether this process ignores <paramref name="signal"/> (the SigIgn mask of /proc/self/status), as its children will.</summary>
    private static bool IgnoredOnEntry(int signal)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (signal - 1))) != 0;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public void A_stop_asked_for_while_no_training_runs_is_refused_so_the_signal_ends_the_process()
    {
        var stop = new TrainingStop();
        Assert.False(stop.TryStop(MuscleApp.ExitInterrupted));
        using (stop.Listen())
        {
            Assert.True(stop.TryStop(143));
            Assert.False(stop.TryStop(MuscleApp.ExitInterrupted)); // a second signal: quit at once
        }
        Assert.Equal(143, stop.ExitCode);
    }
}
