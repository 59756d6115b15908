namespace Muscle.Tests.Cli;

/// <summary>
/// A progress writer that runs an action the first time a line containing a marker is written (e.g. raise the stop a
/// signal would raise, at the first step line, as a user pressing Ctrl-C would see it).
/// </summary>
internal sealed class ActOnLineWriter(string marker, Action act) : StringWriter
{
    private bool _done;

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        if (_done || value?.Contains(marker, StringComparison.Ordinal) != true) return;
        _done = true;
        act();
    }
}
