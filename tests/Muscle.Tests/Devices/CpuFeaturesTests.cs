using Muscle.Models;

namespace Muscle.Tests.Devices;

/// <summary>The flags of /proc/cpuinfo, parsed from made-up texts (x86 and arm64) and from a file.</summary>
public sealed class CpuFeaturesTests
{
    private const string Avx2Machine = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) CPU @ 2.20GHz
        flags		: fpu vme de pse tsc msr sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2

        processor	: 1
        model name	: Intel(R) Xeon(R) CPU @ 2.20GHz
        flags		: fpu vme de pse tsc msr sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 avx512_bf16
        """;

    [Fact]
    public void TheFirstProcessorsFlagsAreRead()
    {
        var cpu = CpuFeatures.Parse(Avx2Machine);
        Assert.Equal("Intel(R) Xeon(R) CPU @ 2.20GHz", cpu.ModelName);
        Assert.Contains("avx2", cpu.Flags);
        Assert.DoesNotContain("avx512_bf16", cpu.Flags);
        Assert.False(cpu.HasNativeBf16);
    }

    [Theory]
    [InlineData("flags\t\t: avx2 avx512f avx512_bf16", true)]
    [InlineData("flags\t\t: avx2 amx_tile amx_bf16", true)]
    [InlineData("flags\t\t: avx2 avx512f avx512bw", false)]
    [InlineData("Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 bf16", false)] // arm64: not a flag muscle relies on
    [InlineData("", false)]
    public void NativeBf16IsAvx512Bf16OrAmxBf16(string text, bool native)
    {
        Assert.Equal(native, CpuFeatures.Parse(text).HasNativeBf16);
    }

    [Fact]
    public void AFileIsReadAndAMissingOneHasNoFlags()
    {
        var path = Path.Combine(Path.GetTempPath(), "muscle-cpuinfo-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "model name\t: Fake Zen 4\nflags\t\t: avx2 avx512_bf16\n");
        try
        {
            var cpu = CpuFeatures.Read(path);
            Assert.Equal("Fake Zen 4", cpu.ModelName);
            Assert.True(cpu.HasNativeBf16);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Empty(CpuFeatures.Read(path).Flags);
        Assert.False(CpuFeatures.Read(path).HasNativeBf16);
    }
}
