using Muscle.Infrastructure;

namespace Muscle.Tests.World;

public sealed class StableRandomTests
{
    [Fact]
    public void Xoshiro256StarStar_seeded_by_SplitMix64_matches_the_reference_sequence()
    {
        // Values from Fixtures/xoshiro_reference.py, a transcription of the reference C code (prng.di.unimi.it).
        var rng = new StableRandom(0);
        Assert.Equal(Expected, Enumerable.Range(0, 3).Select(_ => rng.NextUInt64()).ToArray());
    }

    private static readonly ulong[] Expected = [0x99EC5F36CB75F2B4UL, 0xBF6E1F784956452AUL, 0x1A5F849D4933E6E0UL];

    [Fact]
    public void Named_streams_are_stable_and_distinct()
    {
        var a = StableRandom.Stream(1, "corpus").NextUInt64();
        Assert.Equal(a, StableRandom.Stream(1, "corpus").NextUInt64());
        Assert.NotEqual(a, StableRandom.Stream(1, "lexicon").NextUInt64());
        Assert.NotEqual(a, StableRandom.Stream(2, "corpus").NextUInt64());
    }

    [Fact]
    public void Next_is_uniform_enough()
    {
        var rng = new StableRandom(42);
        var counts = new int[7];
        for (var i = 0; i < 70_000; i++) counts[rng.Next(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_600, 10_400));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => rng.NextDouble()), d => Assert.InRange(d, 0.0, 0.9999999999));
    }
}
