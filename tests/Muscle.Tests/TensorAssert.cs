using static TorchSharp.torch;

namespace Muscle.Tests;

/// <summary>Tensor comparisons under a <see cref="Tolerance"/>: max |a − b| against the bound at max |expected|.</summary>
public static class TensorAssert
{
    /// <summary>The tolerance for results computed in <paramref name="dtype"/>.</summary>
    public static Tolerance For(ScalarType dtype) => dtype == ScalarType.BFloat16 ? Tolerance.BFloat16 : Tolerance.Float32;

    /// <summary>max |actual − expected| over all elements, in fp32.</summary>
    public static double MaxDiff(Tensor expected, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return (actual.to_type(ScalarType.Float32) - expected.to_type(ScalarType.Float32)).abs().max().item<float>();
    }

    /// <summary>
    /// Asserts max |actual − expected| ≤ tol.Absolute + tol.Relative · max |expected| (a norm-wise bound, as rounding
    /// error scales with the terms summed, not with each result).
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, Tolerance tol, string what = "tensor")
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var scale = expected.to_type(ScalarType.Float32).abs().max().item<float>();
        var diff = MaxDiff(expected, actual);
        if (!(diff <= tol.Bound(scale)))
            throw new Xunit.Sdk.XunitException(
                $"{what}: max |diff| {diff:E3} > {tol.Bound(scale):E3} (= {tol.Absolute:E0} + {tol.Relative:E0}·{scale:G4})");
    }

    /// <summary><see cref="Close(Tensor, Tensor, Tolerance, string)"/> with the tolerance of <paramref name="expected"/>'s dtype.</summary>
    public static void Close(Tensor expected, Tensor actual, string what = "tensor") =>
        Close(expected, actual, For(expected.dtype), what);
}
