using TorchSharp;

namespace Muscle.Tests;

/// <summary>Catches a regression of the Debian 12 libstdc++ fix (Directory.Build.targets): the first torch call must work.</summary>
public class NativeLoadTest
{
    [Fact]
    public void TorchCreatesAndMultipliesATensor()
    {
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }
}
