using Muscle.Cli.Infrastructure;

namespace Muscle.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Numbers in files and reports must not depend on the user's locale; ICU stays on for Unicode NFC.
        System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        return MuscleApp.Run(args, Console.Out, Console.Error);
    }
}
