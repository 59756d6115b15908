using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Muscle.Infrastructure;

namespace Muscle.World;

/// <summary>
/// A GPT-2 style byte-level BPE whose merges are constructed (not learned) so that every word of the
/// <see cref="WorldLexicon"/> is exactly one token, both after a space ("Ġword") and, for the words that start
/// lines, without one; digits and the space before a number stay single tokens ("␠42" → Ġ, 4, 2).
/// <para>
/// Merge order, which is what makes BPE reproduce each word:
/// 1. consonant+vowel syllables ("b a"). Consonants and vowels are disjoint, so these never overlap.
/// 2. for every spaced word, after its syllables, a left-to-right chain from "Ġ": ("Ġ", "ba"), ("Ġba", "na"), ...
///    ranked by length of the prefix. Every left side starts with Ġ, which only occurs at the start of a
///    pre-token, so in any pre-token only the chain at its start can fire.
/// 3. the same chains for the line-start words, whose left sides start with their capital letter; capitals only
///    occur first in a word. Ranked after all Ġ chains, so in "ĠBora" the Ġ chain wins over "B o".
/// The generator encodes every word again and throws if any is not a single token.
/// </para>
/// </summary>
internal sealed partial class WorldTokenizer
{
    public const string EndOfText = "<|endoftext|>";

