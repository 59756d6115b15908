namespace Muscle.Recipes;

/// <summary>What one adapter seed produced: the task rows, each with its strategies table.</summary>
public sealed record DemoSeedResult(long Seed, IReadOnlyList<DemoTaskRow> Tasks);
