using TorchSharp;

namespace Muscle.Tests;

/// <summary>A theory about what a machine without CUDA answers; skipped, with a message, where CUDA is present.</summary>
public sealed class WithoutCudaTheoryAttribute : TheoryAttribute
{
    public WithoutCudaTheoryAttribute()
    {
        if (torch.cuda.is_available()) Skip = "CUDA is present here, so a CUDA request is valid (the device parity tests cover it)";
    }
}
