using Muscle.Events;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The remaining time of work that reports no ETA of its own (an evaluation's items, a teacher cache's batches), at the
/// pace since that work began, as pretraining's <see cref="StepProgress.Eta"/> is: a series is one stage's counts
/// towards one total, and a new stage or total starts a new series.
/// </summary>
public sealed class EtaClock
{
    private string _series = "";
    private TimeSpan _start;
    private long _startDone;

    /// <summary><c>eta hh:mm:ss</c> for <paramref name="done"/> of <paramref name="total"/> at <paramref name="now"/>; empty before any pace is known.</summary>
    public string Text(RunEvent e, long done, long total, TimeSpan now)
    {
        var series = $"{string.Join('/', e.Stage)}|{e.GetType().Name}|{total}";
        if (series != _series || done < _startDone)
            (_series, _start, _startDone) = (series, now, done);
        if (e is StepProgress or ValidationDone || done <= _startDone || done >= total) return "";
        var eta = (now - _start) * ((double)(total - done) / (done - _startDone));
        return $"eta {eta:hh\\:mm\\:ss}";
    }
}
