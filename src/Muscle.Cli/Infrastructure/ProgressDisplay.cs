using System.Diagnostics;
using Muscle.Events;
using Muscle.Infrastructure;
using Spectre.Console;

namespace Muscle.Cli.Infrastructure;

/// <summary>
/// The CLI's one progress renderer: shows a long job's <see cref="RunEvent"/>s (as <see cref="RunEventText"/> words them,
/// with the pipeline's <see cref="StageCounter"/> "stage k/N" in front) as a Spectre.Console bar on a terminal; on a
/// pipe or CI log (where Spectre draws nothing until the end) as plain lines, at most one every
/// <see cref="PlainInterval"/> plus each bar's last, written straight to the writer so no line is wrapped at
/// Spectre's 80 columns; not at all when there is no console. A <see cref="TrainingWarning"/> is always shown, as one
/// <c>warning: </c> line on <paramref name="warnings"/> (stderr), or above the bar on a terminal.
/// </summary>
public sealed class ProgressDisplay(IAnsiConsole? console, TextWriter? warnings = null)
{
    /// <summary>The least time between two plain progress lines (a bar's last line is always written).</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The console progress is shown on: over <paramref name="writer"/> (stderr, so stdout stays clean for results), live
    /// only when <paramref name="isTerminal"/>; otherwise plain lines, whatever Spectre would detect.
    /// </summary>
    public static IAnsiConsole ConsoleFor(TextWriter writer, bool isTerminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
    });

    /// <summary>Runs <paramref name="work"/>, showing what it reports.</summary>
    public T Run<T>(string title, Func<IProgress<RunEvent>, T> work)
    {
        if (console is null) return work(new SyncProgress<RunEvent>(e => Warn(e, null)));
        if (!console.Profile.Capabilities.Interactive) return RunPlain(console.Profile.Out.Writer, title, work);
        T result = default!;
        var stages = new StageCounter();
        var eta = new EtaClock();
        var clock = Stopwatch.StartNew();
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                result = work(new SyncProgress<RunEvent>(e =>
                {
                    if (Warn(e, console)) return;
                    stages.Observe(e);
                    if (RunEventText.Describe(e) is not { } u) return;
                    task.MaxValue = Math.Max(1, u.Total);
                    task.Value = u.Done;
                    task.Description = Markup.Escape(string.Join("  ",
                        new[] { title, stages.Text, u.Status, eta.Text(e, u.Done, u.Total, clock.Elapsed) }.Where(s => s.Length > 0)));
                    // A resume is news the bar would overwrite at the next step: it also gets a line of its own.
                    if (e is TrainingResumed) console.WriteLine($"{title}: {u.Status}");
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Shows <paramref name="e"/> when it is a warning (on <paramref name="live"/>, the terminal with the bar, if given).</summary>
    private bool Warn(RunEvent e, IAnsiConsole? live)
    {
        if (e is not TrainingWarning w) return false;
        var stage = string.Join(": ", e.Stage);
        var line = $"warning: {(stage.Length == 0 ? "" : stage + ": ")}{w.Message}";
        if (live is not null) live.WriteLine(line);
        else warnings?.WriteLine(line);
        return true;
    }

    private T RunPlain<T>(TextWriter output, string title, Func<IProgress<RunEvent>, T> work)
    {
        var clock = Stopwatch.StartNew();
        var last = -PlainInterval;
        var stages = new StageCounter();
        var eta = new EtaClock();
        output.WriteLine($"{title}: started");
        var result = work(new SyncProgress<RunEvent>(e =>
        {
            if (Warn(e, null)) return;
            stages.Observe(e);
            if (RunEventText.Describe(e) is not { } u) return;
            var remaining = eta.Text(e, u.Done, u.Total, clock.Elapsed);
            if (clock.Elapsed - last < PlainInterval && u.Done < u.Total && e is not TrainingResumed) return;
            last = clock.Elapsed;
            var stage = stages.Text.Length == 0 ? "" : stages.Text + " ";
            var status = remaining.Length == 0 ? u.Status : $"{u.Status} {remaining}".TrimStart();
            output.WriteLine($"{title}: {stage}{u.Done}/{u.Total} ({100.0 * u.Done / Math.Max(1, u.Total):F0} %) {status} [{clock.Elapsed:hh\\:mm\\:ss}]");
        }));
        // The stage count once more: stages reused at the end (a rerun; the demo's tables reuse the update's candidates) print no progress line.
        output.WriteLine($"{title}: {(stages.Text.Length == 0 ? "" : stages.Text + " ")}done in {clock.Elapsed:hh\\:mm\\:ss}");
        output.Flush();
        return result;
    }
}
