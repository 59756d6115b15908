using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Adapters;
using Muscle.Compatibility;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Predictions;
using Muscle.Reports;
using Muscle.Tasks;

using Muscle.Training;
using Muscle.Distillation;
using Muscle.Pretraining;

namespace Muscle.Recipes;

/// <summary>One row of Table 7: the arm, its comparison against v1, and the deltas against v2.</summary>
public sealed record AblationRow(string Arm, double? DeltaNfrC, double? DeltaPctNfrC, double? DeltaPfrC, double? DeltaAccC,
                                 double? NfrC, double? AccC, ComparisonResult Comparison);
