using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using Muscle.Infrastructure;

namespace Muscle.IO;

/// <summary>
/// One tensor of a safetensors file. <see cref="Begin"/> and <see cref="End"/> are byte offsets into the data
/// region, which starts at <see cref="SafetensorsHeader.DataOffset"/> in the file.
/// </summary>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    /// <summary>Product of <see cref="Shape"/>; 1 for a scalar (empty shape).</summary>
    public long ElementCount => ByteLength / DType.Size();

    public string ShapeText => FormatShape(Shape);

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>
/// The validated header of a safetensors file (https://github.com/huggingface/safetensors, "Format"):
/// 8 bytes little-endian header length N, N bytes of UTF-8 JSON, then the data region.
/// Parsing is pure C# and touches no tensor library, so it is safe to run on untrusted input.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The reference implementation's limit (MAX_HEADER_SIZE); larger headers are refused.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly Dictionary<string, SafetensorsEntry> _byName;

    private SafetensorsHeader(string path, long fileLength, long headerLength, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyList<SafetensorsEntry> entries, IReadOnlyList<string> warnings)
    {
        Path = path;
        FileLength = fileLength;
        HeaderLength = headerLength;
        Metadata = metadata;
        Entries = entries;
        Warnings = warnings;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    public long FileLength { get; }

    /// <summary>N: the JSON header's length in UTF-8 bytes, padding included.</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the data region (8 + N).</summary>
    public long DataOffset => 8 + HeaderLength;

    public long DataLength => FileLength - DataOffset;

    /// <summary>The optional <c>__metadata__</c> map; empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>All tensors, sorted by begin offset (then end, then name), whatever the JSON order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Problems that do not stop reading, e.g. bytes of the data region that no tensor covers.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public IEnumerable<string> Names => Entries.Select(e => e.Name);

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGetEntry(string name, out SafetensorsEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>Parses from <paramref name="prefix"/>, which holds at least the first 8 + N bytes of the file.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        var n = ReadHeaderLength(prefix, fileLength, path);
        if (prefix.Length < 8 + n)
            throw Fail($"only {prefix.Length} bytes given, but the header needs {8 + n}", path);
        return ParseJson(prefix.Slice(8, (int)n), n, fileLength, path);
    }

    /// <summary>Parses from <paramref name="stream"/>, positioned at the start of the file.</summary>
    public static SafetensorsHeader Parse(Stream stream, long fileLength, string path)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        var got = stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false);
        var n = ReadHeaderLength(lengthBytes[..got], fileLength, path);
        var json = new byte[n];
        got = stream.ReadAtLeast(json, json.Length, throwOnEndOfStream: false);
        if (got < n)
            throw Fail($"truncated: expected at least {8 + n} bytes, file has {8 + got}", path);
        return ParseJson(json, n, fileLength, path);
    }

    private static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        if (fileLength < 8 || prefix.Length < 8)
            throw Fail($"truncated: expected at least 8 bytes, file has {Math.Min(fileLength, prefix.Length)}", path);
        var n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n == 0)
            throw Fail("header length is 0", path);
        if (n > MaxHeaderLength)
            throw Fail($"header length {n} exceeds the limit of {MaxHeaderLength} bytes", path);
        if ((long)n > fileLength - 8)
            throw Fail($"header length {n} exceeds the file (truncated: expected at least {8 + (long)n} bytes, file has {fileLength})", path);
        return (long)n;
    }

    private static SafetensorsHeader ParseJson(ReadOnlySpan<byte> json, long n, long fileLength, string path)
    {
        if (!Utf8.IsValid(json))
            throw Fail("header is not valid UTF-8", path);
        // The reference reader insists on '{' first (no BOM, no leading space); padding goes at the end.
        if (json[0] != (byte)'{')
            throw Fail("header does not start with '{'", path);

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw Fail($"header is not valid JSON: {e.Message}", path, e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Fail("header is not a JSON object", path);

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafetensorsEntry>();
            try
            {
                ReadProperties(doc.RootElement, metadata, entries, path);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json accepts escapes such as a lone "\ud800" while parsing and only fails when the
                // string is read; the reference (serde_json) rejects them outright.
                throw Fail($"header holds a string that is not valid Unicode: {e.Message}", path, e);
            }

            var dataLength = fileLength - 8 - n;
            var furthest = entries.Count == 0 ? null : entries.MaxBy(e => e.End);
            if (furthest is not null && furthest.End > dataLength)
            {
                throw Fail($"data_offsets [{furthest.Begin}, {furthest.End}] lie outside the data region of {dataLength} bytes " +
                           $"for tensor '{furthest.Name}' (truncated: expected {8 + n + furthest.End} bytes, file has {fileLength})", path);
            }

            entries.Sort((a, b) =>
            {
                var c = a.Begin.CompareTo(b.Begin);
                if (c == 0) c = a.End.CompareTo(b.End);
                return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
            });
            var warnings = CheckLayout(entries, dataLength, path);
            return new SafetensorsHeader(path, fileLength, n, metadata, entries, warnings);
        }
    }

    private static void ReadProperties(JsonElement root, Dictionary<string, string> metadata, List<SafetensorsEntry> entries, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var metadataSeen = false;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (metadataSeen) throw Fail("duplicate __metadata__", path);
                metadataSeen = true;
                ReadMetadata(property.Value, metadata, path);
                continue;
            }
            if (!seen.Add(property.Name))
                throw Fail($"duplicate entry for tensor '{property.Name}'", path);
            entries.Add(ReadEntry(property.Name, property.Value, path));
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail("__metadata__ is not a JSON object", path);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Fail($"__metadata__ value for '{item.Name}' is not a string", path);
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Fail($"duplicate __metadata__ key '{item.Name}'", path);
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail($"entry is not a JSON object for tensor '{name}'", path);

        if (!value.TryGetProperty("dtype", out var dtypeJson))
            throw Fail($"missing dtype for tensor '{name}'", path);
        if (dtypeJson.ValueKind != JsonValueKind.String)
            throw Fail($"dtype is not a string for tensor '{name}'", path);
        var dtypeName = dtypeJson.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
            throw Fail($"unknown dtype '{dtypeName}' (supported: {SafetensorsDTypes.Names}) for tensor '{name}'", path);

        if (!value.TryGetProperty("shape", out var shapeJson))
            throw Fail($"missing shape for tensor '{name}'", path);
        var shape = ReadNonNegativeIntegers(shapeJson)
            ?? throw Fail($"shape must be a list of non-negative integers for tensor '{name}'", path);

        if (!value.TryGetProperty("data_offsets", out var offsetsJson))
            throw Fail($"missing data_offsets for tensor '{name}'", path);
        var offsets = ReadNonNegativeIntegers(offsetsJson);
        if (offsets is not { Length: 2 })
            throw Fail($"data_offsets must be [begin, end] with non-negative integers for tensor '{name}'", path);
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
            throw Fail($"data_offsets [{begin}, {end}] have begin > end for tensor '{name}'", path);

        var shapeText = SafetensorsEntry.FormatShape(shape);
        long expectedBytes = dtype.Size();
        foreach (var dim in shape)
        {
            // Overflow means the shape cannot possibly match any file, so it is an input error, not a crash.
            if (dim != 0 && expectedBytes > long.MaxValue / dim)
                throw Fail($"shape {shapeText} is too large for tensor '{name}'", path);
            expectedBytes *= dim;
        }
        if (expectedBytes != end - begin)
        {
            throw Fail($"shape {shapeText} × {dtype} ({dtype.Size()} bytes) needs {expectedBytes} bytes but data_offsets " +
                       $"[{begin}, {end}] span {end - begin} for tensor '{name}'", path);
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[]? ReadNonNegativeIntegers(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Array) return null;
        var values = new long[json.GetArrayLength()];
        var i = 0;
        foreach (var item in json.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0) return null;
            values[i++] = v;
        }
        return values;
    }

    /// <summary>Overlaps are errors; gaps and unused trailing bytes are only warnings (the reference refuses them).</summary>
    private static List<string> CheckLayout(List<SafetensorsEntry> sorted, long dataLength, string path)
    {
        var warnings = new List<string>();
        long covered = 0;
        SafetensorsEntry? previous = null;
        foreach (var entry in sorted)
        {
            // An empty tensor holds no bytes, so it cannot overlap or fill anything.
            if (entry.ByteLength == 0) continue;
            if (previous is not null && entry.Begin < covered)
            {
                throw Fail($"data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous.Name}' " +
                           $"[{previous.Begin}, {previous.End}] for tensor '{entry.Name}'", path);
            }
            if (entry.Begin > covered)
                warnings.Add($"{entry.Begin - covered} unused bytes before tensor '{entry.Name}'");
            covered = entry.End;
            previous = entry;
        }
        if (covered < dataLength)
            warnings.Add($"{dataLength - covered} unused bytes after the last tensor");
        return warnings;
    }

    private static MuscleInputException Fail(string what, string path, Exception? inner = null) =>
        new($"safetensors header: {what}", file: path, inner: inner);
}
