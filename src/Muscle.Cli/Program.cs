using Muscle.Cli.Infrastructure;

namespace Muscle.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Numbers in files and reports must not depend on the user's locale; ICU stays on for Unicode NFC.
        System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        // Progress goes to stderr so stdout stays clean for results (--json, --ids) in pipes.
        var progress = ProgressDisplay.ConsoleFor(Console.Error, isTerminal: !Console.IsErrorRedirected);
        return MuscleApp.Run(args, Console.Out, Console.Error, progress);
    }
}
