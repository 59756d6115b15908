namespace Muscle.Testing;

/// <summary>
/// Locates <c>../shared/data</c> beside the checkout (walking up from the test binaries to <c>Muscle.slnx</c>).
/// Tests that need it use <see cref="SharedDataFactAttribute"/> and skip with a message when it is absent.
/// </summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared data directory, or null when this machine has none.</summary>
    public static string? Root { get; } = FindShared();

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Root ?? throw new InvalidOperationException("../shared/data is absent"), .. parts]);

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Muscle.slnx"))) return d.FullName;
        throw new InvalidOperationException("cannot find Muscle.slnx above " + AppContext.BaseDirectory);
    }

    private static string? FindShared()
    {
        var env = Environment.GetEnvironmentVariable("MUSCLE_SHARED_DATA");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? env : null;
        var p = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared", "data"));
        return Directory.Exists(p) ? p : null;
    }
}

/// <summary>A fact that is skipped, with a message, when <c>../shared/data</c> (or a file under it) is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] requiredPath)
    {
        if (SharedData.Root is null)
            Skip = "../shared/data is absent on this machine (set MUSCLE_SHARED_DATA to point at it)";
        else if (requiredPath.Length > 0 && !File.Exists(SharedData.Path(requiredPath)) && !Directory.Exists(SharedData.Path(requiredPath)))
            Skip = $"{string.Join('/', requiredPath)} is absent from ../shared/data";
    }

    /// <summary>A second path (relative, '/'-separated) the test needs; the test skips with a message without it.</summary>
    public string? AlsoRequires
    {
        get => _alsoRequires;
        set
        {
            _alsoRequires = value;
            if (Skip is null && value is not null && SharedData.Root is not null
                && !File.Exists(SharedData.Path(value.Split('/'))) && !Directory.Exists(SharedData.Path(value.Split('/'))))
                Skip = $"{value} is absent from ../shared/data";
        }
    }

    private string? _alsoRequires;
}
