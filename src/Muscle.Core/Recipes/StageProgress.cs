namespace Muscle.Recipes;

/// <summary>One stage's progress message: which stage, and the trainer's or evaluator's own progress.</summary>
public readonly record struct StageProgress(string Stage, long Done, long Total, string? Status);
