using Muscle.Events;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The remaining time of work that reports no ETA of its own (an evaluation's items, a teacher cache's batches), at the
/// pace since that work began, as pretraining's <see cref="StepProgress.Eta"/> is: a series is one stage's counts
/// towards one total, and a new total (or a count that went back) starts the stage's series anew. Each stage keeps its
/// own series, so the events of stages that run at once (the demo's lanes) do not restart each other's.
/// </summary>
public sealed class EtaClock
{
    private readonly Dictionary<string, (string Kind, TimeSpan Start, long StartDone)> _series = new(StringComparer.Ordinal);

    /// <summary><c>eta hh:mm:ss</c> for <paramref name="done"/> of <paramref name="total"/> at <paramref name="now"/>; empty before any pace is known.</summary>
    public string Text(RunEvent e, long done, long total, TimeSpan now)
    {
        var stage = string.Join('/', e.Stage);
        var kind = $"{e.GetType().Name}|{total}";
        if (!_series.TryGetValue(stage, out var s) || s.Kind != kind || done < s.StartDone)
            _series[stage] = s = (kind, now, done);
        if (e is StepProgress or ValidationDone || done <= s.StartDone || done >= total) return "";
        var eta = (now - s.Start) * ((double)(total - done) / (done - s.StartDone));
        return $"eta {eta:hh\\:mm\\:ss}";
    }
}
