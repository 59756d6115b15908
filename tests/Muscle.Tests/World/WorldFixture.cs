using Muscle.World;

namespace Muscle.Tests.World;

/// <summary>One Quick world per test class, generated into a temporary directory and deleted afterwards.</summary>
public sealed class WorldFixture : IDisposable
{
    public WorldFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "muscle-world-" + Guid.NewGuid().ToString("N"));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Files = SyntheticWorld.Generate(WorldOptions.Quick, Path.Combine(Root, "world"));
        Elapsed = sw.Elapsed;
    }

    public string Root { get; }
    public WorldFiles Files { get; }
    public TimeSpan Elapsed { get; }

    public string Path_(string relative) => Path.Combine(Files.Directory, relative);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
