using Muscle.Infrastructure;

namespace Muscle.Events;

/// <summary>Scoping of a progress sink to a stage.</summary>
public static class RunEvents
{
    /// <summary>
    /// The sink for the work of stage <paramref name="stage"/>: every event reported to it reaches
    /// <paramref name="progress"/> with <paramref name="stage"/> put in front of its <see cref="RunEvent.Stage"/>.
    /// Null stays null, so components skip the work of reporting.
    /// </summary>
    public static IProgress<RunEvent>? In(this IProgress<RunEvent>? progress, string stage) =>
        progress is null ? null : new SyncProgress<RunEvent>(e => progress.Report(e with { Stage = [stage, .. e.Stage] }));
}
