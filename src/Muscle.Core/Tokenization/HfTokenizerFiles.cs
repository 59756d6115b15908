using System.Text.Encodings.Web;
using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Tokenization;

/// <summary>
/// Writes the HF tokenizer files for a SentencePiece BPE model: the model itself, tokenizer_config.json,
/// special_tokens_map.json and a tokenizer.json laid out as transformers' LlamaConverter writes it (legacy
/// Prepend + Replace normalizer, byte-fallback BPE, Replace/ByteFallback/Fuse/Strip decoder), plus the
/// model's remove_extra_whitespaces as regex Replace normalizers, which LlamaConverter drops (Llama's own model
/// has it off) but llama2.c's tokenizers have on.
/// </summary>
internal static class HfTokenizerFiles
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Keep ▁ and other pieces readable; the files are UTF-8 JSON, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The Replace(Regex) normalizers, in order, that spell SentencePiece's remove_extra_whitespaces for the identity
    /// normalizer; <see cref="HfTokenizerJson"/> recognises exactly this sequence.
    /// </summary>
    internal static readonly IReadOnlyList<(string Pattern, string Content)> SentencePieceWhitespaceRules =
        [(@"\A +", ""), (@" +\z", ""), (" {2,}", " ")];

    public static void WriteForSentencePiece(string modelPath, string dir, SpecialTokens specials)
    {
        ArgumentNullException.ThrowIfNull(specials);
        var bytes = SpecialTokens.ReadModelBytes(modelPath);
        var model = SentencePieceModel.Read(bytes, modelPath);
        if (model.ModelType != SentencePieceModel.ModelTypeBpe)
            throw new MuscleInputException($"SentencePiece model type {model.ModelType} is not BPE; only BPE models can be written as tokenizer.json", modelPath);
        foreach (var name in new[] { specials.Bos, specials.Eos, specials.Unk, specials.Pad })
            if (name is not null && !model.Pieces.Any(p => p.Piece == name))
                throw new MuscleInputException($"special token \"{name}\" is not a piece of the SentencePiece model", modelPath);
        if (specials.Unk is null) throw new MuscleInputException("a SentencePiece tokenizer needs an unk token", modelPath);
        if (specials.AddBos && specials.Bos is null) throw new MuscleInputException("AddBos is set but no BOS token is named", modelPath);
        if (specials.AddEos && specials.Eos is null) throw new MuscleInputException("AddEos is set but no EOS token is named", modelPath);

        AtomicFile.WriteAllBytes(Path.Combine(dir, "tokenizer.model"), bytes);
        AtomicFile.Write(Path.Combine(dir, "tokenizer_config.json"), s => WriteTokenizerConfig(s, model, specials));
        AtomicFile.Write(Path.Combine(dir, "special_tokens_map.json"), s => WriteSpecialTokensMap(s, specials));
        AtomicFile.Write(Path.Combine(dir, "tokenizer.json"), s => WriteTokenizerJson(s, model, specials));
    }

    private static IEnumerable<(int Id, SentencePiece Piece)> AddedPieces(SentencePieceModel model) =>
        model.Pieces.Select((p, i) => (i, p)).Where(x => x.p.Type is PieceType.Control or PieceType.Unknown or PieceType.UserDefined);

    private static void WriteAddedToken(Utf8JsonWriter w, int? id, SentencePiece p)
    {
        w.WriteStartObject();
        if (id is not null) w.WriteNumber("id", id.Value);
        w.WriteString("content", p.Piece);
        w.WriteBoolean("single_word", false);
        w.WriteBoolean("lstrip", false);
        w.WriteBoolean("rstrip", false);
        w.WriteBoolean("normalized", false);
        w.WriteBoolean("special", p.Type != PieceType.UserDefined);
        w.WriteEndObject();
    }

    private static void WriteTokenizerConfig(Stream stream, SentencePieceModel model, SpecialTokens specials)
    {
        using var w = new Utf8JsonWriter(stream, WriterOptions);
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", specials.AddBos);
        w.WriteBoolean("add_eos_token", specials.AddEos);
        w.WriteStartObject("added_tokens_decoder");
        foreach (var (id, p) in AddedPieces(model))
        {
            w.WritePropertyName(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteAddedToken(w, null, p);
        }
        w.WriteEndObject();
        WriteNullableString(w, "bos_token", specials.Bos);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        WriteNullableString(w, "eos_token", specials.Eos);
        // legacy=true: a piece after a special token still gets its ▁ prefix, as SentencePiece itself does.
        w.WriteBoolean("legacy", true);
        WriteNullableString(w, "pad_token", specials.Pad);
        w.WriteStartObject("sp_model_kwargs");
        w.WriteEndObject();
        w.WriteString("tokenizer_class", "LlamaTokenizer");
        WriteNullableString(w, "unk_token", specials.Unk);
        w.WriteEndObject();
    }

    private static void WriteSpecialTokensMap(Stream stream, SpecialTokens specials)
    {
        using var w = new Utf8JsonWriter(stream, WriterOptions);
        w.WriteStartObject();
        foreach (var (key, value) in new[] { ("bos_token", specials.Bos), ("eos_token", specials.Eos), ("pad_token", specials.Pad), ("unk_token", specials.Unk) })
            if (value is not null) w.WriteString(key, value);
        w.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    private static void WriteTokenizerJson(Stream stream, SentencePieceModel model, SpecialTokens specials)
    {
        using var w = new Utf8JsonWriter(stream, WriterOptions);
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");

        w.WriteStartArray("added_tokens");
        foreach (var (id, p) in AddedPieces(model)) WriteAddedToken(w, id, p);
        w.WriteEndArray();

        w.WriteStartObject("normalizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("normalizers");
        if (model.RemoveExtraWhitespaces)
        {
            // SentencePiece's remove_extra_whitespaces (normalizer.cc): drop leading and trailing U+0020 and collapse
            // runs of it, before the dummy prefix. HF's Strip would also eat "\n" and "\t", and onig's ^/$ match at
            // line breaks, so \A/\z regexes that touch only U+0020 (transformers' SpmConverter spells the collapse
            // Replace(Regex(" {2,}"), ...) too).
            foreach (var (pattern, content) in SentencePieceWhitespaceRules) WriteReplace(w, pattern, content, regex: true);
        }
        if (model.AddDummyPrefix)
        {
            w.WriteStartObject();
            w.WriteString("type", "Prepend");
            w.WriteString("prepend", "▁");
            w.WriteEndObject();
        }
        WriteReplace(w, " ", "▁");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteNull("pre_tokenizer");

        WritePostProcessor(w, model, specials);

        w.WriteStartObject("decoder");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("decoders");
        WriteReplace(w, "▁", " ");
        w.WriteStartObject();
        w.WriteString("type", "ByteFallback");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "Fuse");
        w.WriteEndObject();
        if (model.AddDummyPrefix)
        {
            w.WriteStartObject();
            w.WriteString("type", "Strip");
            w.WriteString("content", " ");
            w.WriteNumber("start", 1);
            w.WriteNumber("stop", 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteString("unk_token", specials.Unk);
        w.WriteNull("continuing_subword_prefix");
        w.WriteNull("end_of_word_suffix");
        w.WriteBoolean("fuse_unk", true);
        w.WriteBoolean("byte_fallback", model.ByteFallback);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (var i = 0; i < model.Pieces.Count; i++) w.WriteNumber(model.Pieces[i].Piece, i);
        w.WriteEndObject();
        w.WriteStartArray("merges");
        var merges = Merges(model);
        var arrayForm = merges.Any(m => m.Left.Contains(' ') || m.Right.Contains(' '));
        foreach (var (left, right) in merges)
        {
            if (!arrayForm)
            {
                w.WriteStringValue(left + " " + right);
                continue;
            }
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteEndObject();
    }

    private static void WriteReplace(Utf8JsonWriter w, string from, string to, bool regex = false)
    {
        w.WriteStartObject();
        w.WriteString("type", "Replace");
        w.WriteStartObject("pattern");
        w.WriteString(regex ? "Regex" : "String", from);
        w.WriteEndObject();
        w.WriteString("content", to);
        w.WriteEndObject();
    }

    private static void WritePostProcessor(Utf8JsonWriter w, SentencePieceModel model, SpecialTokens specials)
    {
        var bos = specials.AddBos ? specials.Bos : null;
        var eos = specials.AddEos ? specials.Eos : null;
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteTemplate(w, bos, eos, "A", 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteTemplate(w, bos, eos, "A", 0);
        WriteTemplate(w, bos, eos, "B", 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        foreach (var name in new[] { bos, eos }.OfType<string>().Distinct())
        {
            var id = model.Pieces.Select((p, i) => (p, i)).First(x => x.p.Piece == name).i;
            w.WriteStartObject(name);
            w.WriteString("id", name);
            w.WriteStartArray("ids");
            w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            w.WriteStringValue(name);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTemplate(Utf8JsonWriter w, string? bos, string? eos, string sequence, int typeId)
    {
        void Item(string kind, string id)
        {
            w.WriteStartObject();
            w.WriteStartObject(kind);
            w.WriteString("id", id);
            w.WriteNumber("type_id", typeId);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        if (bos is not null) Item("SpecialToken", bos);
        Item("Sequence", sequence);
        if (eos is not null) Item("SpecialToken", eos);
    }

    /// <summary>
    /// transformers' <c>generate_merges</c>: every split of a normal piece into two pieces of the vocabulary,
    /// ordered by the joined piece's score (best first), ties by the ids of the two halves.
    /// </summary>
    internal static List<(string Left, string Right)> Merges(SentencePieceModel model)
    {
        var id = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < model.Pieces.Count; i++) id.TryAdd(model.Pieces[i].Piece, i);
        var merges = new List<(string Left, string Right, float Score, int Order)>();
        for (var i = 0; i < model.Pieces.Count; i++)
        {
            var p = model.Pieces[i];
            if (p.Type != PieceType.Normal) continue;
            var local = new List<(string, string, int, int)>();
            for (var k = 1; k < p.Piece.Length; k++)
            {
                if (char.IsLowSurrogate(p.Piece[k])) continue;
                string l = p.Piece[..k], r = p.Piece[k..];
                if (id.TryGetValue(l, out var li) && id.TryGetValue(r, out var ri)) local.Add((l, r, li, ri));
            }
            foreach (var (l, r, _, _) in local.OrderBy(x => x.Item3).ThenBy(x => x.Item4))
                merges.Add((l, r, p.Score, merges.Count));
        }
        return merges.OrderByDescending(m => m.Score).ThenBy(m => m.Order).Select(m => (m.Left, m.Right)).ToList();
    }
}
