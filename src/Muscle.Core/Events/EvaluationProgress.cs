namespace Muscle.Events;

/// <summary>An evaluation's progress: requests (multiple choice) or instances (generation) done of total.</summary>
public sealed record EvaluationProgress(long Done, long Total) : RunEvent;
