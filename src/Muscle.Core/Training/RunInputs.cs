using System.Text.Json.Nodes;
using Muscle.IO;

namespace Muscle.Training;

/// <summary>
/// What a training run was started on: each input option (<c>--model</c>, <c>--train</c>, ...) with its path and the
/// content keys of its files (<see cref="ContentHashes"/>). Every checkpoint records it; <c>--resume</c> continues only
/// on the same contents (a path may differ: a moved model with the same bytes is the same input).
/// </summary>
public sealed class RunInputs
{
    private readonly IReadOnlyList<Input> _inputs;

    private RunInputs(IReadOnlyList<Input> inputs) => _inputs = inputs;

    private sealed record Input(string Option, string Path, bool IsFile, SortedDictionary<string, string> Files);

    /// <summary>The given inputs (options without a path are skipped), keyed by <paramref name="keys"/>.</summary>
    public static RunInputs Of(ContentHashes keys, IEnumerable<(string Option, string? Path)> inputs) =>
        new([.. inputs.Where(i => !string.IsNullOrEmpty(i.Path))
            .Select(i => new Input(i.Option, System.IO.Path.GetFullPath(i.Path!), File.Exists(i.Path), keys.OfInput(i.Path!)))]);

    /// <summary>The record a checkpoint keeps: <c>[{"option", "path", "kind": "file"|"directory", "files": {name: key}}]</c>.</summary>
    public JsonArray ToJson() => new([.. _inputs.Select(i => (JsonNode?)new JsonObject
    {
        ["option"] = i.Option,
        ["path"] = i.Path,
        ["kind"] = i.IsFile ? "file" : "directory",
        ["files"] = new JsonObject(i.Files.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
    })]);

    /// <summary>
    /// Null when <paramref name="saved"/> (a checkpoint's record) names the same inputs with the same contents; else
    /// what differs, in words, for one input (<c>--model /x differs from the run's start (model.safetensors content
    /// changed)</c>). Throws <see cref="FormatException"/> for a record that is not one.
    /// </summary>
    public string? Difference(JsonNode? saved)
    {
        if (saved is not JsonArray array) throw new FormatException("'inputs' is not an array");
        var before = array.Select(n => n as JsonObject ?? throw new FormatException("an 'inputs' entry is not an object"))
            .Select(o => new Input(
                (string?)o["option"] ?? throw new FormatException("an 'inputs' entry has no option"),
                (string?)o["path"] ?? throw new FormatException("an 'inputs' entry has no path"),
                (string?)o["kind"] == "file",
                new SortedDictionary<string, string>(
                    (o["files"] as JsonObject ?? throw new FormatException("an 'inputs' entry has no files"))
                    .ToDictionary(p => p.Key, p => (string?)p.Value ?? throw new FormatException($"no key for {p.Key}")),
                    StringComparer.Ordinal)))
            .ToList();
        foreach (var now in _inputs)
        {
            var then = before.FirstOrDefault(b => b.Option == now.Option);
            if (then is null) return $"{now.Option} {now.Path} was not given when the run started";
            // A file is its content, whatever its name; a directory is its files by name.
            var changes = now.IsFile && then.IsFile
                ? (then.Files.Values.SequenceEqual(now.Files.Values) ? [] : ["content changed"])
                : Changes(then.Files, now.Files);
            if (changes.Count == 0) continue;
            var where = then.Path == now.Path ? "" : $"started on {then.Path}; ";
            var shown = changes.Count > 3 ? [.. changes.Take(3), $"{changes.Count - 3} more"] : changes;
            return $"{now.Option} {now.Path} differs from the run's start ({where}{string.Join(", ", shown)})";
        }
        foreach (var then in before.Where(b => _inputs.All(i => i.Option != b.Option)))
            return $"the run started with {then.Option} {then.Path}, which is not given now";
        return null;
    }

    private static List<string> Changes(SortedDictionary<string, string> then, SortedDictionary<string, string> now)
    {
        var changes = new List<string>();
        foreach (var (name, key) in now)
        {
            if (!then.TryGetValue(name, out var old)) changes.Add($"{name} added");
            else if (old != key) changes.Add($"{name} content changed");
        }
        changes.AddRange(then.Keys.Where(n => !now.ContainsKey(n)).Select(n => $"{n} removed"));
        return changes;
    }
}
