using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Tokenization;

/// <summary>Which tokenizer family a tokenizer.json describes, as far as we can run it.</summary>
internal enum HfTokenizerKind
{
    /// <summary>SentencePiece-converted BPE: ▁ for spaces, <c>&lt;0xXX&gt;</c> byte fallback (Llama 1/2, Mistral).</summary>
    SentencePieceBpe,

    /// <summary>GPT-2 style byte-level BPE (GPT-2, Phi, Llama 3, Qwen2).</summary>
    ByteLevelBpe,
}

/// <summary>
/// The parts of an HF <c>tokenizer.json</c> that decide encoding: model vocab and merges, added tokens,
/// normalizer / pre-tokenizer switches and the BOS/EOS of the post-processor template. Anything it cannot
/// reproduce (Unigram/WordPiece models, unknown normalizers or pre-tokenizers) is refused with the file named,
/// because silently tokenising differently from Python would corrupt every later comparison.
/// </summary>
internal sealed class HfTokenizerJson
{
    /// <summary>The pattern HF's ByteLevel pre-tokenizer uses when <c>use_regex</c> is true (GPT-2's).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public required string FilePath { get; init; }
    public required HfTokenizerKind Kind { get; init; }
    public required IReadOnlyDictionary<string, int> Vocab { get; init; }
    public required IReadOnlyList<(string Left, string Right)> Merges { get; init; }
    public required IReadOnlyList<HfAddedToken> AddedTokens { get; init; }
    public string? UnkToken { get; init; }
    public bool ByteFallback { get; init; }

    /// <summary>SentencePiece-style: a ▁ is prepended to the text (Prepend normalizer or Metaspace prefix).</summary>
    public bool AddDummyPrefix { get; init; }

    /// <summary>
    /// SentencePiece-style: the normalizer opens with the Replace(Regex) spelling of SentencePiece's
    /// remove_extra_whitespaces that <see cref="HfTokenizerFiles"/> writes.
    /// </summary>
    public bool RemoveExtraWhitespaces { get; init; }

    /// <summary>Byte-level: the pre-tokenizer regex (Split pattern, or GPT-2's for ByteLevel use_regex).</summary>
    public string? SplitPattern { get; init; }

    /// <summary>Byte-level: ByteLevel add_prefix_space (a space is put before the text).</summary>
    public bool AddPrefixSpace { get; init; }

    public bool NfcNormalize { get; init; }

    /// <summary>Byte-level: model.ignore_merges (Llama 3) — a pre-token that is itself in the vocab is taken whole.</summary>
    public bool IgnoreMerges { get; init; }

    /// <summary>Special tokens the post-processor template puts before / after a single sequence.</summary>
    public string? TemplateBos { get; init; }
    public string? TemplateEos { get; init; }

    /// <summary>One past the largest id in the vocab or the added tokens.</summary>
    public int IdCount =>
        Math.Max(Vocab.Count == 0 ? 0 : Vocab.Values.Max() + 1, AddedTokens.Count == 0 ? 0 : AddedTokens.Max(a => a.Id) + 1);

    public static HfTokenizerJson Load(string path)
    {
        // JsonElement.GetString throws InvalidOperationException on an escaped lone surrogate ("\ud800"), which
        // JSON syntax allows: one guard here instead of one at every string read.
        try { return LoadDocument(path); }
        catch (InvalidOperationException e) { throw new MuscleInputException($"unreadable string in tokenizer.json: {e.Message}", path, inner: e); }
    }

