using Muscle.Models;

namespace Muscle.Tests;

/// <summary>
/// A fact that compares the CPU with every other device present (<see cref="ComputeDevices.Present"/>); skipped, with a
/// message, where the CPU is the only one (this build uses TorchSharp-cpu unless built with <c>-p:TorchBackend=cuda</c>).
/// </summary>
public sealed class AcceleratorFactAttribute : FactAttribute
{
    public AcceleratorFactAttribute()
    {
        if (ComputeDevices.Present().Count < 2)
            Skip = "only the CPU is present (no CUDA device, or a TorchSharp-cpu build); scripts/gpu-check.sh runs this on a GPU machine";
    }
}
