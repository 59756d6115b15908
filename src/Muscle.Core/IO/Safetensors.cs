using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Muscle.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.IO;

/// <summary>
/// Reads and writes safetensors files without a Python bridge. Tensor data moves between the file and native
/// tensor memory in chunks of at most <see cref="ChunkBytes"/>, so tensors over 2 GB work and no managed buffer
/// of the tensor's size is ever allocated.
/// </summary>
public static class Safetensors
{
    /// <summary>Largest single read or write; well under the 2 GB limit of a span.</summary>
    public const int ChunkBytes = 64 << 20;

    /// <summary>Reads and validates only the header.</summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return SafetensorsHeader.Parse(stream, stream.Length, path);
    }

    /// <summary>
    /// Loads every tensor as a CPU tensor of its stored dtype (BF16 stays BF16), then moves it to
    /// <paramref name="device"/> if one is given. The result's tensors belong to the caller's dispose scope, if any.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null) => Load(path, device, ChunkBytes);

    /// <summary><see cref="Load(string, Device?)"/> with a chosen chunk size, so tests can cover the chunk loop cheaply.</summary>
    internal static Dictionary<string, Tensor> Load(string path, Device? device, int chunkBytes)
    {
        using var stream = OpenRead(path);
        var header = SafetensorsHeader.Parse(stream, stream.Length, path);
        return Load(stream, header, header.Names, device, chunkBytes);
    }

    /// <summary>Loads the named tensors of an already parsed file (used for shards).</summary>
    internal static Dictionary<string, Tensor> Load(FileStream stream, SafetensorsHeader header, IEnumerable<string> names,
        Device? device, int chunkBytes = ChunkBytes)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported");
        using var scope = NewDisposeScope();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!header.TryGetEntry(name, out var entry))
                throw new ArgumentException($"'{name}' is not in {header.Path}", nameof(names));
            var tensor = empty(entry.Shape.ToArray(), dtype: ToScalarType(entry.DType));
            ReadData(stream, header, entry, tensor, chunkBytes);
            if (device is not null && device.type != DeviceType.CPU)
                tensor = tensor.to(device);
            result.Add(name, tensor);
        }
        foreach (var tensor in result.Values) tensor.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> atomically. The data is laid out by descending element size, then by
    /// ordinal name, as the reference serializer does, which keeps every tensor aligned to its element size; the
    /// header is padded with spaces to a multiple of 8 bytes. Tensors are copied to contiguous CPU memory one at a time.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors, metadata, ChunkBytes);

    internal static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata,
        int chunkBytes)
    {
        var layout = PlanLayout(tensors);
        var headerBytes = BuildHeader(layout, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
            stream.Write(length);
            stream.Write(headerBytes);
            foreach (var item in layout)
                WriteData(stream, tensors[item.Name], chunkBytes);
        });
    }

    /// <summary>Bytes of data a tensor occupies in a safetensors file.</summary>
    public static long ByteSize(Tensor tensor) => tensor.numel() * ToDType(tensor.dtype, "tensor").Size();

    public static ScalarType ToScalarType(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 => ScalarType.Float64,
        SafetensorsDType.F32 => ScalarType.Float32,
        SafetensorsDType.F16 => ScalarType.Float16,
        SafetensorsDType.BF16 => ScalarType.BFloat16,
        SafetensorsDType.I64 => ScalarType.Int64,
        SafetensorsDType.I32 => ScalarType.Int32,
        SafetensorsDType.I16 => ScalarType.Int16,
        SafetensorsDType.I8 => ScalarType.Int8,
        SafetensorsDType.U8 => ScalarType.Byte,
        SafetensorsDType.BOOL => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The safetensors dtype of a tensor; complex and quantized types have none.</summary>
    public static SafetensorsDType ToDType(ScalarType type, string tensorName) => type switch
    {
        ScalarType.Float64 => SafetensorsDType.F64,
        ScalarType.Float32 => SafetensorsDType.F32,
        ScalarType.Float16 => SafetensorsDType.F16,
        ScalarType.BFloat16 => SafetensorsDType.BF16,
        ScalarType.Int64 => SafetensorsDType.I64,
        ScalarType.Int32 => SafetensorsDType.I32,
        ScalarType.Int16 => SafetensorsDType.I16,
        ScalarType.Int8 => SafetensorsDType.I8,
        ScalarType.Byte => SafetensorsDType.U8,
        ScalarType.Bool => SafetensorsDType.BOOL,
        _ => throw new NotSupportedException($"tensor '{tensorName}' has dtype {type}, which safetensors cannot store"),
    };

    internal static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var what = e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : $"cannot read: {e.Message}";
            throw new MuscleInputException(what, file: path, inner: e);
        }
    }

    private sealed record Planned(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End);

    private static List<Planned> PlanLayout(IReadOnlyDictionary<string, Tensor> tensors)
    {
        var planned = new List<Planned>(tensors.Count);
        foreach (var (name, tensor) in tensors
                     .Select(kv => (kv.Key, kv.Value))
                     .OrderByDescending(kv => ToDType(kv.Value.dtype, kv.Key).Size())
                     .ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (name == "__metadata__")
                throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor", nameof(tensors));
            if (tensor.is_meta)
                throw new ArgumentException($"tensor '{name}' is on the meta device and has no data to save", nameof(tensors));
            var begin = planned.Count == 0 ? 0 : planned[^1].End;
            var dtype = ToDType(tensor.dtype, name);
            planned.Add(new Planned(name, dtype, tensor.shape, begin, begin + tensor.numel() * dtype.Size()));
        }
        return planned;
    }

    private static byte[] BuildHeader(List<Planned> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping writes non-ASCII names as raw UTF-8, as the reference does; the length counts those bytes.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var item in layout)
            {
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", item.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var dim in item.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(item.Begin);
                json.WriteNumberValue(item.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        var padding = (int)((8 - buffer.Length % 8) % 8);
        for (var i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void ReadData(FileStream stream, SafetensorsHeader header, SafetensorsEntry entry, Tensor tensor, int chunkBytes)
    {
        if (entry.ByteLength == 0) return;
        var elementSize = entry.DType.Size();
        var chunkElements = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1);
        var elements = flat.numel();
        var fileOffset = header.DataOffset + entry.Begin;
        for (long start = 0; start < elements; start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, elements - start));
            var target = part.bytes;
            while (!target.IsEmpty)
            {
                var got = RandomAccess.Read(stream.SafeFileHandle, target, fileOffset);
                if (got == 0)
                {
                    // The header was validated against the length seen at open, so the file shrank while we read.
                    throw new MuscleInputException(
                        $"safetensors file truncated: expected {header.DataOffset + entry.End} bytes, file has {fileOffset} " +
                        $"(reading tensor '{entry.Name}')", file: header.Path);
                }
                fileOffset += got;
                target = target[got..];
            }
        }
    }

    private static void WriteData(Stream stream, Tensor tensor, int chunkBytes)
    {
        if (tensor.numel() == 0) return;
        using var scope = NewDisposeScope();
        var contiguous = tensor.detach().cpu().contiguous();
        var flat = contiguous.view(-1);
        var chunkElements = Math.Max(1, chunkBytes / (int)contiguous.element_size());
        var elements = flat.numel();
        for (long start = 0; start < elements; start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, elements - start));
            stream.Write(part.bytes);
        }
    }
}
