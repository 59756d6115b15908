namespace Muscle.Infrastructure;

/// <summary>
/// A problem with what the user gave us (a file, an option, a model directory) or with where we must write.
/// The CLI turns it into exactly one line, <c>error: &lt;what&gt; (&lt;file&gt;:&lt;line&gt;)</c>, and exit code 2.
/// Everything else is a bug and keeps its stack trace.
/// </summary>
public class MuscleInputException : Exception
{
    public MuscleInputException(string message, string? file = null, long? line = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Line = line;
    }

    /// <summary>The file the problem is in, if any.</summary>
    public string? File { get; }

    /// <summary>1-based line (or record) number inside <see cref="File"/>, if it applies.</summary>
    public long? Line { get; }

    /// <summary>The one-line form shown to users, without the <c>error: </c> prefix.</summary>
    public string OneLine()
    {
        var what = Message.ReplaceLineEndings(" ");
        if (File is null) return what;
        return Line is null ? $"{what} ({File})" : $"{what} ({File}:{Line})";
    }
}
