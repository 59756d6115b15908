using System.CommandLine;
using System.CommandLine.Invocation;

namespace Muscle.Cli.Infrastructure;

/// <summary>A command-line action that prints one line to the invocation's output (e.g. <c>--version</c>'s).</summary>
public sealed class PrintLine(Func<string> line) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(line());
        return 0;
    }
}
