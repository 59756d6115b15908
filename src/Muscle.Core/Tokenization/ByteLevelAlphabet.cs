using System.Globalization;

namespace Muscle.Tokenization;

/// <summary>
/// GPT-2's byte ↔ printable-character table (<c>bytes_to_unicode</c>): printable Latin-1 bytes stand for
/// themselves, the other 68 bytes map to U+0100.. in byte order. Also parses SentencePiece <c>&lt;0xXX&gt;</c>
/// byte pieces. The tables are computed once and never written after.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    /// <summary>The raw bytes a byte-level token stands for; characters outside the table keep their UTF-8.</summary>
    public static byte[] TokenToBytes(string token)
    {
        var bytes = new List<byte>(token.Length);
        foreach (var c in token)
        {
            if (CharToByte.TryGetValue(c, out var b)) bytes.Add(b);
            else bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(c.ToString()));
        }
        return [.. bytes];
    }

    /// <summary>The byte-level spelling of text: its UTF-8 bytes, each as its table character.</summary>
    public static string TextToToken(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>SentencePiece byte-fallback pieces are spelled exactly <c>&lt;0xXX&gt;</c> with upper-case hex.</summary>
    public static bool TryParseBytePiece(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
               && byte.TryParse(piece.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
