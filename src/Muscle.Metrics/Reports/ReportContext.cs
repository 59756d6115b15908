namespace Muscle.Reports;

/// <summary>
/// What a report is about, as the recipe that ran it knows it: the task, the old and new models, the compatibility
/// strategy and the seed. Every part is optional: <c>muscle compare</c> knows only file names, and the report then
/// titles itself by them.
/// </summary>
public sealed record ReportContext(string? Task = null, string? OldModel = null, string? NewModel = null, string? Strategy = null, long? Seed = null)
{
    /// <summary>No context: the report is titled by its prediction files.</summary>
    public static ReportContext None { get; } = new();

    /// <summary>The last segment of a model or adapter directory (<c>/models/Llama-3.2-1B/</c> → <c>Llama-3.2-1B</c>), for titles.</summary>
    public static string ModelName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var trimmed = Path.TrimEndingDirectorySeparator(path);
        var name = Path.GetFileName(trimmed);
        return name.Length == 0 ? trimmed : name;
    }
}
