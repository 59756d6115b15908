using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json;
using Muscle.Tokenization;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// The teacher cache's <c>manifest.json</c>: everything the cached numbers depend on. A cache is reused only when every
/// key matches the run's; the first differing key names why it is stale. Model directories are identified by path and
/// the size and modification time of each file (hashing multi-GB weights every run would cost more than it saves);
/// adapters, which are small, by the SHA-256 of each file.
/// </summary>
internal static class TeacherCacheManifest
{
    public const string FileName = "manifest.json";
    public const string Format = "muscle-teacher-cache/2";

    /// <summary>Manifest flag: the token-level top-k part (shards) is present.</summary>
    public const string TokensKey = "tokens";

    /// <summary>Manifest key of the choice part: the hash of the scored choice sequences (absent without that part).</summary>
    public const string ChoicesKey = "choice_sequences_sha256";

    /// <summary>
    /// The path of a file the manifest lists. Cache files live next to the manifest, as shards next to a safetensors
    /// index: a name with a directory part ("../outside/x.safetensors") could point anywhere, so it is refused.
    /// </summary>
    public static string FilePath(string dir, JsonNode? entry)
    {
        var file = entry?["file"] is JsonValue v && v.TryGetValue<string>(out var f) ? f : null;
        if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or ".." || file.Contains('\\'))
            throw new Infrastructure.MuscleInputException(
                $"teacher cache manifest lists {entry?["file"]?.ToJsonString() ?? "no file"}, which is not a file name in the cache directory",
                Path.Combine(dir, FileName));
        return Path.Combine(dir, file);
    }

    /// <summary>The keys a cache must match to be reused.</summary>
    public static JsonObject Key(UpdatePair models, TokenizedSplit split, int maxSeqLen, double temperature,
                                 TeacherCacheOptions options, ScalarType teacherDtype) => new()
    {
        ["format"] = Format,
        ["old_model"] = ModelIdentity(models.OldModelDir),
        ["old_adapter"] = AdapterIdentity(models.OldAdapterDir),
        ["new_model"] = ModelIdentity(models.NewModelDir),
        ["new_adapter"] = AdapterIdentity(models.NewAdapterDir),
        ["teacher_dtype"] = teacherDtype.ToString(),
        ["temperature"] = temperature,
        ["k"] = options.K,
        ["value_dtype"] = options.ValueType == ScalarType.BFloat16 ? "BF16" : "F32",
        ["loss_on"] = split.LossOn.ToString(),
        ["max_seq_len"] = maxSeqLen,
        ["train_items"] = split.Train.Count,
        ["valid_items"] = split.Valid.Count,
        ["sequences_sha256"] = SequencesHash(split),
    };

    /// <summary>The first key of <paramref name="expected"/> that <paramref name="found"/> lacks or holds differently; null if none.</summary>
    public static string? Difference(JsonObject expected, JsonObject found)
    {
        foreach (var (key, value) in expected)
        {
            if (!found.TryGetPropertyValue(key, out var other)) return key;
            // Canonical text comparison: a parsed 2 and a written 2.0 are both "2".
            if (value?.ToJsonString() != other?.ToJsonString()) return key;
        }
        return null;
    }

    /// <summary>The manifest in <paramref name="dir"/>, or null if it is absent or unreadable (then the cache is rebuilt).</summary>
    public static JsonObject? TryRead(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Serialize(JsonObject manifest) => manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static JsonObject ModelIdentity(string dir) => new()
    {
        ["dir"] = Path.GetFullPath(dir),
        ["files"] = new JsonArray(Files(dir).Select(f => (JsonNode?)new JsonObject
        {
            ["name"] = f.Name,
            ["size"] = f.Length,
            ["modified"] = f.LastWriteTimeUtc.ToString("O"),
        }).ToArray()),
    };

    private static JsonObject AdapterIdentity(string dir) => new()
    {
        ["dir"] = Path.GetFullPath(dir),
        ["files"] = new JsonArray(Files(dir).Select(f =>
        {
            using var stream = f.OpenRead();
            return (JsonNode?)new JsonObject { ["name"] = f.Name, ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(stream)) };
        }).ToArray()),
    };

    private static IEnumerable<FileInfo> Files(string dir) =>
        new DirectoryInfo(dir).EnumerateFiles().Where(f => !f.Name.StartsWith('.')).OrderBy(f => f.Name, StringComparer.Ordinal);

    /// <summary>SHA-256 of every sequence's ids and context length, train then validation, in item order.</summary>
    private static string SequencesHash(TokenizedSplit split) =>
        Hash([split.Train.Select(p => (IReadOnlyList<EncodedPair>)[p]).ToList(), split.Valid.Select(p => (IReadOnlyList<EncodedPair>)[p]).ToList()]);

    /// <summary>SHA-256 of every item's choice sequences (each item's count, then every sequence's ids and context length), train then validation.</summary>
    public static string ChoicesHash(ChoiceSequences choices) => Hash([choices.Train, choices.Valid]);

    private static string Hash(IReadOnlyList<IReadOnlyList<IReadOnlyList<EncodedPair>>> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var word = new byte[4];
        void Add(int v)
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, v);
            hash.AppendData(word);
        }
        foreach (var part in parts)
        {
            Add(part.Count);
            foreach (var item in part)
            {
                Add(item.Count);
                foreach (var pair in item)
                {
                    Add(pair.ContextLength);
                    Add(pair.Ids.Length);
                    foreach (var id in pair.Ids) Add(id);
                }
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
