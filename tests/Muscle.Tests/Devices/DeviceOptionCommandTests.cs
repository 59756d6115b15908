using Muscle.Cli.Infrastructure;
using Muscle.Testing;
using TorchSharp;

namespace Muscle.Tests.Devices;

/// <summary><c>--device</c> through the CLI: a CUDA request on a machine without CUDA is one line and exit code 2.</summary>
public sealed class DeviceOptionCommandTests
{
    private static readonly string TinyModel = Path.Combine(SharedData.RepoRoot, "tests", "bad-inputs", "_valid", "tiny-llama");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = MuscleApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [WithoutCudaTheory]
    [InlineData("generate")]
    [InlineData("demo")]
    public void CudaWithoutCudaIsOneLineAndExitTwo(string command)
    {
        var dir = Path.Combine(Path.GetTempPath(), "muscle-device-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] args = command == "generate"
                ? ["generate", "--model", Path.GetFullPath(TinyModel), "--max-new-tokens", "2", "--greedy", "--device", "cuda"]
                : ["demo", "--quick", "--out", dir, "--device", "cuda:0"];
            var (code, output, err) = Run(args);
            Assert.Equal(MuscleApp.ExitBadInput, code);
            Assert.Equal("", output);
            var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("error: --device cuda", line);
            Assert.Contains("-p:TorchBackend=cuda", line);
            Assert.False(Directory.Exists(dir), "nothing is written before the device is resolved");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void AutoAndCpuRunHere()
    {
        var model = Path.GetFullPath(TinyModel);
        var auto = Run("generate", "--model", model, "--max-new-tokens", "3", "--greedy", "--ids");
        var cpu = Run("generate", "--model", model, "--max-new-tokens", "3", "--greedy", "--ids", "--device", "cpu", "--dtype", "float32");
        Assert.Equal(0, auto.Code);
        Assert.Equal(0, cpu.Code);
        Assert.DoesNotContain("--dtype", auto.Err); // a float32 checkpoint under auto: no note
        if (!torch.cuda.is_available()) Assert.Equal(cpu.Out, auto.Out);
    }
}
