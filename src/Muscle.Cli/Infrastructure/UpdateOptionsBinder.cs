using System.CommandLine;
using Muscle.Distillation;
using Muscle.Tasks;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The options that name an update's artefacts and data, shared by <c>train-compat</c>, <c>update</c> and
/// <c>ablate</c>: the old and new bases and adapters, the task, its train / validation / test / transfer files, and the teacher cache.
/// </summary>
public sealed class UpdateOptionsBinder(bool newAdapterRequired, bool withTest)
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
    public Option<string> Task { get; } = new("--task") { Description = $"Task name: {string.Join(", ", TaskRegistry.Names)}.", Required = true };
    public Option<FileInfo> Train { get; } = new("--train") { Description = "Training data file.", Required = true };
    public Option<FileInfo?> Labels { get; } = new("--labels") { Description = "Labels file of --train (piqa)." };
    public Option<FileInfo?> Valid { get; } = new("--valid") { Description = "Validation file (default: 20% of --train, seeded)." };
    public Option<FileInfo?> ValidLabels { get; } = new("--valid-labels") { Description = "Labels file of --valid (piqa)." };
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
    public Option<DirectoryInfo?> TeacherCache { get; } = new("--teacher-cache")
    {
        Description = "Run both teachers once, keep their top-k log-probabilities (token-level strategies, --with-token-loss) and per-choice " +
                      "scores (choice-level strategies) here, reused while current; then train holding only the student. Not for focal-lm" +
                      " (ablate runs that arm with exact teachers and shares the cache between all others).",
    };
    public Option<int> TeacherCacheK { get; } = new("--teacher-cache-k")
    {
        Description = "Top-k teacher entries kept per token (plus the tail mass).", DefaultValueFactory = _ => TeacherCacheOptions.DefaultK,
    };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { OldModel, OldAdapter, NewModel, NewAdapter, Task, Train, Labels, Valid, ValidLabels, Transfer, TeacherCache, TeacherCacheK })
            command.Options.Add(o);
        if (withTest)
        {
            command.Options.Add(Test);
            command.Options.Add(TestLabels);
        }
    }

    /// <summary>The request these options describe (test fields empty without <c>--test</c>); callers add the recipes.</summary>
    public Recipes.UpdateRequest Bind(ParseResult parse, string outDir) => new()
    {
        OldModelDir = parse.GetValue(OldModel)!.FullName,
        OldAdapterDir = parse.GetValue(OldAdapter)!.FullName,
        NewModelDir = parse.GetValue(NewModel)!.FullName,
        NewAdapterDir = parse.GetValue(NewAdapter)?.FullName,
        Task = parse.GetValue(Task)!,
        TrainFile = parse.GetValue(Train)!.FullName,
        TrainLabels = parse.GetValue(Labels)?.FullName,
        ValidFile = parse.GetValue(Valid)?.FullName,
        ValidLabels = parse.GetValue(ValidLabels)?.FullName,
        TestFile = withTest ? parse.GetValue(Test)!.FullName : "",
        TestLabels = withTest ? parse.GetValue(TestLabels)?.FullName : null,
        TransferFile = parse.GetValue(Transfer)?.FullName,
        OutDir = outDir,
        TeacherCache = parse.GetValue(TeacherCache) is { } cache ? new TeacherCacheOptions(cache.FullName) { K = parse.GetValue(TeacherCacheK) } : null,
    };
}
