using Muscle.Distillation;

namespace Muscle.Events;

/// <summary>
/// The teacher cache is open: <see cref="TeacherCacheStatus.Reused"/> (no teacher ran), or built or rebuilt, with
/// <paramref name="Detail"/> saying what it now holds (rows, k, tail mass, choice scores).
/// </summary>
public sealed record TeacherCacheReady(TeacherCacheStatus Status, string Dir, string? Detail = null) : RunEvent;
