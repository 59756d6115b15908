namespace Muscle.Events;

/// <summary>The teachers are running to fill the cache: <paramref name="Done"/> of <paramref name="Total"/> units of <paramref name="Part"/>.</summary>
public sealed record TeacherCacheBuilding(TeacherCachePart Part, long Done, long Total) : RunEvent;
