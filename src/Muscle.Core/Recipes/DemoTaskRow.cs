using Muscle.Compatibility;

namespace Muscle.Recipes;

/// <summary>One row of the paper-layout table: a task's comparison of v1, v2 and the compatibility model.</summary>
public sealed record DemoTaskRow(string Task, string Format, ComparisonResult Comparison);
