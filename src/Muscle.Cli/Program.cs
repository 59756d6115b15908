using Muscle.Cli.Infrastructure;

namespace Muscle.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Before anything loads LibTorch (and with it libgomp, which reads its environment once).
        OpenMpWaitPolicy.ApplyPassiveUnlessSet();
        // Numbers in files and reports must not depend on the user's locale; ICU stays on for Unicode NFC.
        System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        // Progress goes to stderr so stdout stays clean for results (--json, --ids) in pipes.
        var progress = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(Console.Error),
        });
        return MuscleApp.Run(args, Console.Out, Console.Error, progress);
    }
}
