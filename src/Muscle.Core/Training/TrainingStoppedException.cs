namespace Muscle.Training;

/// <summary>
/// A <see cref="TrainingLoop"/> stopped on a <see cref="TrainingStop"/> request: its last checkpoint (written on the
/// request, or earlier) is at <see cref="CheckpointStep"/> of <see cref="TotalSteps"/> in <see cref="CheckpointDir"/>;
/// <see cref="CheckpointStep"/> 0 means none was written.
/// </summary>
public sealed class TrainingStoppedException(long checkpointStep, long totalSteps, string checkpointDir, bool savedOnStop)
    : OperationCanceledException($"training stopped; last checkpoint at step {checkpointStep} of {totalSteps} ({checkpointDir})")
{
    public long CheckpointStep { get; } = checkpointStep;
    public long TotalSteps { get; } = totalSteps;
    public string CheckpointDir { get; } = checkpointDir;

    /// <summary>True when the loop wrote the checkpoint when asked to stop (else it is an earlier one).</summary>
    public bool SavedOnStop { get; } = savedOnStop;
}
