namespace Muscle.Events;

/// <summary>A cache was found but is stale (<paramref name="Reason"/> changed or is missing): it is rebuilt.</summary>
public sealed record TeacherCacheRebuilding(string Dir, string Reason) : RunEvent;