    private static HfTokenizerJson LoadDocument(string path)
    {
        using var doc = HfJson.Load(path);
        var root = HfJson.RequireObject(doc.RootElement, path, "tokenizer.json");
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new MuscleInputException("tokenizer.json has no \"model\" object", path);
        var modelType = HfJson.String(model, "type", path) ?? (model.TryGetProperty("merges", out _) ? "BPE" : null);
        if (modelType != "BPE")
            throw new MuscleInputException(
                $"tokenizer.json model type \"{modelType ?? "(none)"}\" is not supported (only BPE)", path);

        var vocab = ReadVocab(model, path);
        var merges = ReadMerges(model, path);
        var added = ReadAddedTokens(root, path);
        if (HfJson.String(model, "continuing_subword_prefix", path) is { Length: > 0 } || HfJson.String(model, "end_of_word_suffix", path) is { Length: > 0 })
            throw new MuscleInputException("tokenizer.json BPE with continuing_subword_prefix / end_of_word_suffix is not supported", path);

        var features = new Features();
        if (root.TryGetProperty("normalizer", out var norm)) Walk(norm, "normalizers", features.Normalizer, path);
        if (root.TryGetProperty("pre_tokenizer", out var pre)) Walk(pre, "pretokenizers", features.PreTokenizer, path);
        if (root.TryGetProperty("decoder", out var dec)) Walk(dec, "decoders", features.Decoder, path);
        var (templateBos, templateEos) = root.TryGetProperty("post_processor", out var post) ? Template(post) : (null, null);

        var byteFallback = HfJson.Bool(model, "byte_fallback", path) ?? false;
        var metaspace = features.PreTokenizer.Find(e => Type(e) == "Metaspace");
        var spStyle = byteFallback || metaspace.ValueKind != JsonValueKind.Undefined
                      || features.Normalizer.Any(e => IsPrependMeta(e) || IsReplaceSpaceWithMeta(e));
        var byteLevel = features.PreTokenizer.Concat(features.Decoder).Any(e => Type(e) == "ByteLevel");

        if (spStyle)
        {
            var removeExtraWhitespaces = StartsWithWhitespaceRules(features.Normalizer);
            if (removeExtraWhitespaces) features.Normalizer.RemoveRange(0, HfTokenizerFiles.SentencePieceWhitespaceRules.Count);
            Reject(features.Normalizer, e => IsPrependMeta(e) || IsReplaceSpaceWithMeta(e), "normalizer", path);
            Reject(features.PreTokenizer, e => Type(e) == "Metaspace", "pre_tokenizer", path);
            var prefix = features.Normalizer.Any(IsPrependMeta)
                         || (metaspace.ValueKind == JsonValueKind.Object
                             && (HfJson.String(metaspace, "prepend_scheme", path) ?? "always") != "never"
                             && (HfJson.Bool(metaspace, "add_prefix_space", path) ?? true));
            return new HfTokenizerJson
            {
                FilePath = path, Kind = HfTokenizerKind.SentencePieceBpe, Vocab = vocab, Merges = merges, AddedTokens = added,
                UnkToken = HfJson.String(model, "unk_token", path), ByteFallback = byteFallback, AddDummyPrefix = prefix,
                RemoveExtraWhitespaces = removeExtraWhitespaces, TemplateBos = templateBos, TemplateEos = templateEos,
            };
        }
        if (!byteLevel)
            throw new MuscleInputException(
                "tokenizer.json BPE is neither byte-level (ByteLevel pre-tokenizer/decoder) nor SentencePiece-style (byte_fallback/Metaspace); not supported", path);

        Reject(features.Normalizer, e => Type(e) == "NFC", "normalizer", path);
        string? pattern = null;
        var addPrefixSpace = false;
        foreach (var p in features.PreTokenizer)
        {
            switch (Type(p))
            {
                case "ByteLevel":
                    addPrefixSpace |= HfJson.Bool(p, "add_prefix_space", path) ?? false;
                    if (HfJson.Bool(p, "use_regex", path) ?? true) pattern = SetPattern(pattern, Gpt2Pattern, path);
                    break;
                case "Split":
                    pattern = SetPattern(pattern, SplitRegex(p, path), path);
                    break;
                default:
                    throw new MuscleInputException($"pre_tokenizer \"{Type(p)}\" is not supported for byte-level BPE", path);
            }
        }
        return new HfTokenizerJson
        {
            FilePath = path, Kind = HfTokenizerKind.ByteLevelBpe, Vocab = vocab, Merges = merges, AddedTokens = added,
            UnkToken = HfJson.String(model, "unk_token", path), SplitPattern = pattern, AddPrefixSpace = addPrefixSpace,
            IgnoreMerges = HfJson.Bool(model, "ignore_merges", path) ?? false,
            NfcNormalize = features.Normalizer.Any(e => Type(e) == "NFC"), TemplateBos = templateBos, TemplateEos = templateEos,
        };
    }

