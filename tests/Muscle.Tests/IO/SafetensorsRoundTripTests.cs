using System.Buffers.Binary;
using System.Text.Json;
using System.Text;
using Muscle.IO;
using Muscle.Infrastructure;
using static TorchSharp.torch;

namespace Muscle.Tests.IO;

public class SafetensorsRoundTripTests
{
    /// <summary>Random tensors of every dtype, with the bit patterns that lossy paths tend to break.</summary>
    internal static Dictionary<string, Tensor> Sample(int seed)
    {
        var generator = new Generator((ulong)seed);
        var f32 = randn([3, 5], generator: generator);
        f32[0, 0] = tensor(float.NaN);
        f32[0, 1] = tensor(-0.0f);
        f32[0, 2] = tensor(float.Epsilon); // subnormal
        var i64 = randint(-(1L << 62), 1L << 62, [7], dtype: ScalarType.Int64, generator: generator);
        i64[0] = tensor(long.MinValue);
        i64[1] = tensor(long.MaxValue);
        return new Dictionary<string, Tensor>
        {
            ["model.f32"] = f32,
            ["model.bf16"] = randn([4, 3], generator: generator).to_type(ScalarType.BFloat16),
            ["model.i64"] = i64,
            ["gewicht.ä.名"] = randn([2, 2], generator: generator),
            ["scalar"] = tensor(3.25f),
            ["f16"] = randn([3], generator: generator).to_type(ScalarType.Float16),
            ["f64"] = randn([2], dtype: ScalarType.Float64, generator: generator),
            ["i32"] = randint(int.MinValue, int.MaxValue, [3], dtype: ScalarType.Int32, generator: generator),
            ["i16"] = randint(short.MinValue, short.MaxValue, [3], dtype: ScalarType.Int16, generator: generator),
            ["i8"] = randint(-128, 127, [3], dtype: ScalarType.Int8, generator: generator),
            ["u8"] = randint(0, 255, [3], dtype: ScalarType.Byte, generator: generator),
            ["flags"] = tensor(new[] { true, false, true }),
            ["empty"] = zeros([0, 3]),
        };
    }

