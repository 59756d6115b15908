using System.Text.Json.Nodes;
using Muscle.Evaluation;
using Muscle.Infrastructure;
using Muscle.Recipes;
using Muscle.World;
using static TorchSharp.torch;

namespace Muscle.Recipes;

/// <summary>One row of the paper-layout table: a task's v1/v2/compat scores and flips (compare-library JSON).</summary>
public sealed record DemoTaskRow(string Task, string Format, string ComparisonJson);
