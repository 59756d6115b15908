namespace Muscle.Training;

/// <summary>
/// A request to stop training at the next step boundary, with a checkpoint (the CLI raises it on SIGINT/SIGTERM). It is
/// ambient, like <see cref="System.Transactions.Transaction.Current"/>: the host installs one with <see cref="Use"/>
/// around a command, and every <see cref="TrainingLoop"/> run inside (however deep in a recipe) listens to it, so no
/// recipe signature carries a token. <see cref="TryStop"/> succeeds only while a loop listens: a signal during work
/// that cannot stop cleanly (loading, evaluating) keeps its default effect and ends the process.
/// </summary>
public sealed class TrainingStop
{
    private static readonly AsyncLocal<TrainingStop?> Ambient = new();
    private int _listeners;
    private volatile bool _requested;

    /// <summary>The request installed around the current work; null when none is.</summary>
    public static TrainingStop? Current => Ambient.Value;

    /// <summary>True once <see cref="TryStop"/> has succeeded.</summary>
    public bool IsRequested => _requested;

    /// <summary>The exit code the host asked to end with (130 for SIGINT, 143 for SIGTERM by convention).</summary>
    public int ExitCode { get; private set; }

    /// <summary>Installs this request for the work done until the result is disposed.</summary>
    public IDisposable Use()
    {
        var before = Ambient.Value;
        Ambient.Value = this;
        return new Scope(() => Ambient.Value = before);
    }

    /// <summary>Marks a training loop as listening until the result is disposed.</summary>
    public IDisposable Listen()
    {
        Interlocked.Increment(ref _listeners);
        return new Scope(() => Interlocked.Decrement(ref _listeners));
    }

    /// <summary>
    /// Asks the listening loop to checkpoint and stop; false (nothing changed) when no loop listens or a stop was
    /// already asked for, so the caller lets the signal end the process.
    /// </summary>
    public bool TryStop(int exitCode)
    {
        if (_requested || Volatile.Read(ref _listeners) == 0) return false;
        ExitCode = exitCode;
        _requested = true;
        return true;
    }

    private sealed class Scope(Action end) : IDisposable
    {
        private Action? _end = end;

        public void Dispose() => Interlocked.Exchange(ref _end, null)?.Invoke();
    }
}
