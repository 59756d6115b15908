using System.CommandLine;
using Muscle.Cli.Infrastructure;

namespace Muscle.Cli.Commands;

/// <summary>Every top-level verb of the tool, one file each. Add a line here when adding a command.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All(CliContext ctx)
    {
        yield return VersionCommand.Create(ctx);
        yield return CompareCommand.Create(ctx);
        yield return DataCommand.Create(ctx);
        yield return ConvertCommand.Create(ctx);
        yield return GenerateCommand.Create(ctx);
        yield return EvalCommand.Create(ctx);
        yield return TrainAdapterCommand.Create(ctx);
        yield return TrainCompatCommand.Create(ctx);
        yield return UpdateCommand.Create(ctx);
        yield return AblateCommand.Create(ctx);
        yield return PretrainCommand.Create(ctx);
    }
}
