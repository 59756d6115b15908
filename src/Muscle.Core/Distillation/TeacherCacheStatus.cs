namespace Muscle.Distillation;

/// <summary>What <see cref="TeacherCache.Open"/> did with the directory.</summary>
public enum TeacherCacheStatus
{
    /// <summary>No cache was there: both teachers ran once over every training and validation sequence (or choice).</summary>
    Built,
    /// <summary>A cache was there but its manifest no longer matched the run, or lacked a part it needs (see <see cref="CachedTeachers.StaleReason"/>): rebuilt.</summary>
    Rebuilt,
    /// <summary>The manifest matched: no teacher was loaded.</summary>
    Reused,
}
