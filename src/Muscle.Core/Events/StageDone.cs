namespace Muscle.Events;

/// <summary>A pipeline stage is finished: it ran, or <paramref name="Reused"/> its earlier output (same inputs).</summary>
public sealed record StageDone(string Name, bool Reused) : RunEvent;