    /// <summary>
    /// Builds a SentencePiece BPE model equivalent to this SentencePiece-style tokenizer.json, so byte fallback
    /// runs through <c>LlamaTokenizer</c> (BpeTokenizer maps "\n" to &lt;unk&gt; for such files). SentencePiece BPE
    /// merges the adjacent pair whose joined piece has the highest score, HF merges the pair of lowest merge
    /// rank; giving each piece the score −(rank of the first merge that makes it) makes the two agree. Pieces no
    /// merge produces (single characters, bytes, specials) get scores below every merge.
    /// </summary>
    public SentencePieceModel ToSentencePieceModel(int? bosId, int? eosId, int? padId)
    {
        if (Kind != HfTokenizerKind.SentencePieceBpe) throw new InvalidOperationException("not a SentencePiece-style tokenizer.json");
        var size = IdCount;
        var tokens = new string?[size];
        foreach (var (t, id) in Vocab) tokens[id] = t;
        foreach (var a in AddedTokens) tokens[a.Id] ??= a.Content;
        for (var i = 0; i < size; i++)
            if (tokens[i] is null) throw new MuscleInputException($"token id {i} is missing from the vocabulary (SentencePiece needs dense ids)", FilePath);

        var unkId = UnkToken is not null && Vocab.TryGetValue(UnkToken, out var u)
            ? u
            : throw new MuscleInputException("SentencePiece-style tokenizer.json must name a model.unk_token that is in the vocabulary", FilePath);
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 0; r < Merges.Count; r++) rank.TryAdd(Merges[r].Left + Merges[r].Right, r);
        var special = AddedTokens.ToDictionary(a => a.Id, a => a.Special);

