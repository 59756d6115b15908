using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.IO;

/// <summary>
/// Model weights in a Hugging Face model directory: either one <c>model.safetensors</c>, or shards
/// <c>model-00001-of-00003.safetensors</c> listed by <c>model.safetensors.index.json</c>
/// (<c>{"metadata": {"total_size": …}, "weight_map": {key: shard}}</c>), as <c>save_pretrained</c> writes them.
/// Only weight files are ever written or removed here; config.json, tokenizer files and the like are left alone.
/// </summary>
public static partial class CheckpointFiles
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>save_pretrained's default max_shard_size ("5GB" there is 5·10⁹; we use 5 GiB).</summary>
    public const long DefaultMaxShardBytes = 5L << 30;

    /// <summary>Shard file name as save_pretrained spells it: <c>model-00001-of-00003.safetensors</c> (1-based).</summary>
    public static string ShardFileName(int index, int count) => $"model-{index:D5}-of-{count:D5}.safetensors";

    /// <summary>True when <paramref name="dir"/> holds weights this class can load.</summary>
    public static bool HasWeights(string dir) =>
        File.Exists(Path.Combine(dir, SingleFileName)) || File.Exists(Path.Combine(dir, IndexFileName));

    /// <summary>
    /// Every weight's header entry, validated across the index and all shards, without reading tensor data
    /// (for key/shape checks against a model built on the meta device).
    /// </summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> ReadDirectoryHeaders(string dir)
    {
        var result = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (var shard in ResolveShards(dir))
        foreach (var key in shard.Keys)
        {
            shard.Header.TryGetEntry(key, out var entry);
            result.Add(key, entry);
        }
        return result;
    }

    /// <summary>
    /// Loads all weights of <paramref name="dir"/>. <c>model.safetensors</c> wins over an index when both exist,
    /// as in transformers. A sharded checkpoint is checked first: every indexed key must be in its shard, and no
    /// shard may hold a key the index does not map to it. A NaN or infinite weight is refused, naming its shard.
    /// </summary>
    public static Dictionary<string, Tensor> LoadDirectory(string dir, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var shard in ResolveShards(dir))
        {
            using var stream = Safetensors.OpenRead(shard.Path);
            // The shard was validated against its length at resolve time; a different length now means it changed.
            if (stream.Length != shard.Header.FileLength)
                throw new MuscleInputException($"file changed while loading (was {shard.Header.FileLength} bytes, now {stream.Length})", shard.Path);
            var loaded = Safetensors.Load(stream, shard.Header, shard.Keys, device);
            try
            {
                FiniteWeights.Check(loaded, shard.Path);
            }
            catch
            {
                foreach (var t in loaded.Values.Concat(result.Values)) t.Dispose();
                throw;
            }
            foreach (var (key, tensor) in loaded)
                result.Add(key, tensor);
        }
        return result;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> into <paramref name="dir"/> like save_pretrained: one <c>model.safetensors</c>
    /// when everything fits in <paramref name="maxShardBytes"/>, otherwise shards filled in ordinal key order (a
    /// tensor larger than the limit gets a shard of its own) plus the index. Each file is written atomically with
    /// metadata <c>{"format": "pt"}</c>, which transformers requires; weight files of an earlier save that the new
    /// layout does not use are removed afterwards. Returns the file names written.
    /// </summary>
    public static IReadOnlyList<string> SaveDirectory(string dir, IReadOnlyDictionary<string, Tensor> tensors,
        long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        AtomicFile.EnsureDirectory(dir);
        var shards = PlanShards(tensors, maxShardBytes);
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        var written = new List<string>();

        if (shards.Count <= 1)
        {
            Safetensors.Save(Path.Combine(dir, SingleFileName), shards.Count == 0 ? tensors : shards[0], metadata);
            written.Add(SingleFileName);
        }
        else
        {
            var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
            long totalSize = 0;
            for (var i = 0; i < shards.Count; i++)
            {
                var name = ShardFileName(i + 1, shards.Count);
                Safetensors.Save(Path.Combine(dir, name), shards[i], metadata);
                written.Add(name);
                foreach (var (key, tensor) in shards[i])
                {
                    weightMap[key] = name;
                    totalSize += Safetensors.ByteSize(tensor);
                }
            }
            // The index goes last so that a crash mid-save never leaves an index pointing at missing shards.
            AtomicFile.WriteAllBytes(Path.Combine(dir, IndexFileName), BuildIndex(totalSize, weightMap));
            written.Add(IndexFileName);
        }
        RemoveStaleWeightFiles(dir, written);
        return written;
    }

    private sealed record Shard(string Path, SafetensorsHeader Header, IReadOnlyList<string> Keys);

    private static List<Shard> ResolveShards(string dir)
    {
        var single = Path.Combine(dir, SingleFileName);
        if (File.Exists(single))
        {
            var header = Safetensors.ReadHeader(single);
            return [new Shard(single, header, header.Names.ToList())];
        }
        var indexPath = Path.Combine(dir, IndexFileName);
        if (!File.Exists(indexPath))
        {
            var what = Directory.Exists(dir) ? $"no {SingleFileName} or {IndexFileName} in the model directory" : "model directory not found";
            throw new MuscleInputException(what, file: dir);
        }

        var weightMap = ReadWeightMap(indexPath);
        var shards = new List<Shard>();
        foreach (var group in weightMap.GroupBy(kv => kv.Value, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var shardPath = Path.Combine(dir, group.Key);
            if (!File.Exists(shardPath))
                throw new MuscleInputException($"shard '{group.Key}' listed in {IndexFileName} is missing", file: shardPath);
            var header = Safetensors.ReadHeader(shardPath);
            var keys = group.Select(kv => kv.Key).OrderBy(k => k, StringComparer.Ordinal).ToList();
            foreach (var key in keys.Where(k => !header.Contains(k)))
                throw new MuscleInputException($"weight '{key}' is mapped to shard '{group.Key}' by {IndexFileName} but the shard does not contain it", file: shardPath);
            foreach (var key in header.Names.Where(k => !weightMap.TryGetValue(k, out var file) || file != group.Key))
            {
                var why = weightMap.TryGetValue(key, out var other) ? $"the index maps it to '{other}'" : "the index does not list it";
                throw new MuscleInputException($"shard '{group.Key}' holds weight '{key}' but {why}", file: shardPath);
            }
            shards.Add(new Shard(shardPath, header, keys));
        }
        return shards;
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw new MuscleInputException($"invalid JSON: {e.Message}", file: indexPath, line: e.LineNumber + 1, inner: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read: {e.Message}", file: indexPath, inner: e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new MuscleInputException("index has no \"weight_map\" object", file: indexPath);
            if (doc.RootElement.TryGetProperty("metadata", out var meta) && meta.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw new MuscleInputException("index \"metadata\" is not an object", file: indexPath);

            try
            {
                return ReadWeightMapEntries(map, indexPath);
            }
            catch (InvalidOperationException e)
            {
                // A lone surrogate escape ("\ud800") parses but cannot become a string.
                throw new MuscleInputException($"index holds a string that is not valid Unicode: {e.Message}", file: indexPath, inner: e);
            }
        }
    }

    private static Dictionary<string, string> ReadWeightMapEntries(JsonElement map, string indexPath)
    {
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in map.EnumerateObject())
        {
            var file = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : null;
            // Shards live next to the index; anything with a directory part could point outside the model.
            if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or "..")
                throw new MuscleInputException($"weight '{item.Name}' maps to {item.Value.GetRawText()}, which is not a shard file name", file: indexPath);
            if (!weightMap.TryAdd(item.Name, file))
                throw new MuscleInputException($"weight '{item.Name}' is listed twice in the index", file: indexPath);
        }
        if (weightMap.Count == 0)
            throw new MuscleInputException("index \"weight_map\" is empty", file: indexPath);
        return weightMap;
    }

    private static List<Dictionary<string, Tensor>> PlanShards(IReadOnlyDictionary<string, Tensor> tensors, long maxShardBytes)
    {
        var shards = new List<Dictionary<string, Tensor>>();
        Dictionary<string, Tensor>? current = null;
        long currentBytes = 0;
        foreach (var key in tensors.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            var tensor = tensors[key];
            var bytes = Safetensors.ByteSize(tensor);
            if (current is null || (current.Count > 0 && currentBytes + bytes > maxShardBytes))
            {
                current = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                shards.Add(current);
                currentBytes = 0;
            }
            current.Add(key, tensor);
            currentBytes += bytes;
        }
        return shards;
    }

    private static byte[] BuildIndex(long totalSize, SortedDictionary<string, string> weightMap)
    {
        using var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (key, file) in weightMap) json.WriteString(key, file);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardNamePattern();

    private static void RemoveStaleWeightFiles(string dir, List<string> written)
    {
        var keep = new HashSet<string>(written, StringComparer.Ordinal);
        var stale = Directory.EnumerateFiles(dir)
            .Select(Path.GetFileName)
            .Where(name => name is SingleFileName or IndexFileName || ShardNamePattern().IsMatch(name!))
            .Where(name => !keep.Contains(name!));
        foreach (var name in stale.ToList())
        {
            var path = Path.Combine(dir, name!);
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new MuscleInputException($"cannot remove a weight file of an earlier save: {e.Message}", file: path, inner: e);
            }
        }
    }
}
