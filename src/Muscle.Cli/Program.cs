using Muscle.Cli.Infrastructure;

namespace Muscle.Cli;

public static class Program
{
    public static int Main(string[] args) => MuscleApp.Run(args, Console.Out, Console.Error);
}
