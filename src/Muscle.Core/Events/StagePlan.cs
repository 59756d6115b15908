namespace Muscle.Events;

/// <summary>
/// A pipeline is about to go through <paramref name="Stages"/> stages (each one <see cref="StageStarted"/>, or
/// <see cref="StageDone"/> reused when a rerun skips it), those of the pipelines it runs included, so progress can say
/// "stage k of N". A pipeline run inside another reports its own plan too, under its stage path.
/// </summary>
public sealed record StagePlan(int Stages) : RunEvent;
