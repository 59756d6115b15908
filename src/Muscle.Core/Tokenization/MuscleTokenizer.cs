using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Text;
using Microsoft.ML.Tokenizers;
using Muscle.Infrastructure;

namespace Muscle.Tokenization;

/// <summary>
/// An HF-compatible tokenizer over Microsoft.ML.Tokenizers. SentencePiece BPE (Llama 1/2, Mistral, llama2.c)
/// runs through <see cref="LlamaTokenizer"/> on a SentencePiece model synthesised in memory from a byte-fallback
/// <c>tokenizer.json</c>'s vocab and merges (BpeTokenizer would map "\n" to &lt;unk&gt;), or on the
/// <c>tokenizer.model</c> when there is no tokenizer.json. Byte-level BPE (GPT-2, Phi, Llama 3, Qwen2) runs through
/// <see cref="BpeTokenizer"/> built from the tokenizer.json. Special tokens come from the model's config files;
/// no id is assumed.
/// </summary>
public sealed class MuscleTokenizer
{
    private const char MetaSpace = '▁';

    private readonly Tokenizer _inner;
    private readonly SentencePieceTokenizer? _sentencePiece;
    private readonly string?[] _tokens;
    private readonly bool[] _special;
    private readonly HashSet<int> _addedNonSpecial;
    private readonly Dictionary<string, int> _idOf;
    private readonly bool _byteFallback;
    private readonly bool _removeExtraSpaces;
    private readonly bool _stripSpaceAfterBos;
    private readonly bool _addPrefixSpace;
    private readonly WholeWords? _wholeWords;
    private readonly string? _regexFile;
    private readonly SpecialSource? _bosOutside;
    private readonly SpecialSource? _eosOutside;

    private MuscleTokenizer(Tokenizer inner, Source source)
    {
        _inner = inner;
        _sentencePiece = inner as SentencePieceTokenizer;
        Description = source.Description;
        _tokens = source.Tokens;
        VocabSize = _tokens.Length;
        _idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _tokens.Length; i++)
            if (_tokens[i] is { } t) _idOf.TryAdd(t, i);
        _byteFallback = source.ByteFallback;
        _removeExtraSpaces = source.RemoveExtraSpaces;
        _stripSpaceAfterBos = source.DummyPrefix;
        _addPrefixSpace = source.AddPrefixSpace;
        _wholeWords = source.WholeWords;
        _regexFile = source.RegexFile;
        _addedNonSpecial = source.Added.Where(a => !a.Special).Select(a => a.Id).ToHashSet();

        var s = source.Specials;
        // transformers loads a config whose special ids lie outside the vocabulary (it warns; config.json's default
        // bos/eos 50256 under a small GPT-2 vocabulary is the common case), so such an id only warns here and fails
        // where it would have to be emitted (Encode's BOS/EOS).
        var outside = new (string Key, IEnumerable<int> Ids)[]
            {
                ("bos_token_id", s.Bos.Id is { } gb ? [gb] : []), ("eos_token_id", s.GenerationEosIds), ("pad_token_id", s.Pad.Id is { } gp ? [gp] : []),
            }
            .Select(k => (k.Key, Ids: k.Ids.Where(id => !InVocabulary(id)).Distinct().ToList()))
            .Where(k => k.Ids.Count > 0).Select(k => $"{k.Key} {string.Join(", ", k.Ids)}").ToList();
        Warnings = outside.Count == 0 ? [] : [OutsideWarning(s.GenerationFile ?? "generation_config.json", outside, VocabSize)];

