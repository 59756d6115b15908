using System.Globalization;
using Muscle.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>
/// <c>--device auto|cpu|cuda|cuda:N</c>: which TorchSharp device a command computes on. <c>auto</c> is the first CUDA
/// device when <c>torch.cuda.is_available()</c>, else the CPU (as <c>accelerate</c>'s default placement). A CUDA request
/// on a build or machine without CUDA is refused with one line saying how to get a CUDA build (README, "GPU").
/// </summary>
public static class ComputeDevices
{
    /// <summary>The value of <c>--device</c> when none is given.</summary>
    public const string Auto = "auto";

    /// <summary>What a CUDA request without CUDA is told (the build switch of Directory.Packages.props / Muscle.Core.csproj).</summary>
    public const string HowToGetCuda =
        "build muscle with CUDA on a machine with an NVIDIA driver: dotnet build -c Release -p:TorchBackend=cuda (README, GPU)";

    /// <summary>Resolves <paramref name="spec"/> against this process's LibTorch.</summary>
    public static Device Resolve(string spec) =>
        Resolve(spec, cuda.is_available, () => (int)cuda.device_count());

    /// <summary>Resolves <paramref name="spec"/> with the CUDA facts given (a test fakes them).</summary>
    public static Device Resolve(string spec, Func<bool> cudaAvailable, Func<int> cudaDeviceCount)
    {
        var s = spec.Trim().ToLowerInvariant();
        if (s == "cpu") return CPU;
        if (s == Auto) return cudaAvailable() ? new Device(DeviceType.CUDA, 0) : CPU;
        int index;
        if (s == "cuda") index = 0;
        else if (s.StartsWith("cuda:", StringComparison.Ordinal)
                 && int.TryParse(s.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out index)) { }
        else throw new MuscleInputException($"unsupported --device '{spec}' (use auto, cpu, cuda or cuda:N)");
        if (!cudaAvailable())
            throw new MuscleInputException(
                $"--device {spec}: this muscle has no CUDA (a CPU build of TorchSharp, or no NVIDIA driver); {HowToGetCuda}");
        var count = cudaDeviceCount();
        if (index >= count)
            throw new MuscleInputException(
                $"--device {spec}: this machine has {count} CUDA device{(count == 1 ? "" : "s")} (cuda:0{(count > 1 ? $" .. cuda:{count - 1}" : "")})");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>Every device this process can compute on: the CPU, then each CUDA device (for parity tests).</summary>
    public static IReadOnlyList<Device> Present()
    {
        var list = new List<Device> { CPU };
        if (cuda.is_available())
            for (var i = 0; i < (int)cuda.device_count(); i++) list.Add(new Device(DeviceType.CUDA, i));
        return list;
    }

    /// <summary>The name users write: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public static string Name(Device device) =>
        device.type == DeviceType.CPU ? "cpu" : $"{device.type.ToString().ToLowerInvariant()}:{Math.Max(0, device.index)}";

    /// <summary>Waits for the device's queued work (CUDA is asynchronous); a no-op on the CPU. For timings only.</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
