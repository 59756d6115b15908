using System.Diagnostics;
using Muscle.Events;
using Muscle.Infrastructure;
using Spectre.Console;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The CLI's one progress renderer: shows a long job's <see cref="RunEvent"/>s (as <see cref="RunEventText"/> words them)
/// as a Spectre.Console bar on a terminal; on a pipe or CI log (where Spectre draws nothing until the end) as plain
/// lines at most every few seconds; not at all when there is no console.
/// </summary>
public sealed class ProgressDisplay(IAnsiConsole? console)
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="work"/>, showing what it reports.</summary>
    public T Run<T>(string title, Func<IProgress<RunEvent>, T> work)
    {
        if (console is null) return work(new SyncProgress<RunEvent>(_ => { }));
        if (!console.Profile.Capabilities.Interactive) return RunPlain(console, title, work);
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                result = work(new SyncProgress<RunEvent>(e =>
                {
                    if (RunEventText.Describe(e) is not { } u) return;
                    task.MaxValue = Math.Max(1, u.Total);
                    task.Value = u.Done;
                    task.Description = Markup.Escape(u.Status.Length == 0 ? title : $"{title}  {u.Status}");
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    private static T RunPlain<T>(IAnsiConsole console, string title, Func<IProgress<RunEvent>, T> work)
    {
        var clock = Stopwatch.StartNew();
        var last = -PlainInterval;
        console.WriteLine($"{title}: started");
        var result = work(new SyncProgress<RunEvent>(e =>
        {
            if (RunEventText.Describe(e) is not { } u) return;
            if (clock.Elapsed - last < PlainInterval && u.Done < u.Total) return;
            last = clock.Elapsed;
            console.WriteLine($"{title}: {u.Done}/{u.Total} ({100.0 * u.Done / Math.Max(1, u.Total):F0} %) {u.Status} [{clock.Elapsed:hh\\:mm\\:ss}]");
        }));
        console.WriteLine($"{title}: done in {clock.Elapsed:hh\\:mm\\:ss}");
        return result;
    }
}
