using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using Muscle.Adapters;
using Muscle.Compatibility;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Reports;
using Muscle.Tasks;
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
    public required string TrainFile { get; init; }
    public string? TrainLabels { get; init; }
    public string? ValidFile { get; init; }
    public string? ValidLabels { get; init; }
    public required string TestFile { get; init; }
    public string? TestLabels { get; init; }
    public required string OutDir { get; init; }
    public AdapterTrainingOptions Training { get; init; } = new();
    public CompatibilityLossOptions Compatibility { get; init; } = new();
    public EvaluationOptions Evaluation { get; init; } = new();
    public ScalarType DType { get; init; } = Models.DTypes.Default;

    /// <summary><c>--teacher-cache</c>: where the compatibility training keeps its teachers (null: exact teachers, the default).</summary>
    public TeacherCacheOptions? TeacherCache { get; init; }

    /// <summary><c>--transfer</c>: unlabelled inputs the compatibility training distils on too (rule: <see cref="TransferSet"/>); null: none.</summary>
    public string? TransferFile { get; init; }
}
