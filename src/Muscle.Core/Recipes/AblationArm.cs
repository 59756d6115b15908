using System.Text.Json.Nodes;
using System.Text.Json;
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

namespace Muscle.Recipes;

/// <summary>One arm of the ablation grid: a strategy id (or <c>muscle+ce</c>) with its loss options.</summary>
public sealed record AblationArm(string Name, CompatibilityLossOptions Loss);
