namespace Muscle.Events;

/// <summary>A training loop continues from the checkpoint in <paramref name="CheckpointDir"/>, at <paramref name="Step"/> of <paramref name="TotalSteps"/>.</summary>
public sealed record TrainingResumed(long Step, long TotalSteps, string CheckpointDir) : RunEvent;
