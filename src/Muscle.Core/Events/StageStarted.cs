namespace Muscle.Events;

/// <summary>A pipeline stage starts (or resumes) its work.</summary>
public sealed record StageStarted(string Name) : RunEvent;
