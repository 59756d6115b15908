using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Muscle.Tests.World;

/// <summary>
/// Independent, textbook byte-level BPE over a tokenizer.json (written for the tests, shares no code with the
/// generator): split with the file's Split regex, map UTF-8 bytes through GPT-2's bytes_to_unicode, then
/// repeatedly merge the adjacent pair of lowest merge rank.
/// </summary>
internal sealed class ReferenceBpe
{
    private readonly Dictionary<(string, string), int> _ranks = [];
    private readonly Regex _split;
    private readonly char[] _byteChar = new char[256];

    public Dictionary<string, int> Vocab { get; } = new(StringComparer.Ordinal);
    public List<string> MergeStrings { get; } = [];

    public ReferenceBpe(string tokenizerJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        var model = doc.RootElement.GetProperty("model");
        foreach (var p in model.GetProperty("vocab").EnumerateObject()) Vocab[p.Name] = p.Value.GetInt32();
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            MergeStrings.Add(m.GetString()!);
            var parts = m.GetString()!.Split(' ');
            _ranks.TryAdd((parts[0], parts[1]), _ranks.Count);
        }
        var split = doc.RootElement.GetProperty("pre_tokenizer").GetProperty("pretokenizers")[0];
        _split = new Regex(split.GetProperty("pattern").GetProperty("Regex").GetString()!);
        // bytes_to_unicode from openai/gpt-2 encoder.py.
        var n = 0;
        for (var b = 0; b < 256; b++)
            _byteChar[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)(256 + n++);
    }

    public List<string> Pretokens(string text) => [.. _split.Matches(text).Select(m => m.Value)];

    public List<int> Encode(string text) => [.. Pretokens(text).SelectMany(EncodePretoken)];

    public List<int> EncodePretoken(string pretoken)
    {
        var symbols = Encoding.UTF8.GetBytes(pretoken).Select(b => _byteChar[b].ToString()).ToList();
        while (true)
        {
            var best = -1;
            for (var i = 0; i + 1 < symbols.Count; i++)
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out var r) && (best < 0 || r < _ranks[(symbols[best], symbols[best + 1])]))
                    best = i;
            if (best < 0) return [.. symbols.Select(s => Vocab[s])];
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
    }
}
