using System.CommandLine;
using Muscle.Tasks;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// A task and one of its data files: <c>--task</c>, the data file (named per command: <c>--data</c>, <c>--path</c>,
/// <c>--train</c>) and <c>--labels</c> for tasks that keep labels apart (piqa). Every command that reads task files
/// declares these through this set.
/// </summary>
public sealed class TaskFileOptionSet(string dataOption, string dataDescription, params string[] dataAliases)
{
    public Option<string> Task { get; } = new("--task")
    {
        Description = $"Task name: {string.Join(", ", TaskRegistry.Names)}.", Required = true,
        // The names are in the description; the usage column stays narrow (HelpName) and shells still complete them.
        HelpName = "task", CompletionSources = { TaskRegistry.Names.ToArray() },
    };
    public Option<FileInfo> Data { get; } = new(dataOption, dataAliases) { Description = dataDescription, Required = true };
    public Option<FileInfo?> Labels { get; } = new("--labels")
    {
        Description = $"Labels file of {dataOption}, one label a line, for tasks that keep labels apart (piqa).",
    };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Task, Data, Labels }) command.Options.Add(o);
    }

    /// <summary>The task and the examples of its data file.</summary>
    public (ITaskDefinition Task, IReadOnlyList<TaskExample> Examples) Load(ParseResult parse)
    {
        var definition = TaskRegistry.Get(parse.GetValue(Task)!);
        return (definition, definition.Load(parse.GetValue(Data)!.FullName, parse.GetValue(Labels)?.FullName));
    }

    /// <summary>The input files these options name, with the option that named each (for <see cref="Muscle.Infrastructure.OutputGuard"/>).</summary>
    public (string Option, string? Path)[] Inputs(ParseResult parse) =>
        [(Data.Name, parse.GetValue(Data)?.FullName), (Labels.Name, parse.GetValue(Labels)?.FullName)];
}
