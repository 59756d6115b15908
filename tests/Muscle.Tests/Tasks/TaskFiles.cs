namespace Muscle.Tests.Tasks;

/// <summary>A temporary folder for task files written by a test; deleted on dispose.</summary>
internal sealed class TaskFiles : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("muscle-tasks-").FullName;

    public string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static string Fixture(string name) => Path.Combine(SharedData.RepoRoot, "tests", "Muscle.Tests", "Tasks", "Fixtures", name);
}
