namespace Muscle.Compatibility;

/// <summary>
/// Exact (binomial) McNemar test on the discordant cells of a paired 2×2 table:
/// p = min(1, 2·Σ_{k≤min(u,w)} C(u+w, k)·2^−(u+w)), and 1 when there are no discordant pairs.
/// The sum runs in log space so it stays exact-enough for tens of thousands of flips.
/// </summary>
public static class McNemar
{
    /// <param name="u">pairs with a = 1, b = 0 (e.g. n₁₀, negative flips).</param>
    /// <param name="w">pairs with a = 0, b = 1 (e.g. n₀₁, positive flips).</param>
    public static double ExactP(int u, int w)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(u);
        ArgumentOutOfRangeException.ThrowIfNegative(w);
        var n = u + w;
        if (n == 0) return 1.0;
        var kMax = Math.Min(u, w);
        var logHalfPowN = -n * Math.Log(2);
        // log C(n, k) built incrementally: log C(n, k) = log C(n, k−1) + log(n−k+1) − log k.
        var logTerms = new double[kMax + 1];
        var logC = 0.0;
        for (var k = 0; k <= kMax; k++)
        {
            if (k > 0) logC += Math.Log(n - k + 1) - Math.Log(k);
            logTerms[k] = logC + logHalfPowN;
        }
        var max = logTerms.Max();
        var sum = logTerms.Sum(t => Math.Exp(t - max));
        return Math.Min(1.0, 2 * Math.Exp(max + Math.Log(sum)));
    }
}
