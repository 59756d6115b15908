using System.Text;
using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Tasks.Readers;

/// <summary>
/// Reads JSON Lines (one object a line; blank lines are skipped) and JSON arrays of objects, keeping the 1-based
/// line of every object for error messages.
/// </summary>
public static class JsonInput
{
    /// <summary>
    /// The objects of a JSONL file, each parsed and handed to <paramref name="map"/> (the record's JSON is only
    /// valid during the call).
    /// </summary>
    public static List<T> ReadLines<T>(string path, Func<JsonRecord, T> map)
    {
        using var reader = DataFile.OpenText(path);
        var result = new List<T>();
        long lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = Parse(line, path, lineNo);
            result.Add(map(new JsonRecord(path, lineNo, result.Count, doc.RootElement)));
        }
        return result;
    }

    /// <summary>The objects of a file holding one JSON array; each line number is where its object starts.</summary>
    public static List<T> ReadArray<T>(string path, Func<JsonRecord, T> map)
    {
        // Decoded strictly first, so invalid UTF-8 is reported at its line and byte (as for JSONL) before parsing.
        DataFile.CheckExists(path);
        var bytes = Encoding.UTF8.GetBytes(StrictUtf8.ReadAllText(path));
        var (elements, lines) = SplitArray(bytes, path);
        var result = new List<T>(elements.Count);
        for (var i = 0; i < elements.Count; i++)
        {
            using var doc = elements[i];
            result.Add(map(new JsonRecord(path, lines[i], i, doc.RootElement)));
        }
        return result;
    }

    private static (List<JsonDocument> Elements, List<long> Lines) SplitArray(byte[] bytes, string path)
    {
        var elements = new List<JsonDocument>();
        var lines = new List<long>();
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                throw new MuscleInputException("expected a JSON array of objects", path, 1);
            long line = 1;
            long scanned = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = reader.TokenStartIndex;
                for (; scanned < start; scanned++) if (bytes[scanned] == (byte)'\n') line++;
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw new MuscleInputException($"array item {elements.Count} is not a JSON object", path, line);
                elements.Add(JsonDocument.ParseValue(ref reader));
                lines.Add(line);
            }
            if (reader.TokenType != JsonTokenType.EndArray)
                throw new MuscleInputException("the JSON array is not closed", path, line);
            // Anything but whitespace after the array makes the reader throw (no multiple top-level values).
            while (reader.Read()) { }
            return (elements, lines);
        }
        catch (JsonException e)
        {
            foreach (var d in elements) d.Dispose();
            throw new MuscleInputException($"malformed JSON: {Clean(e)}", path, (e.LineNumber ?? 0) + 1, e);
        }
        catch (MuscleInputException)
        {
            foreach (var d in elements) d.Dispose();
            throw;
        }
    }

    private static JsonDocument Parse(string line, string path, long lineNo)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new MuscleInputException($"malformed JSON line: {Clean(e)}", path, lineNo, e);
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = doc.RootElement.ValueKind.ToString().ToLowerInvariant();
            doc.Dispose();
            throw new MuscleInputException($"expected a JSON object, got {kind}", path, lineNo);
        }
        return doc;
    }

    // System.Text.Json appends "Path: $ | LineNumber: 0 | BytePositionInLine: 7."; keep the byte, drop the rest.
    private static string Clean(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        var sb = new StringBuilder(message.TrimEnd('.', ' '));
        if (e.BytePositionInLine is { } b) sb.Append(" at byte ").Append(b + 1);
        return sb.ToString();
    }
}