        UnkId = Resolve(s.Unk, out _);
        BosId = Resolve(s.Bos, out _bosOutside);
        PadId = Resolve(s.Pad, out _);
        EosId = Resolve(s.Eos, out _eosOutside);
        // Out-of-vocabulary ids stay stop ids, as in transformers' generate: the model can only produce one when its
        // embedding is padded past the tokenizer, and then stopping there is what transformers does.
        EosIds = (EosId is { } e ? s.GenerationEosIds.Prepend(e) : s.GenerationEosIds).Distinct().ToArray();
        AddsBos = s.AddBos && (BosId is not null || _bosOutside is not null);
        AddsEos = s.AddEos && (EosId is not null || _eosOutside is not null);
        if (s.AddBos && !AddsBos && s.AddBosExplicitIn is { } f1)
            throw new MuscleInputException("add_bos_token is true but no BOS token is named", f1);
        if (s.AddEos && !AddsEos && s.AddEosExplicitIn is { } f2)
            throw new MuscleInputException("add_eos_token is true but no EOS token is named", f2);

        _special = new bool[VocabSize];
        foreach (var id in source.ControlIds.Concat(source.Added.Where(a => a.Special).Select(a => a.Id)))
            _special[id] = true;
        // Like HF's all_special_ids: the tokenizer's own specials, not every id generation_config stops at.
        foreach (var id in new[] { BosId, EosId, PadId, UnkId })
            if (id is { } v) _special[v] = true;
        VocabularyFingerprint = Fingerprint(_tokens);
    }

    /// <summary>What was loaded and how, e.g. "SentencePiece BPE (tokenizer.model)", for logs and reports.</summary>
    public string Description { get; }

    /// <summary>Number of ids (pieces plus added tokens); the embedding matrix may be larger.</summary>
    public int VocabSize { get; }

    public int? BosId { get; }
    public int? EosId { get; }
    public int? PadId { get; }
    public int? UnkId { get; }

    /// <summary>
    /// All ids that end generation: <see cref="EosId"/> first, then generation_config's eos_token_id list, which may
    /// hold ids outside the vocabulary (see <see cref="Warnings"/>).
    /// </summary>
    public IReadOnlyList<int> EosIds { get; }

    /// <summary>Problems that transformers also only warns about (special ids outside the vocabulary), one line each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Whether <see cref="Encode"/> prepends BOS (add_bos_token, the post-processor template, or SentencePiece's default).</summary>
    public bool AddsBos { get; }

    /// <summary>Whether <see cref="Encode"/> appends EOS (add_eos_token or the post-processor template).</summary>
    public bool AddsEos { get; }

    /// <summary>
    /// SHA-256 (lower-case hex) over the id → token-text map. Equal fingerprints mean equal vocabularies, which is
    /// what lets logits of two bases be compared position by position.
    /// </summary>
    public string VocabularyFingerprint { get; }

    /// <summary>The token as written in the vocabulary (e.g. "▁Once", "ĠOnce", "&lt;0x0A&gt;"), or null for an unknown id.</summary>
    public string? TokenText(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    /// <summary>The id of a vocabulary token or added token, or null.</summary>
    public int? TokenId(string token) => _idOf.TryGetValue(token, out var id) ? id : null;

    public bool IsSpecial(int id) => id >= 0 && id < _special.Length && _special[id];

    /// <summary>
    /// Encodes like HF's <c>tokenizer(text)</c>. BOS is prepended only when <paramref name="addBos"/> is true and the
    /// tokenizer adds BOS at all (<see cref="AddsBos"/>); EOS is appended when <see cref="AddsEos"/>.
    /// </summary>
    public IReadOnlyList<int> Encode(string text, bool addBos = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<int> body;
        if (_sentencePiece is not null)
            body = _sentencePiece.EncodeToIds(_removeExtraSpaces ? RemoveExtraSpaces(text) : text, addBeginningOfSentence: false, addEndOfSentence: false);
        else
        {
            var prefixed = _addPrefixSpace && !text.StartsWith(' ') ? " " + text : text;
            try
            {
                body = _wholeWords is null ? _inner.EncodeToIds(prefixed) : EncodeIgnoringMerges(prefixed, _wholeWords);
            }
            catch (RegexMatchTimeoutException e)
            {
                throw new MuscleInputException(
                    $"the pre-tokenizer regex {e.Pattern} took over {e.MatchTimeout.TotalSeconds:0.#} s on one match in a "
                    + $"{text.Length}-character text: it backtracks catastrophically; fix the pattern", _regexFile, inner: e);
            }
        }
        if (!(addBos && AddsBos) && !AddsEos) return body;
        var ids = new List<int>(body.Count + 2);
        if (addBos && AddsBos) ids.Add(BosId ?? throw OutsideVocabulary("BOS", _bosOutside!));
        ids.AddRange(body);
        if (AddsEos) ids.Add(EosId ?? throw OutsideVocabulary("EOS", _eosOutside!));
        return ids;
    }

    /// <summary>
    /// SentencePiece's remove_extra_whitespaces under the identity normalizer (normalizer.cc): leading and trailing
    /// U+0020 go, inner runs of it become one; other whitespace ("\t", "\n", U+3000) stays.
    /// </summary>
    private static string RemoveExtraSpaces(string text)
    {
        var trimmed = text.Trim(' ');
        if (!trimmed.Contains("  ", StringComparison.Ordinal)) return trimmed;
        var sb = new StringBuilder(trimmed.Length);
        // trimmed[0] is not a space, so trimmed[i - 1] exists whenever trimmed[i] is one.
        for (var i = 0; i < trimmed.Length; i++)
            if (trimmed[i] != ' ' || trimmed[i - 1] != ' ') sb.Append(trimmed[i]);
        return sb.ToString();
    }

    /// <summary>
    /// HF's BPE with <c>ignore_merges</c>: split out added tokens, pre-tokenise with the regex (gaps between matches
    /// are pieces too, as in Split "Isolated"), and take a piece whole when its byte-level spelling is in the vocab;
    /// only other pieces go through BPE. BpeTokenizer has no such switch.
    /// </summary>
    private List<int> EncodeIgnoringMerges(string text, WholeWords w)
    {
        var ids = new List<int>();
        void Piece(string piece)
        {
            if (piece.Length == 0) return;
            if (w.Vocab.TryGetValue(ByteLevelAlphabet.TextToToken(piece), out var id)) ids.Add(id);
            else ids.AddRange(_inner.EncodeToIds(piece));
        }
        void Segment(string segment)
        {
            if (_inner.Normalizer is { } n) segment = n.Normalize(segment);
            if (w.PreTokenizer is null)
            {
                Piece(segment);
                return;
            }
            var at = 0;
            foreach (Match m in w.PreTokenizer.Matches(segment))
            {
                Piece(segment[at..m.Index]);
                Piece(m.Value);
                at = m.Index + m.Length;
            }
            Piece(segment[at..]);
        }
        var pos = 0;
        if (w.AddedTokens is not null)
        {
            foreach (Match m in w.AddedTokens.Matches(text))
            {
                Segment(text[pos..m.Index]);
                ids.Add(w.AddedIds[m.Value]);
                pos = m.Index + m.Length;
            }
        }
        Segment(text[pos..]);
        return ids;
    }

    /// <summary>Decodes like HF's <c>tokenizer.decode(ids, skip_special_tokens)</c>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = new List<int>();
        foreach (var id in ids)
        {
            CheckRange(id);
            if (!(skipSpecialTokens && _special[id])) list.Add(id);
        }
        if (list.Count == 0) return "";
        var text = _sentencePiece is not null
            ? _sentencePiece.Decode(list, considerSpecialTokens: true) ?? ""
            : ((BpeTokenizer)_inner).Decode(list, considerSpecialTokens: true) ?? "";
        return CleanUpTokenizationSpaces ? CleanUp(text) : text;
    }

    /// <summary>
    /// The raw bytes one generated token contributes, by llama2.c's rule: a piece right after BOS loses its leading
    /// space (the dummy prefix), <c>&lt;0xXX&gt;</c> pieces are that byte, special tokens contribute nothing.
    /// A <paramref name="previousId"/> of -1 means "start of text" and strips like BOS, as whole-text decoding does.
    /// A multi-byte character may span several tokens, so concatenate bytes (or use <see cref="StartTextStream"/>).
    /// </summary>
    public byte[] DecodePieceBytes(int previousId, int id)
    {
        CheckRange(id);
        if (_special[id]) return [];
        var token = _tokens[id] ?? "";
        string text;
        if (_sentencePiece is not null)
        {
            if (_byteFallback && ByteLevelAlphabet.TryParseBytePiece(token, out var b)) return [b];
            text = token.Replace(MetaSpace, ' ');
        }
        else if (_addedNonSpecial.Contains(id))
        {
            text = token;
        }
        else
        {
            var bytes = ByteLevelAlphabet.TokenToBytes(token);
            return StartsText(previousId) && _stripSpaceAfterBos && bytes is [(byte)' ', ..] ? bytes[1..] : bytes;
        }
        if (StartsText(previousId) && _stripSpaceAfterBos && text.StartsWith(' ')) text = text[1..];
        return Encoding.UTF8.GetBytes(text);
    }

    private bool StartsText(int previousId) => previousId == -1 || previousId == BosId;

    /// <summary><see cref="DecodePieceBytes"/> as text; a lone byte of a multi-byte character becomes U+FFFD.</summary>
    /// <summary>tokenizer_config.json's <c>clean_up_tokenization_spaces</c>: <see cref="Decode"/> applies <see cref="CleanUp"/>.</summary>
    public bool CleanUpTokenizationSpaces { get; private set; }

    /// <summary>Sets <see cref="CleanUpTokenizationSpaces"/> on a tokenizer just built (never on a shared one).</summary>
    private MuscleTokenizer WithCleanUp(bool on)
    {
        CleanUpTokenizationSpaces = on;
        return this;
    }

    /// <summary>transformers' <c>clean_up_tokenization</c> (tokenization_utils_base.py): drop the space before
    /// punctuation and English contractions.</summary>
    public static string CleanUp(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal).Replace(" 're", "'re", StringComparison.Ordinal);

    public string DecodePiece(int previousId, int id) => Encoding.UTF8.GetString(DecodePieceBytes(previousId, id));

    /// <summary>
    /// A streaming decoder for generation: feed ids one at a time and get back only complete UTF-8 text.
    /// <paramref name="previousId"/> is the token before the first one fed (BOS, the last prompt token), or null
    /// when the first id fed starts the text.
    /// </summary>
    public TokenTextStream StartTextStream(int? previousId = null) => new(this, previousId ?? -1);

    /// <summary>
    /// Loads an HF model directory, choosing the file as transformers' AutoTokenizer does: tokenizer.json whenever it
    /// exists (the fast tokenizer), tokenizer.model only without it; plus the directory's config files.
    /// </summary>
    public static MuscleTokenizer FromDirectory(string dir)
    {
        if (!Directory.Exists(dir)) throw new MuscleInputException("model directory not found", dir);
        var cfg = HfSpecialTokenConfig.Load(dir);
        var jsonPath = Path.Combine(dir, "tokenizer.json");
        var modelPath = Path.Combine(dir, "tokenizer.model");
        if (File.Exists(jsonPath))
        {
            var json = HfTokenizerJson.Load(jsonPath);
            // transformers' fast tokenizers rewrite the pre-tokenizer when tokenizer_config.json sets add_prefix_space.
            var prefix = json.Kind == HfTokenizerKind.ByteLevelBpe ? json.AddPrefixSpace : json.AddDummyPrefix;
            if (cfg.AddPrefixSpace is bool asked && asked != prefix)
                throw new MuscleInputException(
                    $"add_prefix_space = {(asked ? "true" : "false")} overrides tokenizer.json's prefix space ({(prefix ? "on" : "off")}); " +
                    "that rewrite is not implemented, so the tokenizer is refused", cfg.TokenizerConfigPath);
            return (json.Kind == HfTokenizerKind.ByteLevelBpe ? FromByteLevelJson(json, cfg) : FromSentencePieceJson(json, cfg))
                .WithCleanUp(cfg.CleanUpTokenizationSpaces == true);
        }
        if (File.Exists(modelPath))
        {
            // legacy = false makes transformers convert the SentencePiece model differently (no ▁ after special tokens).
            if (cfg.Legacy == false)
                throw new MuscleInputException(
                    "legacy = false (a non-legacy conversion of tokenizer.model) is not implemented; provide the model's tokenizer.json",
                    cfg.TokenizerConfigPath);
            var bytes = SpecialTokens.ReadModelBytes(modelPath);
            return FromSentencePiece(modelPath, SentencePieceModel.Read(bytes, modelPath), bytes, cfg.AddedTokens, cfg, null,
                "SentencePiece (tokenizer.model)").WithCleanUp(cfg.CleanUpTokenizationSpaces == true);
        }
        throw new MuscleInputException("no tokenizer.json or tokenizer.model in the model directory", dir);
    }

    /// <summary>
    /// Loads a bare SentencePiece model (llama2.c's tok512.model). Without <paramref name="specials"/> the model's
    /// own trainer spec names BOS/EOS/UNK/PAD and BOS is added, as SentencePiece does.
    /// </summary>
    public static MuscleTokenizer FromSentencePieceModel(string modelPath, SpecialTokens? specials = null)
    {
        var bytes = SpecialTokens.ReadModelBytes(modelPath);
        var model = SentencePieceModel.Read(bytes, modelPath);
        specials ??= SpecialTokens.FromModel(model);
        var cfg = new HfSpecialTokenConfig
        {
            BosToken = specials.Bos, EosToken = specials.Eos, UnkToken = specials.Unk, PadToken = specials.Pad,
            AddBosToken = specials.AddBos, AddEosToken = specials.AddEos,
        };
        return FromSentencePiece(modelPath, model, bytes, [], cfg, null, "SentencePiece (" + Path.GetFileName(modelPath) + ")");
    }

    /// <summary>
    /// Writes an HF tokenizer for a SentencePiece model into <paramref name="dir"/>: <c>tokenizer.model</c> (a copy),
    /// <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c> and an equivalent <c>tokenizer.json</c>
    /// (HF LlamaConverter layout), each written atomically.
    /// </summary>
    public static void WriteHfFilesForSentencePiece(string modelPath, string dir, SpecialTokens specials) =>
        HfTokenizerFiles.WriteForSentencePiece(modelPath, dir, specials);

    private static MuscleTokenizer FromSentencePiece(
        string modelPath, SentencePieceModel model, byte[] bytes, IReadOnlyList<HfAddedToken> added,
        HfSpecialTokenConfig cfg, HfTokenizerJson? json, string description)
    {
        if (model.ModelType != SentencePieceModel.ModelTypeBpe)
            throw new MuscleInputException($"SentencePiece model type {model.ModelType} is not BPE; only BPE models are supported", modelPath);
        if (model.NormalizerName is not ("identity" or ""))
            throw new MuscleInputException($"SentencePiece normalizer \"{model.NormalizerName}\" is not supported (train with identity)", modelPath);
        // Microsoft.ML.Tokenizers 2.0.1's SentencePieceNormalizer gets remove_extra_whitespaces wrong at the edges ("a"
        // and "\n" encode to nothing, "   " to "▁"), so the library gets the model with it off and Encode removes the
        // spaces itself first.
        var libraryBytes = model.RemoveExtraWhitespaces ? SentencePieceModel.WithoutExtraWhitespaceRemoval(bytes) : bytes;
        var inner = Wrap(modelPath, () =>
        {
            using var stream = new MemoryStream(libraryBytes, writable: false);
            return LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false,
                specialTokens: added.Count > 0 ? added.DistinctBy(a => a.Content).ToDictionary(a => a.Content, a => a.Id) : null);
        });
        var size = Math.Max(model.Pieces.Count, added.Count == 0 ? 0 : added.Max(a => a.Id) + 1);
        var tokens = new string?[size];
        for (var i = 0; i < model.Pieces.Count; i++) tokens[i] = model.Pieces[i].Piece;
        foreach (var a in added) tokens[a.Id] ??= a.Content;
        var control = Enumerable.Range(0, model.Pieces.Count)
            .Where(i => model.Pieces[i].Type is PieceType.Control or PieceType.Unknown).ToList();

        var defaults = SpecialTokens.FromModel(model);
        var source = new Source(description, tokens)
        {
            ByteFallback = model.ByteFallback,
            RemoveExtraSpaces = model.RemoveExtraWhitespaces,
            DummyPrefix = model.AddDummyPrefix,
            Added = added,
            ControlIds = control,
            // SentencePiece (and HF's LlamaTokenizer) add BOS by default; a tokenizer.json says so in its template.
            Specials = Specials(cfg, json, defaults, addBosDefault: json is null || json.TemplateBos is not null),
        };
        return new MuscleTokenizer(inner, source);
    }

    private static MuscleTokenizer FromSentencePieceJson(HfTokenizerJson json, HfSpecialTokenConfig cfg)
    {
        int? Id(string? name) => name is not null && json.Vocab.TryGetValue(name, out var id) ? id : null;
        var model = json.ToSentencePieceModel(
            Id(cfg.BosToken ?? json.TemplateBos), Id(cfg.EosToken ?? json.TemplateEos), Id(cfg.PadToken));
        return FromSentencePiece(json.FilePath, model, model.ToBytes(), json.AddedTokens, cfg, json,
            "SentencePiece BPE (synthesised from byte-fallback tokenizer.json)");
    }

    private static MuscleTokenizer FromByteLevelJson(HfTokenizerJson json, HfSpecialTokenConfig cfg)
    {
        var added = json.AddedTokens.DistinctBy(a => a.Content).ToDictionary(a => a.Content, a => a.Id, StringComparer.Ordinal);
        Regex? regex = null;
        if (json.SplitPattern is not null)
        {
            regex = PreTokenizerRegex(json.SplitPattern, json.FilePath);
        }
        var options = new BpeOptions(json.Vocab)
        {
            Merges = json.Merges.Select(m => m.Left.Contains(' ') || m.Right.Contains(' ')
                ? throw new MuscleInputException($"merge [\"{m.Left}\", \"{m.Right}\"] holds a plain space, which byte-level BPE cannot have", json.FilePath)
                : m.Left + " " + m.Right).ToList(),
            ByteLevel = true,
            SpecialTokens = added.Count > 0 ? added : null,
            PreTokenizer = regex is null ? null : new IsolatedSplitPreTokenizer(new RegexPreTokenizer(regex, added.Count > 0 ? added : null)),
            Normalizer = json.NfcNormalize ? new NfcNormalizer() : null,
            UnknownToken = json.UnkToken,
        };
        var inner = Wrap(json.FilePath, () => BpeTokenizer.Create(options));

        var tokens = new string?[json.IdCount];
        foreach (var (t, id) in json.Vocab) tokens[id] = t;
        foreach (var a in json.AddedTokens) tokens[a.Id] = a.Content;
        var source = new Source("byte-level BPE (tokenizer.json)", tokens)
        {
            // HF's ByteLevel decoder keeps the prefix space it added, so streaming keeps it too.
            AddPrefixSpace = json.AddPrefixSpace,
            WholeWords = json.IgnoreMerges
                ? new WholeWords(json.Vocab, regex, added.Count == 0 ? null : AddedTokenRegex(added.Keys), added)
                : null,
            Added = json.AddedTokens,
            RegexFile = regex is null ? null : json.FilePath,
            Specials = Specials(cfg, json, defaults: null, addBosDefault: json.TemplateBos is not null),
        };
        return new MuscleTokenizer(inner, source);
    }

    /// <summary>
    /// Where each special token comes from, first match wins: tokenizer_config.json's name, generation_config.json's
    /// id, then the tokenizer.json (template, model.unk_token) or the SentencePiece model's trainer spec.
    /// </summary>
    private static SpecialSources Specials(HfSpecialTokenConfig cfg, HfTokenizerJson? json, SpecialTokens? defaults, bool addBosDefault)
    {
        var tc = cfg.TokenizerConfigPath;
        var gc = cfg.GenerationConfigPath;
        var jf = json?.FilePath;
        return new SpecialSources
        {
            Bos = new(cfg.BosToken, tc, cfg.GenerationBosId, gc, json?.TemplateBos ?? defaults?.Bos, jf),
            Eos = new(cfg.EosToken, tc, cfg.GenerationEosIds.Count > 0 ? cfg.GenerationEosIds[0] : null, gc, json?.TemplateEos ?? defaults?.Eos, jf),
            Pad = new(cfg.PadToken, tc, cfg.GenerationPadId, gc, defaults?.Pad, jf),
            Unk = new(cfg.UnkToken, tc, null, null, json?.UnkToken ?? defaults?.Unk, jf),
            GenerationEosIds = cfg.GenerationEosIds,
            GenerationFile = gc,
            AddBos = cfg.AddBosToken ?? addBosDefault,
            AddBosExplicitIn = cfg.AddBosToken is not null ? tc : null,
            AddEos = cfg.AddEosToken ?? json?.TemplateEos is not null,
            AddEosExplicitIn = cfg.AddEosToken is not null ? tc : null,
        };
    }

    /// <summary>How long one match of a backtracking pre-tokenizer regex may take before the tokenizer is called broken.</summary>
    internal static readonly TimeSpan PreTokenizerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The pre-tokenizer regex, on .NET's NonBacktracking engine where the pattern allows it: that engine is linear in
    /// the input, so a pattern like <c>(a+)+$</c> cannot hang, and since .NET 7 it finds the same matches as the
    /// backtracking engine (learn.microsoft.com, "Backtracking in .NET regular expressions" / RegexOptions.NonBacktracking).
    /// It has no lookarounds, backreferences or atomic groups, and GPT-2's pattern needs the lookahead in
    /// <c>\s+(?!\S)</c>; such patterns stay backtracking with a match timeout, which <see cref="Encode"/> reports.
    /// </summary>
    private static Regex PreTokenizerRegex(string pattern, string file)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (NotSupportedException)
        {
            // A construct only the backtracking engine has; fall through.
        }
        catch (ArgumentException e)
        {
            throw new MuscleInputException($"pre-tokenizer regex is not valid in .NET: {e.Message}", file, inner: e);
        }
        try
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, PreTokenizerTimeout);
        }
        catch (ArgumentException e)
        {
            throw new MuscleInputException($"pre-tokenizer regex is not valid in .NET: {e.Message}", file, inner: e);
        }
    }

    /// <summary>Leftmost-longest match of added tokens, as HF's added-token splitter does.</summary>
    private static Regex AddedTokenRegex(IEnumerable<string> contents) =>
        new(string.Join('|', contents.OrderByDescending(c => c.Length).Select(Regex.Escape)), RegexOptions.CultureInvariant);

    /// <summary>Microsoft.ML.Tokenizers reports bad model data as argument/format errors; name the file instead.</summary>
    private static T Wrap<T>(string file, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or InvalidDataException)
        {
            throw new MuscleInputException($"Microsoft.ML.Tokenizers rejected the tokenizer: {e.Message}", file, inner: e);
        }
    }

    /// <summary>
    /// The name a config gives, else the id generation_config gives, else the tokenizer's own name. An id outside the
    /// vocabulary is skipped; when nothing else names the token it comes back as <paramref name="outside"/>.
    /// </summary>
    private int? Resolve(SpecialSource s, out SpecialSource? outside)
    {
        var id = ResolveName(s.Name, s.NameFile)
                 ?? (s.Id is { } i && InVocabulary(i) ? i : ResolveName(s.FallbackName, s.FallbackFile));
        outside = id is null && s.Id is not null ? s : null;
        return id;
    }

    private MuscleInputException OutsideVocabulary(string what, SpecialSource s) =>
        new($"cannot add {what}: its id {s.Id} is outside the vocabulary ({VocabSize} tokens); " +
            $"name the token in tokenizer_config.json or fix the id", s.IdFile);

    private bool InVocabulary(int id) => id >= 0 && id < VocabSize;

    /// <summary>One warning line for a config file's special ids that lie outside the vocabulary.</summary>
    internal static string OutsideWarning(string file, IReadOnlyList<string> keyedIds, int vocabSize) =>
        $"{file}: {string.Join(", ", keyedIds)} {(keyedIds.Count == 1 ? "is" : "are")} outside the vocabulary ({vocabSize} tokens); " +
        "loaded anyway, as transformers does";

    private int? ResolveName(string? name, string? file)
    {
        if (name is null) return null;
        if (_idOf.TryGetValue(name, out var id)) return id;
        throw new MuscleInputException($"special token \"{name}\" is not in the vocabulary", file);
    }

    private void CheckRange(int id)
    {
        if (id < 0 || id >= VocabSize)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id must be in [0, {VocabSize})");
    }

    private static string Fingerprint(string?[] tokens)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < tokens.Length; i++)
            sha.AppendData(Encoding.UTF8.GetBytes($"{i}\t{tokens[i]}\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private sealed record Source(string Description, string?[] Tokens)
    {
        public bool ByteFallback { get; init; }
        public bool RemoveExtraSpaces { get; init; }
        public bool DummyPrefix { get; init; }
        public bool AddPrefixSpace { get; init; }
        public IReadOnlyList<HfAddedToken> Added { get; init; } = [];
        public IReadOnlyList<int> ControlIds { get; init; } = [];
        public WholeWords? WholeWords { get; init; }
        /// <summary>The file whose pre-tokenizer regex Encode runs, for the timeout message.</summary>
        public string? RegexFile { get; init; }
        public required SpecialSources Specials { get; init; }
    }

    private sealed record WholeWords(
        IReadOnlyDictionary<string, int> Vocab, Regex? PreTokenizer, Regex? AddedTokens, IReadOnlyDictionary<string, int> AddedIds);

    /// <summary>A special token named in a config, given as an id in another, or named by the tokenizer itself.</summary>
    private sealed record SpecialSource(string? Name, string? NameFile, int? Id, string? IdFile, string? FallbackName, string? FallbackFile);

    private sealed record SpecialSources
    {
        public required SpecialSource Bos { get; init; }
        public required SpecialSource Eos { get; init; }
        public required SpecialSource Pad { get; init; }
        public required SpecialSource Unk { get; init; }
        public IReadOnlyList<int> GenerationEosIds { get; init; } = [];
        public string? GenerationFile { get; init; }
        public bool AddBos { get; init; }
        public string? AddBosExplicitIn { get; init; }
        public bool AddEos { get; init; }
        public string? AddEosExplicitIn { get; init; }
    }
}

/// <summary>Turns generated ids into text as they arrive, holding back bytes of an unfinished UTF-8 character.</summary>
public sealed class TokenTextStream
{
    private readonly MuscleTokenizer _tokenizer;
    private readonly Decoder _utf8 = new UTF8Encoding(false).GetDecoder();
    private int _previous;

    internal TokenTextStream(MuscleTokenizer tokenizer, int previousId)
    {
        _tokenizer = tokenizer;
        _previous = previousId;
    }

    /// <summary>The text completed by <paramref name="id"/> (possibly empty).</summary>
    public string Append(int id)
    {
        var bytes = _tokenizer.DecodePieceBytes(_previous, id);
        _previous = id;
        return Decode(bytes, flush: false);
    }

    /// <summary>Whatever is still held back, as U+FFFD for an incomplete character.</summary>
    public string Flush() => Decode([], flush: true);

    private string Decode(byte[] bytes, bool flush)
    {
        var chars = new char[_utf8.GetCharCount(bytes, flush)];
        var n = _utf8.GetChars(bytes, chars, flush);
        return new string(chars, 0, n);
    }
}