    /// <summary>HF's ByteLevel pre-tokenizer split (GPT-2's pattern).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly (char[] Map, byte[] Order) ByteLevel = BuildByteLevel();
    private static char[] ByteToChar => ByteLevel.Map;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), int> _rank = [];
    private readonly Dictionary<string, int> _pieceCount = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Tokens { get; }
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public int EndOfTextId { get; }

    private WorldTokenizer(List<string> tokens, List<(string, string)> merges)
    {
        Tokens = tokens;
        Merges = merges;
        for (var i = 0; i < tokens.Count; i++) _ids.Add(tokens[i], i);
        for (var r = 0; r < merges.Count; r++) _rank.Add(merges[r], r);
        EndOfTextId = _ids[EndOfText];
    }

    public int VocabSize => Tokens.Count;

    public static WorldTokenizer Build(WorldLexicon lexicon)
    {
        var tokens = new List<string>(2048);
        foreach (var b in ByteLevel.Order) tokens.Add(ByteToChar[b].ToString());
        var merges = new List<(string, string)>();
        var known = new HashSet<string>(tokens, StringComparer.Ordinal);

        foreach (var c in WorldLexicon.Consonants)
            foreach (var v in WorldLexicon.Vowels)
                Add(merges, tokens, known, c.ToString(), v.ToString());

        foreach (var words in new[] { lexicon.SpacedWords.Select(w => " " + w), lexicon.LineStartWords })
        {
            var chain = new List<(int Depth, string Left, string Right)>();
            var seen = new HashSet<(string, string)>();
            foreach (var w in words)
            {
                var symbols = Syllables(ToByteLevel(w));
                var prefix = symbols[0];
                for (var j = 1; j < symbols.Count; j++)
                {
                    if (seen.Add((prefix, symbols[j]))) chain.Add((j, prefix, symbols[j]));
                    prefix += symbols[j];
                }
            }
            // Stable: equal depths keep first-seen order, so the ranks are a pure function of the lexicon.
            foreach (var m in chain.OrderBy(m => m.Depth)) Add(merges, tokens, known, m.Left, m.Right);
        }
        tokens.Add(EndOfText);

        var tokenizer = new WorldTokenizer(tokens, merges);
        foreach (var w in lexicon.SpacedWords.Select(w => " " + w).Concat(lexicon.LineStartWords))
            if (tokenizer.EncodePiece(ToByteLevel(w)).Count != 1)
                throw new InvalidOperationException($"world tokenizer construction failed: \"{w}\" is not one token");
        return tokenizer;
    }

    public int? TokenId(string byteLevelToken) => _ids.TryGetValue(byteLevelToken, out var id) ? id : null;

    /// <summary>Ids of <paramref name="text"/> (no BOS), by pre-tokenizing with the GPT-2 pattern and applying merges by rank.</summary>
    public List<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (Match m in Gpt2Regex().Matches(text))
            foreach (var piece in EncodePiece(ToByteLevel(m.Value))) ids.Add(_ids[piece]);
        return ids;
    }

    /// <summary>Number of tokens of <paramref name="text"/> (no BOS); cached per pre-token, since the world repeats them.</summary>
    public int CountTokens(string text)
    {
        var n = 0;
        foreach (Match m in Gpt2Regex().Matches(text))
        {
            if (!_pieceCount.TryGetValue(m.Value, out var c))
            {
                c = EncodePiece(ToByteLevel(m.Value)).Count;
                _pieceCount.Add(m.Value, c);
            }
            n += c;
        }
        return n;
    }

    /// <summary>GPT-2's bytes_to_unicode applied to the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string ToByteLevel(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into <paramref name="dir"/>.</summary>
    public void WriteFiles(string dir)
    {
        AtomicFile.WriteAllBytes(Path.Combine(dir, "tokenizer.json"), WorldJson.Document(WriteTokenizerJson));
        AtomicFile.WriteAllBytes(Path.Combine(dir, "tokenizer_config.json"), WorldJson.Document(w =>
        {
            w.WriteStartObject();
            // BOS is prepended (as GPT-2 training does between documents), EOS ends generations.
            w.WriteBoolean("add_bos_token", true);
            w.WriteBoolean("add_eos_token", false);
            w.WriteBoolean("add_prefix_space", false);
            w.WriteStartObject("added_tokens_decoder");
            w.WriteStartObject(EndOfTextId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteAddedTokenFields(w);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("bos_token", EndOfText);
            w.WriteBoolean("clean_up_tokenization_spaces", false);
            w.WriteString("eos_token", EndOfText);
            w.WriteNumber("model_max_length", 1024);
            w.WriteString("pad_token", EndOfText);
            w.WriteString("tokenizer_class", "GPT2Tokenizer");
            w.WriteString("unk_token", EndOfText);
            w.WriteEndObject();
        }));
        AtomicFile.WriteAllBytes(Path.Combine(dir, "special_tokens_map.json"), WorldJson.Document(w =>
        {
            w.WriteStartObject();
            foreach (var key in new[] { "bos_token", "eos_token", "pad_token", "unk_token" }) w.WriteString(key, EndOfText);
            w.WriteEndObject();
        }));
    }

    private void WriteTokenizerJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        w.WriteStartObject();
        w.WriteNumber("id", EndOfTextId);
        w.WriteString("content", EndOfText);
        WriteAddedTokenFields(w, withContent: false);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteNull("normalizer");

        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", Gpt2Pattern);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        w.WriteStartObject();
        WriteByteLevel(w, addPrefixSpace: false, useRegex: false);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteSpecialItem(w);
        WriteSequenceItem(w, "A");
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteSpecialItem(w);
        WriteSequenceItem(w, "A");
        WriteSpecialItem(w);
        WriteSequenceItem(w, "B");
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        w.WriteStartObject(EndOfText);
        w.WriteString("id", EndOfText);
        w.WriteStartArray("ids");
        w.WriteNumberValue(EndOfTextId);
        w.WriteEndArray();
        w.WriteStartArray("tokens");
        w.WriteStringValue(EndOfText);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("decoder");
        WriteByteLevel(w, addPrefixSpace: true, useRegex: true);
        w.WriteEndObject();

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteStartObject("vocab");
        for (var i = 0; i < Tokens.Count; i++)
            if (i != EndOfTextId) w.WriteNumber(Tokens[i], i);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (l, r) in Merges) w.WriteStringValue(l + " " + r);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, bool addPrefixSpace, bool useRegex)
    {
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", true);
        w.WriteBoolean("use_regex", useRegex);
    }

    private static void WriteSpecialItem(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartObject("SpecialToken");
        w.WriteString("id", EndOfText);
        w.WriteNumber("type_id", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSequenceItem(Utf8JsonWriter w, string id)
    {
        w.WriteStartObject();
        w.WriteStartObject("Sequence");
        w.WriteString("id", id);
        w.WriteNumber("type_id", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteAddedTokenFields(Utf8JsonWriter w, bool withContent = true)
    {
        if (withContent) w.WriteString("content", EndOfText);
        w.WriteBoolean("single_word", false);
        w.WriteBoolean("lstrip", false);
        w.WriteBoolean("rstrip", false);
        w.WriteBoolean("normalized", false);
        w.WriteBoolean("special", true);
    }

    /// <summary>Textbook BPE on one byte-level pre-token: merge the lowest-ranked adjacent pair until none is left.</summary>
    private List<string> EncodePiece(string piece)
    {
        var symbols = piece.Select(c => c.ToString()).ToList();
        while (symbols.Count > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < symbols.Count; i++)
                if (_rank.TryGetValue((symbols[i], symbols[i + 1]), out var r) && r < bestRank)
                {
                    bestRank = r;
                    best = i;
                }
            if (best < 0) break;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
        return symbols;
    }

    /// <summary>The symbols after the syllable merges: each consonant joined with a vowel right after it.</summary>
    private static List<string> Syllables(string byteLevel)
    {
        var symbols = new List<string>(byteLevel.Length);
        for (var i = 0; i < byteLevel.Length; i++)
        {
            if (i + 1 < byteLevel.Length && WorldLexicon.Consonants.Contains(byteLevel[i]) && WorldLexicon.Vowels.Contains(byteLevel[i + 1]))
            {
                symbols.Add(byteLevel.Substring(i, 2));
                i++;
            }
            else symbols.Add(byteLevel[i].ToString());
        }
        return symbols;
    }

    private static void Add(List<(string, string)> merges, List<string> tokens, HashSet<string> known, string left, string right)
    {
        merges.Add((left, right));
        if (known.Add(left + right)) tokens.Add(left + right);
    }

    /// <summary>GPT-2's bytes_to_unicode; the order is its byte order, which fixes the ids of the 256 byte tokens.</summary>
    private static (char[] Map, byte[] Order) BuildByteLevel()
    {
        var map = new char[256];
        var list = new List<byte>(256);
        var printable = new bool[256];
        for (var b = '!'; b <= '~'; b++) printable[b] = true;
        for (var b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (var b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        for (var b = 0; b < 256; b++)
            if (printable[b])
            {
                map[b] = (char)b;
                list.Add((byte)b);
            }
        var n = 0;
        for (var b = 0; b < 256; b++)
            if (!printable[b])
            {
                map[b] = (char)(256 + n++);
                list.Add((byte)b);
            }
        return (map, [.. list]);
    }

    [GeneratedRegex(Gpt2Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2Regex();
}
