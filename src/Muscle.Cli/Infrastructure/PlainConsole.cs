using Spectre.Console;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// A Spectre console over a plain writer for result tables: no colours or escape codes (results go to files and pipes)
/// and a fixed wide layout, since a pipe reports no width and Spectre would wrap every column at 80.
/// </summary>
public static class PlainConsole
{
    public static IAnsiConsole For(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }
}
