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
using Muscle.Pretraining;
using Muscle.Reports;
using Muscle.Tasks;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>Outcome of an update: where everything is, and the comparison of v1, v2 and the compatibility model.</summary>
public sealed record UpdateResult(string NewAdapterDir, string CompatAdapterDir, string PredictionsDir, string ReportDir,
                                  ComparisonResult Comparison, IReadOnlyList<string> SkippedStages);
