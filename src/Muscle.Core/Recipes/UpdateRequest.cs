using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>Everything <c>muscle update</c> needs: the four artefacts (new adapter optional), the task data, the recipes.</summary>
public sealed record UpdateRequest
{
    public required string OldModelDir { get; init; }
    public required string OldAdapterDir { get; init; }
    public required string NewModelDir { get; init; }
    /// <summary>Null: train the v2 task adapter with v1's recipe first.</summary>
    public string? NewAdapterDir { get; init; }
    public required string Task { get; init; }

    /// <summary>The task's name in report titles (e.g. the demo's "sentiment" for a <c>jsonl-mc</c> task); null: <see cref="Task"/>.</summary>
    public string? TaskLabel { get; init; }
    public required string TrainFile { get; init; }
    public string? TrainLabels { get; init; }
    public string? ValidFile { get; init; }
    public string? ValidLabels { get; init; }
    public required string TestFile { get; init; }
    public string? TestLabels { get; init; }
    public required string OutDir { get; init; }
    public AdapterTrainingOptions Training { get; init; } = new();
    public CompatibilityLossOptions Compatibility { get; init; } = new();

    /// <summary>
    /// <c>--strategy auto</c>: choose the strategy among candidates on the validation split (<see cref="StrategySelection"/>);
    /// null: train <see cref="Compatibility"/>'s strategy. The candidates start from <see cref="Compatibility"/>'s knobs.
    /// </summary>
    public StrategySelectionOptions? Selection { get; init; }
    public EvaluationOptions Evaluation { get; init; } = new();
    public ScalarType DType { get; init; } = Models.DTypes.Default;

    /// <summary><c>--device</c>: where every model of the run computes (teacher caches stay on the CPU); null: the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary><c>--teacher-cache</c>: where the compatibility training keeps its teachers (null: exact teachers, the default).</summary>
    public TeacherCacheOptions? TeacherCache { get; init; }

    /// <summary><c>--transfer</c>: unlabelled inputs the compatibility training distils on too (rule: <see cref="TransferSet"/>); null: none.</summary>
    public string? TransferFile { get; init; }

    /// <summary>Every input path with the option that named it (empty ones skipped by the guard).</summary>
    public (string Option, string? Path)[] Inputs() =>
    [
        ("--old-model", OldModelDir), ("--old-adapter", OldAdapterDir), ("--new-model", NewModelDir), ("--new-adapter", NewAdapterDir),
        ("--train", TrainFile), ("--labels", TrainLabels), ("--valid", ValidFile), ("--valid-labels", ValidLabels),
        ("--test", TestFile), ("--test-labels", TestLabels), ("--transfer", TransferFile),
    ];

    /// <summary>
    /// Applies <see cref="OutputGuard"/> to this request's outputs before any work: the teacher cache (replaced as a whole, under its own rule for foreign directories;
    /// it may lie inside the run directory, but must not be or contain it) and the run directory, which is locked.
    /// Use the returned lock's path as <see cref="OutDir"/>.
    /// </summary>
    public RunDirectoryLock ClaimOutputs() => ClaimOutputs(OutDir, TeacherCache, Inputs());

    /// <summary>The same claim for a compatibility run given by its parts (<c>muscle train-compat</c> has no test set).</summary>
    public static RunDirectoryLock ClaimOutputs(string outDir, TeacherCacheOptions? teacherCache, (string Option, string? Path)[] inputs)
    {
        if (teacherCache is not null)
        {
            // What may be replaced there is the cache's own rule (a directory holding its manifest.json, or an empty one).
            var cache = OutputGuard.CheckPath(teacherCache.Dir, "--teacher-cache", inputs);
            OutputGuard.RefuseReplacing(cache, "--teacher-cache", outDir, "--out");
        }
        return OutputGuard.ClaimRunDirectory(outDir, "--out", inputs);
    }
}
