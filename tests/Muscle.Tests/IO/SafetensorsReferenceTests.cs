using Muscle.IO;
using static TorchSharp.torch;

namespace Muscle.Tests.IO;

/// <summary>
/// Reads Fixtures/reference.safetensors, written by Fixtures/make_fixture.py from the published format with only
/// struct and json, and checks every value against the literals in that script.
/// </summary>
public class SafetensorsReferenceTests
{
    private static readonly string FixturePath = IoTestFiles.Fixture("reference.safetensors");

    [Fact]
    public void HeaderMatchesThePythonWriter()
    {
        var header = Safetensors.ReadHeader(FixturePath);
        Assert.Equal(856, header.HeaderLength); // 853 characters, 3 more bytes for ä and 名
        Assert.Equal(976, header.FileLength);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["source"] = "make_fixture.py" }, header.Metadata);
        // Data order, although the JSON lists the keys in reverse.
        Assert.Equal(["a.f64", "b.i64", "c.f32", "d.i32", "e.scalar", "gewicht.ä.名", "f.bf16", "g.f16", "h.i16", "i.i8", "j.u8", "k.bool", "l.empty"],
            header.Names);
        Assert.Empty(header.Warnings);
    }

    [Fact]
    public void ValuesMatchThePythonWriter()
    {
        using var scope = NewDisposeScope();
        var t = Safetensors.Load(FixturePath);

        Assert.Equal(ScalarType.Float64, t["a.f64"].dtype);
        Assert.Equal([3.141592653589793, -1e300], t["a.f64"].data<double>().ToArray());
        Assert.Equal([(1L << 40) + 7, -1L, long.MinValue], t["b.i64"].data<long>().ToArray());

        Assert.Equal([2L, 3L], t["c.f32"].shape);
        Assert.Equal([1.0f, -2.5f, 0.1f, float.PositiveInfinity, -0.0f, float.MaxValue], t["c.f32"].data<float>().ToArray());
        Assert.True(float.IsNegative(t["c.f32"].data<float>()[4])); // -0.0 keeps its sign bit

        Assert.Equal([int.MinValue, 123456789], t["d.i32"].data<int>().ToArray());
        Assert.Empty(t["e.scalar"].shape);
        Assert.Equal(42.5f, t["e.scalar"].item<float>());
        Assert.Equal([7.0f, -8.0f], t["gewicht.ä.名"].data<float>().ToArray());

        Assert.Equal(ScalarType.BFloat16, t["f.bf16"].dtype);
        Assert.Equal([2L, 2L], t["f.bf16"].shape);
        Assert.Equal([1.5f, -2.0f, 0.15625f, 65536.0f], t["f.bf16"].to_type(ScalarType.Float32).data<float>().ToArray());

        Assert.Equal(ScalarType.Float16, t["g.f16"].dtype);
        Assert.Equal([0.5f, -65504.0f, 6.103515625e-05f], t["g.f16"].to_type(ScalarType.Float32).data<float>().ToArray());

        Assert.Equal([(short)-32768, (short)32767], t["h.i16"].data<short>().ToArray());
        Assert.Equal([(sbyte)-128, (sbyte)0, (sbyte)127], t["i.i8"].data<sbyte>().ToArray());
        Assert.Equal([(byte)0, (byte)128, (byte)255], t["j.u8"].data<byte>().ToArray());
        Assert.Equal([true, false, false, true], t["k.bool"].data<bool>().ToArray());
        Assert.Equal([0L, 4L], t["l.empty"].shape);
    }

    [Fact]
    public void RewritingTheFixtureReproducesItsData()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var original = Safetensors.Load(FixturePath);
        var copy = dir.File("copy.safetensors");
        Safetensors.Save(copy, original, new Dictionary<string, string> { ["format"] = "pt", ["source"] = "make_fixture.py" });
        var again = Safetensors.Load(copy);
        Assert.Equal(original.Keys.Order(), again.Keys.Order());
        foreach (var (name, tensor) in original)
        {
            Assert.Equal(tensor.dtype, again[name].dtype);
            Assert.Equal(tensor.shape, again[name].shape);
            Assert.Equal(tensor.bytes.ToArray(), again[name].bytes.ToArray());
        }
    }
}