        var pieces = new SentencePiece[size];
        for (var id = 0; id < size; id++)
        {
            var t = tokens[id]!;
            var type = id == unkId ? PieceType.Unknown
                : special.TryGetValue(id, out var isSpecial) ? (isSpecial ? PieceType.Control : PieceType.UserDefined)
                : ByteFallback && ByteLevelAlphabet.TryParseBytePiece(t, out _) ? PieceType.Byte
                : PieceType.Normal;
            var score = type != PieceType.Normal ? 0f
                : rank.TryGetValue(t, out var r) ? -(float)r
                : -(float)(Merges.Count + id);
            pieces[id] = new SentencePiece(t, score, type);
        }
        return new SentencePieceModel
        {
            Pieces = pieces, ModelType = SentencePieceModel.ModelTypeBpe, ByteFallback = ByteFallback,
            UnkId = unkId, BosId = bosId ?? -1, EosId = eosId ?? -1, PadId = padId ?? -1,
            NormalizerName = "identity", AddDummyPrefix = AddDummyPrefix, RemoveExtraWhitespaces = RemoveExtraWhitespaces,
            EscapeWhitespaces = true,
        };
    }

    private sealed class Features
    {
        public List<JsonElement> Normalizer { get; } = [];
        public List<JsonElement> PreTokenizer { get; } = [];
        public List<JsonElement> Decoder { get; } = [];
    }

    private static string? Type(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    /// <summary>Flattens a component that may be a <c>Sequence</c> of components.</summary>
    private static void Walk(JsonElement e, string listName, List<JsonElement> into, string path)
    {
        if (e.ValueKind == JsonValueKind.Null) return;
        if (e.ValueKind != JsonValueKind.Object) throw new MuscleInputException($"\"{listName}\" entry must be an object", path);
        if (Type(e) == "Sequence" && e.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in list.EnumerateArray()) Walk(x, listName, into, path);
            return;
        }
        into.Add(e);
    }

    private static void Reject(List<JsonElement> components, Func<JsonElement, bool> supported, string what, string path)
    {
        foreach (var c in components)
            if (!supported(c))
                throw new MuscleInputException($"{what} \"{Type(c) ?? "?"}\" is not supported in this kind of tokenizer.json", path);
    }

    /// <summary>Whether the normalizers begin with exactly <see cref="HfTokenizerFiles.SentencePieceWhitespaceRules"/>.</summary>
    private static bool StartsWithWhitespaceRules(List<JsonElement> normalizers)
    {
        var rules = HfTokenizerFiles.SentencePieceWhitespaceRules;
        if (normalizers.Count < rules.Count) return false;
        for (var i = 0; i < rules.Count; i++)
        {
            var e = normalizers[i];
            if (!(Type(e) == "Replace"
                  && e.TryGetProperty("pattern", out var pat) && pat.ValueKind == JsonValueKind.Object
                  && pat.EnumerateObject().Count() == 1
                  && pat.TryGetProperty("Regex", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() == rules[i].Pattern
                  && e.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() == rules[i].Content))
                return false;
        }
        return true;
    }

    private static bool IsPrependMeta(JsonElement e) =>
        Type(e) == "Prepend" && e.TryGetProperty("prepend", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == "▁";

    private static bool IsReplaceSpaceWithMeta(JsonElement e) =>
        Type(e) == "Replace"
        && e.TryGetProperty("pattern", out var pat) && pat.ValueKind == JsonValueKind.Object
        && pat.TryGetProperty("String", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() == " "
        && e.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() == "▁";

    private static string SetPattern(string? existing, string pattern, string path) =>
        existing is null || existing == pattern
            ? pattern
            : throw new MuscleInputException("byte-level pre_tokenizer with more than one split regex is not supported", path);

    private static string SplitRegex(JsonElement split, string path)
    {
        var behavior = HfJson.String(split, "behavior", path) ?? "Isolated";
        if (behavior != "Isolated" || (HfJson.Bool(split, "invert", path) ?? false))
            throw new MuscleInputException($"Split pre-tokenizer with behavior \"{behavior}\" or invert is not supported (only Isolated)", path);
        if (!split.TryGetProperty("pattern", out var pat) || pat.ValueKind != JsonValueKind.Object)
            throw new MuscleInputException("Split pre-tokenizer has no pattern", path);
        if (HfJson.String(pat, "Regex", path) is { } regex) return regex;
        if (HfJson.String(pat, "String", path) is { } literal) return System.Text.RegularExpressions.Regex.Escape(literal);
        throw new MuscleInputException("Split pattern must be {\"Regex\": ...} or {\"String\": ...}", path);
    }

    private static (string? Bos, string? Eos) Template(JsonElement post)
    {
        if (post.ValueKind != JsonValueKind.Object) return (null, null);
        if (Type(post) == "Sequence" && post.TryGetProperty("processors", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in list.EnumerateArray())
                if (Template(p) is var t && (t.Bos is not null || t.Eos is not null)) return t;
            return (null, null);
        }
        if (Type(post) != "TemplateProcessing" || !post.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array)
            return (null, null);
        var items = single.EnumerateArray().ToList();
        return (items.Count > 0 ? SpecialOf(items[0]) : null, items.Count > 1 ? SpecialOf(items[^1]) : null);
    }

    private static string? SpecialOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("SpecialToken", out var st)
        && st.ValueKind == JsonValueKind.Object && st.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    private static Dictionary<string, int> ReadVocab(JsonElement model, string path)
    {
        if (!model.TryGetProperty("vocab", out var v) || v.ValueKind != JsonValueKind.Object)
            throw new MuscleInputException("tokenizer.json model has no \"vocab\" object", path);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0)
                throw new MuscleInputException($"vocab entry \"{p.Name}\" has id {p.Value}, not a non-negative integer", path);
            vocab[p.Name] = id;
        }
        return vocab;
    }

    private static List<(string, string)> ReadMerges(JsonElement model, string path)
    {
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out var m) || m.ValueKind == JsonValueKind.Null) return merges;
        if (m.ValueKind != JsonValueKind.Array) throw new MuscleInputException("\"merges\" must be an array", path);
        var i = 0;
        foreach (var e in m.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.String)
            {
                // The legacy "a b" form: tokens never contain a plain space there (that is why the array form exists).
                var parts = e.GetString()!.Split(' ');
                if (parts.Length != 2) throw new MuscleInputException($"merge #{i} \"{e.GetString()}\" is not two tokens separated by one space", path);
                merges.Add((parts[0], parts[1]));
            }
            else if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2
                     && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.String)
            {
                merges.Add((e[0].GetString()!, e[1].GetString()!));
            }
            else throw new MuscleInputException($"merge #{i} must be \"a b\" or [\"a\", \"b\"], got {e}", path);
            i++;
        }
        return merges;
    }

    private static List<HfAddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var added = new List<HfAddedToken>();
        if (!root.TryGetProperty("added_tokens", out var a) || a.ValueKind == JsonValueKind.Null) return added;
        if (a.ValueKind != JsonValueKind.Array) throw new MuscleInputException("\"added_tokens\" must be an array", path);
        foreach (var e in a.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out var n) || n < 0)
                throw new MuscleInputException($"added token {e} has no valid \"id\"", path);
            var content = HfJson.String(e, "content", path) ?? throw new MuscleInputException($"added token {n} has no \"content\"", path);
            added.Add(new HfAddedToken(n, content, HfJson.Bool(e, "special", path) ?? false));
        }
        return added;
    }
}
