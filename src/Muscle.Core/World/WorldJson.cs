using System.Text.Encodings.Web;
using System.Text.Json;

namespace Muscle.World;

/// <summary>
/// JSON writing with every byte pinned: '\n' line ends on every OS, relaxed escaping so "Ġ" and "&lt;|endoftext|&gt;"
/// stay readable (the default encoder would write \u0120 and \u003C), invariant number formatting.
/// </summary>
internal static class WorldJson
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true, NewLine = "\n", IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions Compact = new()
    {
        Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One JSON document; indented documents end with a newline.</summary>
    public static byte[] Document(Action<Utf8JsonWriter> write, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, indented ? Indented : Compact)) write(writer);
        if (indented) buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>One JSON object per line, each line ending in '\n'.</summary>
    public static byte[] Lines<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        using var buffer = new MemoryStream();
        foreach (var item in items)
        {
            using (var writer = new Utf8JsonWriter(buffer, Compact)) write(writer, item);
            buffer.WriteByte((byte)'\n');
        }
        return buffer.ToArray();
    }
}
