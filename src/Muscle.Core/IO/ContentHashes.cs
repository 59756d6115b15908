using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Muscle.Infrastructure;

namespace Muscle.IO;

/// <summary>
/// Content keys of the files a run reads: the XXH128 hash (System.IO.Hashing, a fast non-cryptographic hash) of a
/// file's whole content. A key is computed once per change of the file: it is remembered in this process and in a
/// small cache file (the run directory's <see cref="OutputGuard.ContentKeysFileName"/>) under the file's identity —
/// full path, size, mtime, ctime (the change time, in nanoseconds) and device + inode, from stat(2)
/// (<see cref="FileStatus"/>). Any write to a file moves its ctime, and no user call can set ctime back, so a file
/// rewritten in place with its old size and mtime restored is still hashed again; a replaced file has a new inode.
/// A directory input (a model or an adapter) is keyed by the files a load reads: see <see cref="OfInput"/>.
/// </summary>
public sealed class ContentHashes
{
    /// <summary>Keys by file identity, for every instance of this process (an identity never maps to two contents).</summary>
    private static readonly ConcurrentDictionary<string, string> Memo = new(StringComparer.Ordinal);

    /// <summary>Weight formats no loader of muscle reads: a directory's key leaves them out (hashing them costs time, not safety).</summary>
    private static readonly string[] UnreadExtensions = [".bin", ".pt", ".pth", ".ckpt", ".gguf", ".h5", ".msgpack", ".onnx", ".ot"];

    private readonly string? _cacheFile;
    private readonly Dictionary<string, string> _cache = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <param name="cacheFile">Where the keys are kept between runs; null: in this process only.</param>
    public ContentHashes(string? cacheFile)
    {
        _cacheFile = cacheFile is null ? null : Path.GetFullPath(cacheFile);
        if (_cacheFile is not null) Load(_cacheFile, _cache);
    }

    /// <summary>Keys cached in <paramref name="runDirectory"/> (its <see cref="OutputGuard.ContentKeysFileName"/>).</summary>
    public static ContentHashes ForRunDirectory(string runDirectory) =>
        new(Path.Combine(runDirectory, OutputGuard.ContentKeysFileName));

    /// <summary>How many files this instance read in full (the rest came from the caches).</summary>
    public int FilesRead { get; private set; }

    /// <summary>The XXH128 key (32 hex digits) of <paramref name="file"/>'s whole content.</summary>
    public string OfFile(string file)
    {
        var full = Path.GetFullPath(file);
        var identity = Identity(full) ?? throw new MuscleInputException(
            OutputGuard.IsSpecialFile(full)
                ? "not a regular file (a pipe or a device): a run keys its inputs by content and reads them more than once; give a regular file"
                : "cannot read the file to key its content", full);
        lock (_gate)
        {
            if (_cache.TryGetValue(identity, out var cached)) return cached;
        }
        if (!Memo.TryGetValue(identity, out var key))
        {
            key = Hash(full);
            lock (_gate) FilesRead++;
            // A file that changed while it was read gets a key, but no cache entry under either identity.
            if (Identity(full) != identity) return key;
            Memo[identity] = key;
        }
        lock (_gate)
        {
            // The file's earlier identities are stale: keep one entry per path.
            foreach (var stale in _cache.Keys.Where(k => k.StartsWith(full + "\0", StringComparison.Ordinal)).ToList()) _cache.Remove(stale);
            _cache[identity] = key;
            Save();
        }
        return key;
    }

    /// <summary>
    /// The content keys of an input, by file name: a file gives itself; a directory (a model, an adapter, a tokenizer)
    /// gives every regular file at its top level that a load may read — weights and shard indexes, config.json,
    /// tokenizer and adapter files — leaving out hidden files (muscle's own bookkeeping), subdirectories (a run's
    /// checkpoints/) and weight formats muscle does not read (<c>.bin</c>, <c>.pt</c>, <c>.gguf</c>, ...).
    /// A missing path gives no keys.
    /// </summary>
    public SortedDictionary<string, string> OfInput(string path)
    {
        var keys = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(path)) keys[Path.GetFileName(path)] = OfFile(path);
        else if (Directory.Exists(path))
            foreach (var file in Directory.GetFiles(path).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith('.') || UnreadExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase))) continue;
                keys[name] = OfFile(file);
            }
        return keys;
    }

    /// <summary>One key for an input (see <see cref="OfInput"/>): "-" for none or a missing path, else XXH128 over its files' names and keys.</summary>
    public string Key(string? path)
    {
        if (path is null || !Path.Exists(path)) return "-";
        var text = new StringBuilder();
        foreach (var (name, key) in OfInput(path)) text.Append(name).Append('\0').Append(key).Append('\n');
        return Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>One key per input, in order (for a stage's fingerprint).</summary>
    public string[] Keys(params string?[] paths) => [.. paths.Select(Key)];

    private static string? Identity(string full)
    {
        if (FileStatus.Get(full) is not { } s || s.Type != 0x8000) return null;
        return $"{full}\0{s.Size}\0{s.MtimeNs}\0{s.CtimeNs}\0{s.Device}\0{s.Inode}";
    }

    private static string Hash(string full)
    {
        var hash = new XxHash128();
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            hash.Append(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MuscleInputException($"cannot read the file to key its content: {e.Message}", full, inner: e);
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private const string Format = "muscle-content-keys";

    /// <summary>Reads the cache; an unreadable one is ignored (it is rebuilt by hashing again).</summary>
    private static void Load(string cacheFile, Dictionary<string, string> into)
    {
        if (!File.Exists(cacheFile)) return;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(cacheFile)) is not JsonObject root || (string?)root["format"] != Format
                || (int?)root["version"] != 1 || root["files"] is not JsonObject files) return;
            foreach (var (identity, key) in files)
                if (key is JsonValue v && v.TryGetValue<string>(out var text) && text.Length == 32) into[identity] = text;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            into.Clear();
        }
    }

    private void Save()
    {
        if (_cacheFile is null) return;
        var files = new JsonObject();
        foreach (var (identity, key) in _cache.OrderBy(p => p.Key, StringComparer.Ordinal)) files[identity] = key;
        var root = new JsonObject
        {
            ["format"] = Format,
            ["version"] = 1,
            ["hash"] = "XXH128 of the whole file",
            ["identity"] = "full path, size, mtime ns, ctime ns, device, inode (NUL-separated)",
            ["files"] = files,
        };
        AtomicFile.WriteAllText(_cacheFile, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
