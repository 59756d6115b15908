using Muscle.Distillation;

namespace Muscle.Recipes;

/// <summary>One arm of the ablation grid: a strategy id (or <c>muscle+ce</c>) with its loss options.</summary>
public sealed record AblationArm(string Name, CompatibilityLossOptions Loss);
