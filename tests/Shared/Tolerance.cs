namespace Muscle.Testing;

/// <summary>
/// How far two floating-point results of the same computation may differ when only the order of operations
/// differs (another kernel, chunking, thread count, a reference written in another library): a relative part,
/// scaled by the size of the values compared, plus a small absolute floor for values near zero. Rounding error
/// grows with the magnitude of what is summed, so a bound that ignores the scale is either loose for small values
/// or flaky for large ones (logits of size 10 differ by ~1e-5 in fp32 between merged and unmerged LoRA).
/// Where the claim is exactness (bit-identical resume, identical greedy ids, k = V cache), tests compare bytes or
/// ids instead.
/// </summary>
public readonly record struct Tolerance(double Relative, double Absolute)
{
    /// <summary>fp32 (ε = 1.2e-7): about 100 ε relative leaves room for reductions over thousands of terms.</summary>
    public static readonly Tolerance Float32 = new(1e-5, 1e-6);

    /// <summary>fp32 against a reference computed by another library (PyTorch, transformers) with other kernels.</summary>
    public static readonly Tolerance Float32Reference = new(2e-5, 1e-5);

    /// <summary>bf16 (ε = 7.8e-3): a few ulps of the largest value.</summary>
    public static readonly Tolerance BFloat16 = new(3e-2, 1e-2);

    /// <summary>A whole model forward in bf16 against the same model in fp32 (error compounds over layers).</summary>
    public static readonly Tolerance BFloat16Model = new(5e-2, 1e-2);

    /// <summary>The largest allowed difference for values whose magnitude is at most <paramref name="scale"/>.</summary>
    public double Bound(double scale) => Absolute + Relative * Math.Abs(scale);

    /// <summary>Asserts |actual − expected| within <see cref="Bound"/> of |expected|, naming what was compared.</summary>
    public void AssertClose(double expected, double actual, string what = "value")
    {
        var diff = Math.Abs(actual - expected);
        if (!(diff <= Bound(expected)))
            throw new Xunit.Sdk.XunitException(
                $"{what}: expected {expected:R}, got {actual:R} (|diff| {diff:E3} > {Bound(expected):E3} = {Absolute:E0} + {Relative:E0}·|expected|)");
    }
}
