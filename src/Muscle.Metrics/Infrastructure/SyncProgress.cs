namespace Muscle.Infrastructure;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread. <see cref="Progress{T}"/> posts to the thread pool,
/// which reorders reports and runs them after the work has finished.
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
