using System.Text.Json.Nodes;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Recipes;
using Muscle.World;
using static TorchSharp.torch;

using Muscle.Compatibility;
using Muscle.Training;
using Muscle.Distillation;
using Muscle.Pretraining;

namespace Muscle.Recipes;

/// <summary>One row of the paper-layout table: a task's comparison of v1, v2 and the compatibility model.</summary>
public sealed record DemoTaskRow(string Task, string Format, ComparisonResult Comparison);
