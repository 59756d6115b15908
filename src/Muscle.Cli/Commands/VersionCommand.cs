using System.CommandLine;
using Muscle.Cli.Infrastructure;

namespace Muscle.Cli.Commands;

/// <summary><c>muscle version</c>: the tool version and the LibTorch it runs on.</summary>
public static class VersionCommand
{
    public static Command Create(CliContext ctx)
    {
        var command = new Command("version", "Print the Muscle.NET version and the LibTorch backend.");
        command.SetAction(_ =>
        {
            ctx.Out.WriteLine(ToolVersion.Line());
            return 0;
        });
        return command;
    }
}
