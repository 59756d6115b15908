namespace Muscle.Events;

/// <summary>
/// A progress sink that several threads may report to: their events reach <paramref name="inner"/> one at a time (a
/// display's counters and bar are not written by two threads at once).
/// </summary>
public sealed class SerialProgress(IProgress<RunEvent> inner) : IProgress<RunEvent>
{
    private readonly Lock _gate = new();

    public void Report(RunEvent value)
    {
        lock (_gate) inner.Report(value);
    }
}
