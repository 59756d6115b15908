namespace Muscle.Testing;

/// <summary>A theory that is skipped, with a message, when <c>../shared/data</c> (or a path under it) is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(params string[] requiredPath)
    {
        if (SharedData.Root is null)
            Skip = "../shared/data is absent on this machine (set MUSCLE_SHARED_DATA to point at it)";
        else if (requiredPath.Length > 0 && !File.Exists(SharedData.Path(requiredPath)) && !Directory.Exists(SharedData.Path(requiredPath)))
            Skip = $"{string.Join('/', requiredPath)} is absent from ../shared/data";
    }
}
