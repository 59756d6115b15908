using Muscle.Infrastructure;
using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Devices;

/// <summary><c>--device</c>: auto / cpu / cuda / cuda:N, resolved against faked CUDA facts and against this machine.</summary>
public sealed class ComputeDevicesTests
{
    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void WithoutCudaAutoAndCpuAreTheCpu(string spec)
    {
        var device = ComputeDevices.Resolve(spec, () => false, () => 0);
        Assert.Equal(DeviceType.CPU, device.type);
        Assert.Equal("cpu", ComputeDevices.Name(device));
    }

    [Theory]
    [InlineData("auto", 0)]
    [InlineData("cuda", 0)]
    [InlineData("cuda:1", 1)]
    public void WithCudaAutoIsTheFirstCudaDevice(string spec, int index)
    {
        var device = ComputeDevices.Resolve(spec, () => true, () => 2);
        Assert.Equal(DeviceType.CUDA, device.type);
        Assert.Equal(index, device.index);
        Assert.Equal($"cuda:{index}", ComputeDevices.Name(device));
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    public void ACudaRequestWithoutCudaSaysHowToGetACudaBuild(string spec)
    {
        var e = Assert.Throws<MuscleInputException>(() => ComputeDevices.Resolve(spec, () => false, () => 0));
        Assert.Contains($"--device {spec}: this muscle has no CUDA", e.OneLine());
        Assert.Contains("dotnet build -c Release -p:TorchBackend=cuda", e.OneLine());
    }

    [Theory]
    [InlineData("cuda:2", "this machine has 2 CUDA devices (cuda:0 .. cuda:1)")]
    [InlineData("gpu", "unsupported --device 'gpu' (use auto, cpu, cuda or cuda:N)")]
    [InlineData("cuda:-1", "unsupported --device 'cuda:-1'")]
    [InlineData("cuda:x", "unsupported --device 'cuda:x'")]
    public void BadDevicesAreRefused(string spec, string message)
    {
        var e = Assert.Throws<MuscleInputException>(() => ComputeDevices.Resolve(spec, () => true, () => 2));
        Assert.Contains(message, e.OneLine());
    }

    [Fact]
    public void AutoOnThisMachineFollowsTorchCuda()
    {
        var device = ComputeDevices.Resolve("auto");
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
        Assert.Equal(DeviceType.CPU, ComputeDevices.Present()[0].type);
    }
}