    internal static void AssertBitExact(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in expected)
        {
            Assert.True(tensor.dtype == actual[name].dtype, $"dtype of '{name}'");
            Assert.Equal(tensor.shape, actual[name].shape);
            using var contiguous = tensor.contiguous();
            Assert.True(contiguous.bytes.SequenceEqual(actual[name].bytes), $"bytes of '{name}'");
        }
    }

    [Fact]
    public void RoundTripIsBitExactForEveryDType()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var tensors = Sample(1);
        var path = dir.File("model.safetensors");
        Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });

        AssertBitExact(tensors, Safetensors.Load(path));
        var header = Safetensors.ReadHeader(path);
        Assert.Equal("ünïcode", header.Metadata["note"]);
        Assert.Empty(header.Warnings);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName)); // no temp file left
    }

    [Fact]
    public void LayoutFollowsTheReferenceWriter()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var path = dir.File("x.safetensors");
        Safetensors.Save(path, Sample(2));
        var bytes = File.ReadAllBytes(path);
        var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var headerText = Encoding.UTF8.GetString(bytes, 8, (int)n);

        Assert.Equal(0, n % 8); // data starts 8-aligned
        var json = headerText.TrimEnd(' ');
        Assert.EndsWith("}", json);
        Assert.InRange(n - Encoding.UTF8.GetByteCount(json), 0, 7); // padded with spaces only
        Assert.Contains("gewicht.ä.名", headerText); // raw UTF-8, not \u escapes
        Assert.Equal(Encoding.UTF8.GetByteCount(headerText), n);

        var header = Safetensors.ReadHeader(path);
        foreach (var entry in header.Entries)
            Assert.True((header.DataOffset + entry.Begin) % entry.DType.Size() == 0, $"'{entry.Name}' is not aligned");
        // Descending element size, then ordinal name.
        var order = header.Entries.Where(e => e.ByteLength > 0).Select(e => (-e.DType.Size(), e.Name)).ToList();
        Assert.Equal(order.OrderBy(o => o.Item1).ThenBy(o => o.Name, StringComparer.Ordinal), order);
        using var doc = JsonDocument.Parse(headerText);
        Assert.False(doc.RootElement.TryGetProperty("__metadata__", out _));
    }

    [Fact]
    public void NonContiguousTensorsAndTinyChunksRoundTrip()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var transposed = arange(24, dtype: ScalarType.Float32).reshape(4, 6).t();
        var bf16 = arange(1001, dtype: ScalarType.Float32).to_type(ScalarType.BFloat16);
        var tensors = new Dictionary<string, Tensor> { ["t"] = transposed, ["b"] = bf16 };
        var path = dir.File("chunks.safetensors");
        // 6-byte chunks: F32 moves 1 element per chunk, BF16 3, and 1001 is not a multiple of 3.
        Safetensors.Save(path, tensors, null, chunkBytes: 6);
        var loaded = Safetensors.Load(path, device: null, chunkBytes: 6);
        Assert.Equal(transposed.contiguous().data<float>().ToArray(), loaded["t"].data<float>().ToArray());
        AssertBitExact(tensors, loaded);
        AssertBitExact(tensors, Safetensors.Load(path));
    }

    [Fact]
    public void TruncatedFileNamesTheFileAndTheMissingBytes()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var path = dir.File("cut.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = ones(10), ["b"] = ones(3, dtype: ScalarType.Int64) });
        var full = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(full - 3);

        var e = Assert.Throws<MuscleInputException>(() => Safetensors.Load(path));
        Assert.Equal(path, e.File);
        Assert.Contains($"truncated: expected {full} bytes, file has {full - 3}", e.Message);
        Assert.Contains("'a'", e.Message); // F32 'a' is laid out after I64 'b', so it is the one cut off
    }

    [Fact]
    public void MissingFileIsAnInputError()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<MuscleInputException>(() => Safetensors.Load(dir.File("absent.safetensors")));
        Assert.Equal("file not found", e.Message);
    }

    [Fact]
    public void UnsupportedTensorsAreRefused()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        Assert.Throws<NotSupportedException>(() =>
            Safetensors.Save(dir.File("c.safetensors"), new Dictionary<string, Tensor> { ["c"] = zeros(2, dtype: ScalarType.ComplexFloat32) }));
        Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(dir.File("m.safetensors"), new Dictionary<string, Tensor> { ["__metadata__"] = zeros(2) }));
        Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(dir.File("meta.safetensors"), new Dictionary<string, Tensor> { ["w"] = empty(2, 2, device: META) }));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void MetaDeviceTensorsCarryShapeAndDTypeWithoutStorage()
    {
        // For the models helper: torch.empty(shape, dtype, device: META) exists in TorchSharp 0.107 and allocates nothing.
        using var t = empty([4096L, 4096L, 64L], dtype: ScalarType.BFloat16, device: META);
        Assert.True(t.is_meta);
        Assert.Equal([4096L, 4096L, 64L], t.shape);
        Assert.Equal(ScalarType.BFloat16, t.dtype);
    }

    /// <summary>
    /// A real tensor over 2 GB (2^29 + 3 floats, 2 GiB + 12 bytes), opt-in because it needs ~6 GB of RAM and
    /// 2 GB of disk: set MUSCLE_BIG_TENSOR_TEST=1.
    /// </summary>
    [BigTensorFact]
    public void TensorOver2GBRoundTrips()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        const long count = (1L << 29) + 3;
        var big = arange(count, dtype: ScalarType.Int64).to_type(ScalarType.Float32);
        var path = dir.File("big.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["big"] = big });
        Assert.True(new FileInfo(path).Length > (2L << 30));
        var loaded = Safetensors.Load(path)["big"];
        Assert.Equal([count], loaded.shape);
        Assert.True(big.equal(loaded).all().item<bool>());
        Assert.Equal((float)(count - 1), loaded[count - 1].item<float>());
    }
}

/// <summary>Skipped, with the reason, unless MUSCLE_BIG_TENSOR_TEST=1.</summary>
public sealed class BigTensorFactAttribute : FactAttribute
{
    public BigTensorFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MUSCLE_BIG_TENSOR_TEST") != "1")
            Skip = "needs ~5 GB RAM and 2 GB disk; set MUSCLE_BIG_TENSOR_TEST=1 to run";
    }
}
