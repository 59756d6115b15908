using System.Text.Json;
using Muscle.Infrastructure;

namespace Muscle.Tokenization;

/// <summary>
/// Special-token facts from an HF model directory's <c>tokenizer_config.json</c> and
/// <c>generation_config.json</c>. Token names stay names here; <see cref="MuscleTokenizer"/> resolves them
/// against the vocabulary, so no id is ever assumed.
/// </summary>
internal sealed record HfSpecialTokenConfig
{
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }
    public string? UnkToken { get; init; }
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    /// <summary>transformers' <c>clean_up_tokenization_spaces</c>: decode removes the space before punctuation and contractions.</summary>
    public bool? CleanUpTokenizationSpaces { get; init; }
    /// <summary>LlamaTokenizer's <c>legacy</c>: only read when a SentencePiece model is converted (no tokenizer.json).</summary>
    public bool? Legacy { get; init; }
    /// <summary>Overrides the pre-tokenizer's prefix space in transformers' fast tokenizers when set.</summary>
    public bool? AddPrefixSpace { get; init; }

    /// <summary><c>added_tokens_decoder</c>: id → (content, special).</summary>
    public IReadOnlyList<HfAddedToken> AddedTokens { get; init; } = [];

    public int? GenerationBosId { get; init; }
    public IReadOnlyList<int> GenerationEosIds { get; init; } = [];
    public int? GenerationPadId { get; init; }

    public string? TokenizerConfigPath { get; init; }
    public string? GenerationConfigPath { get; init; }

    public static HfSpecialTokenConfig Load(string dir)
    {
        var result = new HfSpecialTokenConfig();
        var tc = Path.Combine(dir, "tokenizer_config.json");
        if (File.Exists(tc))
        {
            using var doc = HfJson.Load(tc);
            var root = HfJson.RequireObject(doc.RootElement, tc, "tokenizer_config.json");
            var added = new List<HfAddedToken>();
            if (root.TryGetProperty("added_tokens_decoder", out var dec) && dec.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in dec.EnumerateObject())
                {
                    if (!int.TryParse(p.Name, out var id) || p.Value.ValueKind != JsonValueKind.Object)
                        throw new MuscleInputException($"added_tokens_decoder key \"{p.Name}\" is not an id with a token object", tc);
                    var content = HfJson.TokenValue(p.Value, $"added_tokens_decoder.{p.Name}", tc)
                                  ?? throw new MuscleInputException($"added_tokens_decoder.{p.Name} has no content", tc);
                    added.Add(new HfAddedToken(id, content, HfJson.Bool(p.Value, "special", tc) ?? false));
                }
            }
            result = result with
            {
                BosToken = HfJson.TokenContent(root, "bos_token", tc),
                EosToken = HfJson.TokenContent(root, "eos_token", tc),
                PadToken = HfJson.TokenContent(root, "pad_token", tc),
                UnkToken = HfJson.TokenContent(root, "unk_token", tc),
                AddBosToken = HfJson.Bool(root, "add_bos_token", tc),
                AddEosToken = HfJson.Bool(root, "add_eos_token", tc),
                CleanUpTokenizationSpaces = HfJson.Bool(root, "clean_up_tokenization_spaces", tc),
                Legacy = HfJson.Bool(root, "legacy", tc),
                AddPrefixSpace = HfJson.Bool(root, "add_prefix_space", tc),
                AddedTokens = added,
                TokenizerConfigPath = tc,
            };
        }
        var gc = Path.Combine(dir, "generation_config.json");
        if (File.Exists(gc))
        {
            using var doc = HfJson.Load(gc);
            var root = HfJson.RequireObject(doc.RootElement, gc, "generation_config.json");
            result = result with
            {
                GenerationBosId = HfJson.IdList(root, "bos_token_id", gc) is [var b, ..] ? b : null,
                GenerationEosIds = HfJson.IdList(root, "eos_token_id", gc),
                GenerationPadId = HfJson.IdList(root, "pad_token_id", gc) is [var p, ..] ? p : null,
                GenerationConfigPath = gc,
            };
        }
        return result;
    }
}

internal readonly record struct HfAddedToken(int Id, string Content, bool Special);

/// <summary>Small System.Text.Json helpers that turn shape errors into <see cref="MuscleInputException"/>s.</summary>
internal static class HfJson
{
    public static JsonDocument Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new MuscleInputException($"invalid JSON: {e.Message}", path, (e.LineNumber ?? 0) + 1, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read: {e.Message}", path, inner: e);
        }
    }

    public static JsonElement RequireObject(JsonElement e, string file, string what) =>
        e.ValueKind == JsonValueKind.Object ? e : throw new MuscleInputException($"{what} must be a JSON object", file);

    public static bool Has(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public static string? String(JsonElement obj, string name, string file)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString()
            : throw new MuscleInputException($"\"{name}\" must be a string, got {v.ValueKind}", file);
    }

    public static bool? Bool(JsonElement obj, string name, string file)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new MuscleInputException($"\"{name}\" must be true or false, got {v}", file),
        };
    }

    /// <summary>A special token written either as a plain string or as an AddedToken object <c>{"content": ...}</c>.</summary>
    public static string? TokenContent(JsonElement obj, string name, string file) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? TokenValue(v, name, file) : null;

    public static string? TokenValue(JsonElement v, string what, string file) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Object => String(v, "content", file),
        JsonValueKind.Null => null,
        _ => throw new MuscleInputException($"\"{what}\" must be a string or an object with \"content\", got {v.ValueKind}", file),
    };

    /// <summary>An id field that may be absent, null, one integer or a list of integers (eos_token_id).</summary>
    public static IReadOnlyList<int> IdList(JsonElement obj, string name, string file)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind == JsonValueKind.Number) return [Id(v, name, file)];
        if (v.ValueKind == JsonValueKind.Array) return v.EnumerateArray().Select(x => Id(x, name, file)).ToArray();
        throw new MuscleInputException($"\"{name}\" must be an integer or a list of integers, got {v.ValueKind}", file);
    }

    private static int Id(JsonElement v, string name, string file) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var id) && id >= 0
            ? id
            : throw new MuscleInputException($"\"{name}\" holds {v}, which is not a token id", file);
}
