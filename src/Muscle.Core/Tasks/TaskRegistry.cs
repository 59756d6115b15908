using System.Collections.Frozen;
using Muscle.Infrastructure;

namespace Muscle.Tasks;

/// <summary>The tasks by their lm-evaluation-harness names (plus the generic <c>jsonl-mc</c> / <c>jsonl-gen</c>).</summary>
public static class TaskRegistry
{
    // Immutable and holding stateless tasks, so sharing it is not the static mutable state the style forbids.
    private static readonly FrozenDictionary<string, ITaskDefinition> Tasks = new ITaskDefinition[]
    {
        new HellaSwagTask(),
        new PiqaTask(),
        new ArcTask("arc_easy"),
        new ArcTask("arc_challenge"),
        new BoolqTask(),
        new WinograndeTask(),
        new CopaTask(),
        new Sst2Task(),
        new JsonlMcTask(),
        new Gsm8kTask(),
        new SamsumTask(),
        new JsonlGenTask(),
    }.ToFrozenDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>All task names, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Tasks.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The task called <paramref name="name"/> (case-insensitive); an unknown name lists the known ones.</summary>
    public static ITaskDefinition Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Tasks.TryGetValue(name.Trim(), out var task)
            ? task
            : throw new MuscleInputException($"unknown task '{name}'; known tasks: {string.Join(", ", Names)}");
    }
}
