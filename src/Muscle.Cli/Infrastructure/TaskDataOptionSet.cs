using System.CommandLine;
using Muscle.Tasks;
using Muscle.Training;

namespace Muscle.Cli.Infrastructure;

/// <summary>The task and its training data, shared by the commands that train an adapter.</summary>
public sealed class TaskDataOptionSet
{
    private readonly TaskFileOptionSet _train = new("--train", "Training data file.");

    public Option<string> Task => _train.Task;
    public Option<FileInfo> Train => _train.Data;
    public Option<FileInfo?> Labels => _train.Labels;
    public Option<FileInfo?> Valid { get; } = new("--valid") { Description = "Validation file (default: 20% of --train, seeded)." };
    public Option<FileInfo?> ValidLabels { get; } = new("--valid-labels") { Description = "Labels file of --valid (piqa)." };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Task, Train, Labels, Valid, ValidLabels }) command.Options.Add(o);
    }

    /// <summary>The task's train and validation examples (validation split off --train by <paramref name="training"/>'s seed if not given).</summary>
    public TaskData Bind(ParseResult parse, AdapterTrainingOptions training) =>
        TaskData.Load(parse.GetValue(Task)!, parse.GetValue(Train)!.FullName, parse.GetValue(Labels)?.FullName,
                      parse.GetValue(Valid)?.FullName, parse.GetValue(ValidLabels)?.FullName, training);

    /// <summary>The input files these options name, with the option that named each (for <see cref="Muscle.Infrastructure.OutputGuard"/>).</summary>
    public (string Option, string? Path)[] Inputs(ParseResult parse) =>
    [
        (Train.Name, parse.GetValue(Train)?.FullName), (Labels.Name, parse.GetValue(Labels)?.FullName),
        (Valid.Name, parse.GetValue(Valid)?.FullName), (ValidLabels.Name, parse.GetValue(ValidLabels)?.FullName),
    ];
}
