namespace Muscle.Recipes;

/// <summary>What one adapter seed produced: the task rows and the strategies on the multiple-choice task.</summary>
public sealed record DemoSeedResult(long Seed, IReadOnlyList<DemoTaskRow> Tasks, IReadOnlyList<AblationRow> Strategies);
