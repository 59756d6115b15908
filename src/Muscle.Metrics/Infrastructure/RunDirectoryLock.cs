namespace Muscle.Infrastructure;

/// <summary>
/// An exclusive lock on a run directory for the run's duration: <see cref="OutputGuard.LockFileName"/> opened with
/// <see cref="FileShare.None"/>, which .NET implements on Unix as flock(2) LOCK_EX | LOCK_NB, so a second process (or a
/// second run in this one) fails at once instead of racing on the same checkpoints. The holder's process id goes into
/// <see cref="OutputGuard.MarkerFileName"/> (the lock file itself cannot be read while locked). The lock file stays:
/// deleting it on release would let a waiter lock an unlinked file while a third run locks a new one.
/// If the run leaves nothing but the marker, the lock (and the content-key cache) in a directory that was missing or empty before, both are
/// removed again (and the directory, if the run created it), so a run refused for a bad input leaves no trace.
/// </summary>
public sealed class RunDirectoryLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly bool _existed;
    private readonly bool _wasEmpty;

    private RunDirectoryLock(string path, FileStream @lock, bool existed, bool wasEmpty)
    {
        Path = path;
        _lock = @lock;
        _existed = existed;
        _wasEmpty = wasEmpty;
    }

    /// <summary>The resolved run directory (symbolic links followed).</summary>
    public string Path { get; }

    internal static RunDirectoryLock Acquire(string dir, string option, bool existed)
    {
        var wasEmpty = !existed || !Directory.EnumerateFileSystemEntries(dir).Any();
        AtomicFile.EnsureDirectory(dir);
        var lockPath = System.IO.Path.Combine(dir, OutputGuard.LockFileName);
        var marker = System.IO.Path.Combine(dir, OutputGuard.MarkerFileName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(lockPath))
        {
            throw new MuscleInputException($"{option} {dir} is in use by process {Holder(marker)} (it holds {OutputGuard.LockFileName}); " +
                                           $"wait for that run to finish or choose another {option}", inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot lock the run directory: {e.Message}", lockPath, inner: e);
        }
        try
        {
            AtomicFile.WriteAllText(marker, OutputGuard.MarkerText + $"pid {Environment.ProcessId}\n");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new RunDirectoryLock(dir, stream, existed, wasEmpty);
    }

    private static string Holder(string marker)
    {
        try
        {
            var line = File.ReadLines(marker).LastOrDefault(l => l.StartsWith("pid ", StringComparison.Ordinal));
            return line?[4..] ?? "unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    public void Dispose()
    {
        _lock.Dispose();
        if (!_wasEmpty) return;
        try
        {
            var left = Directory.EnumerateFileSystemEntries(Path).Select(System.IO.Path.GetFileName).ToList();
            if (left.Any(n => n is not (OutputGuard.MarkerFileName or OutputGuard.LockFileName or OutputGuard.ContentKeysFileName))) return;
            foreach (var name in left) File.Delete(System.IO.Path.Combine(Path, name!));
            if (!_existed) Directory.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty run directory left behind is harmless.
        }
    }
}
