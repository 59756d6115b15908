using System.Globalization;
using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Predictions;

/// <summary>
/// Reads predictions JSONL. Every problem is a <see cref="MuscleInputException"/> naming the file and line:
/// malformed JSON, a missing or badly typed field, a duplicate id, an empty file. Blank lines are skipped.
/// Integer and string ids are the same id when their text is equal (7 and "7"), since systems differ in which
/// they write.
/// </summary>
public static class PredictionReader
{
    public static PredictionSet Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new MuscleInputException("predictions file not found", path);
        IEnumerable<string> lines;
        try
        {
            lines = StrictUtf8.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read predictions: {e.Message}", path, inner: e);
        }
        return Parse(path, lines);
    }

    /// <summary>Parses lines already in memory; <paramref name="file"/> is only used in messages.</summary>
    public static PredictionSet Parse(string file, IEnumerable<string> lines)
    {
        var records = new List<PredictionRecord>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            PredictionRecord record;
            // GetString throws InvalidOperationException on an escaped lone surrogate ("\ud800"), which JSON allows.
            try { record = ParseLine(file, lineNumber, line); }
            catch (InvalidOperationException e) { throw new MuscleInputException($"unreadable string: {e.Message}", file, lineNumber, e); }
            if (firstLineOfId.TryGetValue(record.Id, out var first))
                throw new MuscleInputException($"duplicate id '{record.Id}' (first on line {first})", file, lineNumber);
            firstLineOfId[record.Id] = lineNumber;
            records.Add(record);
        }
        if (records.Count == 0) throw new MuscleInputException("predictions file is empty", file);
        return new PredictionSet(file, records);
    }

    private static PredictionRecord ParseLine(string file, int line, string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new MuscleInputException($"malformed JSON: {e.Message}", file, line, e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new MuscleInputException($"expected a JSON object per line, found {root.ValueKind}", file, line);
            if (!root.TryGetProperty("id", out var idElement))
                throw new MuscleInputException("missing \"id\"", file, line);
            var id = ReadLabel(file, line, "id", idElement)?.Text
                     ?? throw new MuscleInputException("\"id\" is null", file, line);
            return new PredictionRecord(
                id,
                Gold: Optional(root, "gold", e => ReadLabel(file, line, "gold", e)),
                Prediction: Optional(root, "prediction", e => ReadLabel(file, line, "prediction", e)),
                Correct: OptionalStruct(root, "correct", e => e.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new MuscleInputException($"\"correct\" must be true or false, found {e.ValueKind}", file, line),
                }),
                Score: OptionalStruct(root, "score", e => ReadScore(file, line, e)),
                Input: Optional(root, "input", e => ReadText(file, line, "input", e)),
                Output: Optional(root, "output", e => ReadText(file, line, "output", e)),
                Line: line);
        }
    }

    private static T? Optional<T>(JsonElement root, string name, Func<JsonElement, T?> read) where T : class? =>
        root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? read(e) : null;

    private static T? OptionalStruct<T>(JsonElement root, string name, Func<JsonElement, T> read) where T : struct =>
        root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? read(e) : null;

    private static Label? Optional(JsonElement root, string name, Func<JsonElement, Label?> read) =>
        root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? read(e) : null;

    private static Label? ReadLabel(string file, int line, string name, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return new Label(e.GetString()!, IsInteger: false);
            case JsonValueKind.Number when e.TryGetInt64(out var v):
                return new Label(v.ToString(CultureInfo.InvariantCulture), IsInteger: true);
            case JsonValueKind.Number:
                throw new MuscleInputException($"\"{name}\" must be an integer or a string, found {e.GetRawText()}", file, line);
            default:
                throw new MuscleInputException($"\"{name}\" must be an integer or a string, found {e.ValueKind}", file, line);
        }
    }

    private static double ReadScore(string file, int line, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v))
            throw new MuscleInputException($"\"score\" must be a finite number, found {e.GetRawText()}", file, line);
        return v;
    }

    private static string ReadText(string file, int line, string name, JsonElement e) =>
        e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new MuscleInputException($"\"{name}\" must be a string, found {e.ValueKind}", file, line);
}
