using System.Globalization;
using System.Text;
using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Compatibility;

/// <summary>
/// The accepted-flips file of <c>muscle compare --write-accepted-flips</c> and <c>--fail-on-new-flips</c>: the negative
/// flips a team has looked at and accepted, so a CI gate fails only on new ones. JSON Lines, one flip per line, sorted:
/// <c>{"id": "17"}</c> for predictions JSONL input, <c>{"task": "hellaswag", "doc_id": 17}</c> for lm-eval input
/// (doc_id as lm-eval writes it: a number, or a string when the log has string ids). No other key is allowed, so a
/// predictions file or an lm-eval samples file given by mistake is refused rather than read as a list of ids. An empty
/// file accepts no flips.
/// </summary>
public static class AcceptedFlips
{
    /// <summary>The file's text for <paramref name="flips"/>: one JSON object per line, sorted by task then id, "\n" line ends.</summary>
    public static string Format(IEnumerable<FlipKey> flips)
    {
        ArgumentNullException.ThrowIfNull(flips);
        var sb = new StringBuilder();
        foreach (var f in flips.Distinct().OrderBy(f => f.Task, StringComparer.Ordinal).ThenBy(f => IsNumber(f.Id) ? 0 : 1)
                     .ThenBy(f => IsNumber(f.Id) ? long.Parse(f.Id, CultureInfo.InvariantCulture) : 0).ThenBy(f => f.Id, StringComparer.Ordinal))
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                if (f.Task is null) w.WriteString("id", f.Id);
                else
                {
                    w.WriteString("task", f.Task);
                    if (IsNumber(f.Id)) w.WriteNumber("doc_id", long.Parse(f.Id, CultureInfo.InvariantCulture));
                    else w.WriteString("doc_id", f.Id);
                }
                w.WriteEndObject();
            }
            sb.Append(Encoding.UTF8.GetString(ms.ToArray())).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Reads an accepted-flips file. <paramref name="lmEval"/> says which kind of entry the comparison has: lm-eval input
    /// needs <c>task</c> + <c>doc_id</c>, predictions JSONL needs <c>id</c>; the other kind is an input error naming the line.
    /// </summary>
    public static IReadOnlySet<FlipKey> Read(string path, bool lmEval, string option = "--fail-on-new-flips")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new MuscleInputException($"{option} must be an accepted-flips file, but a directory is there", path);
        if (!File.Exists(path))
            throw new MuscleInputException($"{option}: accepted-flips file not found (write one with --write-accepted-flips)", path);
        IReadOnlyList<string> lines;
        try { lines = StrictUtf8.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read the accepted-flips file: {e.Message}", path, inner: e);
        }
        var flips = new HashSet<FlipKey>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var key = ParseLine(path, i + 1, lines[i], lmEval);
            if (!flips.Add(key)) throw new MuscleInputException($"{key} is listed twice", path, i + 1);
        }
        return flips;
    }

    private static FlipKey ParseLine(string path, int line, string text, bool lmEval)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new MuscleInputException($"malformed JSON in the accepted-flips file: {e.Message}", path, line, e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MuscleInputException($"an accepted flip is a JSON object ({Expected(lmEval)}), found {root.ValueKind}", path, line);
            foreach (var p in root.EnumerateObject())
                if (p.Name is not ("id" or "task" or "doc_id"))
                    throw new MuscleInputException(
                        $"unknown key \"{p.Name}\" in the accepted-flips file (a line is {Expected(lmEval)}); is this the file --write-accepted-flips wrote?",
                        path, line);
            var hasId = root.TryGetProperty("id", out var id);
            var hasTask = root.TryGetProperty("task", out var task);
            var hasDocId = root.TryGetProperty("doc_id", out var docId);
            if (lmEval)
            {
                if (hasId || !hasTask || !hasDocId)
                    throw new MuscleInputException(
                        $"the comparison is of lm-eval logs, so an accepted flip is {Expected(lmEval)}; this line is not"
                        + (hasId ? " (\"id\" is for predictions JSONL)" : ""), path, line);
                if (task.ValueKind != JsonValueKind.String || task.GetString()!.Length == 0)
                    throw new MuscleInputException($"\"task\" must be a non-empty string, found {task.GetRawText()}", path, line);
                return new FlipKey(task.GetString(), Id(docId, "doc_id", path, line));
            }
            if (!hasId || hasTask || hasDocId)
                throw new MuscleInputException(
                    $"the comparison is of predictions JSONL, so an accepted flip is {Expected(lmEval)}; this line is not"
                    + (hasTask || hasDocId ? " (\"task\"/\"doc_id\" are for lm-eval input)" : ""), path, line);
            return new FlipKey(null, Id(id, "id", path, line));
        }
    }

    private static string Id(JsonElement e, string name, string path, int line) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number when e.TryGetInt64(out var v) => v.ToString(CultureInfo.InvariantCulture),
        _ => throw new MuscleInputException($"\"{name}\" must be a string or an integer, found {e.GetRawText()}", path, line),
    };

    private static string Expected(bool lmEval) => lmEval ? "{\"task\": ..., \"doc_id\": ...}" : "{\"id\": ...}";

    /// <summary>
    /// The negative flips of <paramref name="r"/> that a gate counts: old → compat when a compatibility model is given
    /// (the NFR_c flips), else old → new; an item flips when its score drops (S_new &lt; S_old, right → wrong for a 0/1 metric).
    /// </summary>
    public static IReadOnlyList<FlipKey> NegativeFlips(ComparisonResult r, string? task = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        var other = r.ScoresCompat ?? r.ScoresNew;
        return [.. Enumerable.Range(0, r.N).Where(i => other[i] < r.ScoresOld[i]).Select(i => new FlipKey(task, r.Predictions.Old[i].Id))];
    }

    private static bool IsNumber(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n.ToString(CultureInfo.InvariantCulture) == id;
}
