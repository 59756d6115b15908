namespace Muscle.Compatibility;

/// <summary>A two-sided confidence interval for a rate, as fractions.</summary>
public readonly record struct RateInterval(double Lower, double Upper);

/// <summary>
/// Wilson score interval for k successes out of n: unlike the normal approximation it stays
/// inside [0, 1] and keeps sensible coverage at small n and rates near 0, which is where NFR lives.
/// </summary>
public static class Wilson
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.96;

    public static RateInterval Interval(int k, int n, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (n == 0) return new RateInterval(0, 1);
        var p = (double)k / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2.0 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        // At k = 0 and k = n the bound is exactly 0 / 1; the formula only reaches it up to rounding.
        var lower = k == 0 ? 0 : Math.Max(0, centre - half);
        var upper = k == n ? 1 : Math.Min(1, centre + half);
        return new RateInterval(lower, upper);
    }
}
