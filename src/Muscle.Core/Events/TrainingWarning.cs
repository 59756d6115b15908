namespace Muscle.Events;

/// <summary>A training will run, but likely not as meant (a warmup longer than the run, a LoRA rank that is not low): one line.</summary>
public sealed record TrainingWarning(string Message) : RunEvent;
