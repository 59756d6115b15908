namespace Muscle.Tests.Models;

/// <summary>Finds the committed fixtures in the source tree (no copy step in the test project).</summary>
internal static class ModelFixtures
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Muscle.Tests.csproj")))
                return System.IO.Path.Combine(dir.FullName, "Models");
        throw new DirectoryNotFoundException($"Muscle.Tests.csproj not found above {AppContext.BaseDirectory}");
    });

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);
}
