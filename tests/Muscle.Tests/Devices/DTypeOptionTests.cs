using System.CommandLine;
using Muscle.Cli.Infrastructure;
using Muscle.Models;
using Muscle.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Devices;

/// <summary>
/// <c>--dtype</c> through <see cref="ModelOptionSet"/> with a faked CPU: the choice for a bf16 checkpoint, and the
/// note or warning printed once on the notes writer (stderr in the CLI).
/// </summary>
public sealed class DTypeOptionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "muscle-dtype-option-" + Guid.NewGuid().ToString("N"));

    public DTypeOptionTests()
    {
        Directory.CreateDirectory(_dir);
        var config = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs", "_valid", "tiny-llama", "config.json"));
        File.WriteAllText(Path.Combine(_dir, "config.json"), config.Replace("\"torch_dtype\": \"float32\"", "\"torch_dtype\": \"bfloat16\""));
        Assert.Equal("bfloat16", DTypePolicy.CheckpointDType(_dir));
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private (ModelSelection Selection, string[] Notes) Bind(CpuFeatures cpu, params string[] args)
    {
        var options = new ModelOptionSet() { Cpu = cpu };
        var root = new RootCommand();
        options.AddTo(root);
        var parse = root.Parse(["--model", _dir, "--device", "cpu", .. args]);
        Assert.Empty(parse.Errors);
        var notes = new StringWriter();
        var selection = options.Bind(parse, notes);
        return (selection, notes.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void AutoIsTheDefaultAndPicksFloat32OnAnAvx2OnlyCpuWithOneNote()
    {
        var (selection, notes) = Bind(CpuFeatures.WithFlags("avx", "avx2", "fma"));
        Assert.Equal(ScalarType.Float32, selection.DType);
        Assert.Equal(DeviceType.CPU, selection.Device.type);
        var note = Assert.Single(notes);
        Assert.StartsWith("note: --dtype auto: the checkpoint is bfloat16 but this CPU has no native bf16", note);
    }

    [Fact]
    public void AutoPicksBf16OnAnAvx512Bf16CpuSilently()
    {
        var (selection, notes) = Bind(CpuFeatures.WithFlags("avx2", "avx512f", "avx512_bf16"));
        Assert.Equal(ScalarType.BFloat16, selection.DType);
        Assert.Empty(notes);
    }

    [Fact]
    public void ExplicitBf16WithoutNativeSupportWarnsOnce()
    {
        var (selection, notes) = Bind(CpuFeatures.WithFlags("avx2"), "--dtype", "bfloat16");
        Assert.Equal(ScalarType.BFloat16, selection.DType);
        var warning = Assert.Single(notes);
        Assert.StartsWith("warning: --dtype bfloat16 is emulated here", warning);
        Assert.Contains("~20x slower than float32", warning);
    }
}
