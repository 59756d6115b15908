using Spectre.Console;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// What every command handler gets injected: where results go (<see cref="Out"/>), where diagnostics go
/// (<see cref="Error"/>), and the console that shows progress (null = no progress, e.g. in-process tests).
/// </summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, IAnsiConsole? ProgressConsole = null)
{
    public ProgressDisplay Progress => new(ProgressConsole, Error);
}
