namespace Muscle.Infrastructure;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Worlds, data orders and splits must be identical on every machine, process and .NET version, which
/// <see cref="System.Random"/> does not promise, so the algorithm is spelled out here. Each part of the world
/// draws from its own named stream, so resizing one part (the corpus) leaves every other part unchanged.
/// </summary>
public sealed class StableRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public StableRandom(ulong seed)
    {
        var sm = seed;
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
    }

    /// <summary>An independent stream for the part called <paramref name="name"/> of the world with <paramref name="seed"/>.</summary>
    public static StableRandom Stream(long seed, string name)
    {
        // FNV-1a over the UTF-16 code units: stable, unlike string.GetHashCode which is randomised per process.
        var h = 14695981039346656037UL;
        foreach (var c in name)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        var mixed = unchecked((ulong)seed) ^ h;
        return new StableRandom(SplitMix64(ref mixed));
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="n"/>), without modulo bias (rejection on the top of the range).</summary>
    public int Next(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        var bound = (ulong)n;
        var limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong x;
        do x = NextUInt64(); while (x >= limit);
        return (int)(x % bound);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>] inclusive.</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Fisher–Yates, in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
