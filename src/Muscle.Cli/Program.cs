using System.Runtime.InteropServices;
using Muscle.Cli.Infrastructure;

namespace Muscle.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Before anything loads LibTorch (and with it libgomp, which reads its environment once).
        OpenMpWaitPolicy.ApplyForCurrentLoad();
        // Numbers in files and reports must not depend on the user's locale; ICU stays on for Unicode NFC.
        System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        // Progress goes to stderr so stdout stays clean for results (--json, --ids) in pipes.
        var progress = ProgressDisplay.ConsoleFor(Console.Error, isTerminal: !Console.IsErrorRedirected);
        // SIGINT/SIGTERM during training: checkpoint at the next step and exit 130/143 with a line saying where to resume.
        // Outside a training loop, or on a second signal, the signal keeps its default effect (the process ends).
        var stop = new Muscle.Training.TrainingStop();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = Stop(stop, 130, "Ctrl-C"));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = Stop(stop, 143, "SIGTERM"));
        return MuscleApp.Run(args, Console.Out, Console.Error, progress, stop);
    }

    private static bool Stop(Muscle.Training.TrainingStop stop, int exitCode, string signal)
    {
        if (!stop.TryStop(exitCode)) return false;
        Console.Error.WriteLine($"{signal}: stopping after the current step to write a checkpoint ({signal} again quits at once)");
        return true;
    }
}
