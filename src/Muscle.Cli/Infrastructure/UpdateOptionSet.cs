using System.CommandLine;
using Muscle.Distillation;
using Muscle.Recipes;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The options that name an update's artefacts and data, shared by <c>train-compat</c>, <c>update</c> and <c>ablate</c>:
/// the old and new bases and adapters, the task data (<see cref="Data"/>), the transfer file and, where the command
/// evaluates, the test file.
/// </summary>
public sealed class UpdateOptionSet(bool newAdapterRequired, bool withTest)
{
    public Option<DirectoryInfo> OldModel { get; } = new("--old-model") { Description = "HF directory of the old base (v1).", Required = true };
    public Option<DirectoryInfo> OldAdapter { get; } = new("--old-adapter") { Description = "PEFT task adapter on the old base.", Required = true };
    public Option<DirectoryInfo> NewModel { get; } = new("--new-model") { Description = "HF directory of the new base (v2).", Required = true };
    public Option<DirectoryInfo?> NewAdapter { get; } = new("--new-adapter")
    {
        Description = newAdapterRequired ? "PEFT task adapter on the new base (the compatibility adapter starts as its copy)."
                                         : "PEFT task adapter on the new base (default: trained with v1's recipe).",
        Required = newAdapterRequired,
    };
    public TaskDataOptionSet Data { get; } = new();
    public Option<FileInfo> Test { get; } = new("--test") { Description = "Test data file: v1, v2 and the compatibility model are compared on it.", Required = true };
    public Option<FileInfo?> TestLabels { get; } = new("--test-labels") { Description = "Labels file of --test (piqa)." };
    public Option<FileInfo?> Transfer { get; } = new("--transfer")
    {
        Description = "Unlabelled inputs in --train's format (label/answer field optional, ignored if present; ids must not repeat labelled ones), " +
                      "distilled on in addition to --train; validation stays on the labelled split. Token-level strategies train on each item's " +
                      "input text (prompt, no answer), its next tokens as ground truth (all tokens count, whatever --loss-on). Choice-level " +
                      "strategies use the choice both teachers pick as pseudo-gold and skip items where they disagree (transfer_skipped in " +
                      "training_history.json).",
    };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { OldModel, OldAdapter, NewModel, NewAdapter }) command.Options.Add(o);
        Data.AddTo(command);
        command.Options.Add(Transfer);
        if (withTest)
        {
            command.Options.Add(Test);
            command.Options.Add(TestLabels);
        }
    }

    /// <summary>The four artefacts (commands where <c>--new-adapter</c> is required).</summary>
    public UpdatePair BindPair(ParseResult parse) => new(
        parse.GetValue(OldModel)!.FullName, parse.GetValue(OldAdapter)!.FullName, parse.GetValue(NewModel)!.FullName,
        parse.GetValue(NewAdapter)?.FullName ?? throw new InvalidOperationException("--new-adapter is not required on this command"));

    /// <summary>The request these options describe (commands with <c>--test</c>); callers add the recipes.</summary>
    public UpdateRequest Bind(ParseResult parse, string outDir)
    {
        if (!withTest) throw new InvalidOperationException("an update request needs --test, which this command does not take");
        return new UpdateRequest
        {
            OldModelDir = parse.GetValue(OldModel)!.FullName,
            OldAdapterDir = parse.GetValue(OldAdapter)!.FullName,
            NewModelDir = parse.GetValue(NewModel)!.FullName,
            NewAdapterDir = parse.GetValue(NewAdapter)?.FullName,
            Task = parse.GetValue(Data.Task)!,
            TrainFile = parse.GetValue(Data.Train)!.FullName,
            TrainLabels = parse.GetValue(Data.Labels)?.FullName,
            ValidFile = parse.GetValue(Data.Valid)?.FullName,
            ValidLabels = parse.GetValue(Data.ValidLabels)?.FullName,
            TestFile = parse.GetValue(Test)!.FullName,
            TestLabels = parse.GetValue(TestLabels)?.FullName,
            TransferFile = parse.GetValue(Transfer)?.FullName,
            OutDir = outDir,
        };
    }

    /// <summary>Every input path these options name, with its option (for <see cref="Muscle.Infrastructure.OutputGuard"/>).</summary>
    public (string Option, string? Path)[] Inputs(ParseResult parse) =>
    [
        (OldModel.Name, parse.GetValue(OldModel)?.FullName), (OldAdapter.Name, parse.GetValue(OldAdapter)?.FullName),
        (NewModel.Name, parse.GetValue(NewModel)?.FullName), (NewAdapter.Name, parse.GetValue(NewAdapter)?.FullName),
        .. Data.Inputs(parse),
        (Test.Name, withTest ? parse.GetValue(Test)?.FullName : null), (TestLabels.Name, withTest ? parse.GetValue(TestLabels)?.FullName : null),
        (Transfer.Name, parse.GetValue(Transfer)?.FullName),
    ];
}
