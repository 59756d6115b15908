using System.Text;
using System.Text.Unicode;

namespace Muscle.Infrastructure;

/// <summary>
/// Reads text files as strict UTF-8. .NET's default decoders replace invalid bytes with U+FFFD, so a Latin-1 "é"
/// (a lone 0xE9) silently became a different string and a different tokenization. Here it is an input error naming
/// the file, the line and the byte. A UTF-8 byte order mark is skipped, as Python's "utf-8-sig" does.
/// </summary>
public static class StrictUtf8
{
    /// <summary>A UTF-8 encoding without BOM that throws on invalid bytes (immutable, so shared).</summary>
    public static readonly UTF8Encoding Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's text; invalid UTF-8 is a <see cref="MuscleInputException"/> at its line and byte.</summary>
    public static string ReadAllText(string path) => Decode(System.IO.File.ReadAllBytes(path), path);

    /// <summary>The file's lines (as <see cref="TextReader.ReadLine"/> splits them), read and checked up front.</summary>
    public static IReadOnlyList<string> ReadAllLines(string path)
    {
        using var reader = new StringReader(ReadAllText(path));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    /// <summary>Decodes <paramref name="bytes"/> (a leading BOM is skipped); <paramref name="path"/> is for the message.</summary>
    public static string Decode(byte[] bytes, string path)
    {
        var start = bytes.AsSpan().StartsWith(System.Text.Encoding.UTF8.Preamble) ? System.Text.Encoding.UTF8.Preamble.Length : 0;
        var text = bytes.AsSpan(start);
        if (!Utf8.IsValid(text)) throw Invalid(bytes, start, path);
        return Encoding.GetString(text);
    }

    private static MuscleInputException Invalid(byte[] bytes, int start, string path)
    {
        var offset = start;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes.AsSpan(offset), out _, out var consumed) != System.Buffers.OperationStatus.Done) break;
            offset += consumed;
        }
        var lineStart = Array.LastIndexOf(bytes, (byte)'\n', Math.Max(0, offset - 1)) + 1;
        long line = 1;
        for (var i = 0; i < lineStart; i++) if (bytes[i] == (byte)'\n') line++;
        return new MuscleInputException(
            $"invalid UTF-8: byte 0x{bytes[offset]:X2} at byte {offset - lineStart + 1} of the line (file offset {offset}) "
            + "does not start a valid UTF-8 sequence; re-save the file as UTF-8", path, line);
    }
}
