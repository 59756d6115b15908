namespace Muscle.Tests;

/// <summary>Directory helpers the tests share.</summary>
public static class TestDirectories
{
    /// <summary>Every entry, hidden ones included, at every depth.</summary>
    public static readonly EnumerationOptions Everything = new()
    {
        RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false, MatchType = MatchType.Simple,
    };

    /// <summary>Copies <paramref name="from"/>'s whole tree (hidden files too) into <paramref name="to"/>, which must exist unless <paramref name="from"/> has subdirectories.</summary>
    public static void Copy(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", Everything))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", Everything))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
