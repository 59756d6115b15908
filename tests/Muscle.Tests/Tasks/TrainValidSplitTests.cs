using Muscle.Infrastructure;
using Muscle.Tasks;

namespace Muscle.Tests.Tasks;

public sealed class TrainValidSplitTests
{
    [Fact]
    public void Splits_80_20_deterministically_and_disjointly()
    {
        var items = Enumerable.Range(0, 1000).ToArray();
        var (train, valid) = TrainValidSplit.Split(items, seed: 7);
        Assert.Equal((800, 200), (train.Count, valid.Count));
        Assert.Equal(items, train.Concat(valid).Order());
        Assert.Equal(train.Order(), train); // file order kept
        var again = TrainValidSplit.Split(items, seed: 7);
        Assert.Equal(valid, again.Valid);
        Assert.NotEqual(valid, TrainValidSplit.Split(items, seed: 8).Valid);
        Assert.NotEqual(Enumerable.Range(800, 200), valid); // actually shuffled, not the tail
    }

    [Fact]
    public void Pins_the_permutation_of_seed_0_so_a_runtime_change_is_noticed() =>
        // StableRandom (xoshiro256**, checked against Python in World/StableRandomTests) — a change here changes every split.
        Assert.Equal([2, 6], TrainValidSplit.Split(Enumerable.Range(0, 10).ToArray(), seed: 0).Valid);

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(5, 1)]
    [InlineData(8, 2)]
    [InlineData(13, 3)]
    public void Small_sets_keep_at_least_one_on_each_side(int n, int validCount)
    {
        var (train, valid) = TrainValidSplit.Split(Enumerable.Range(0, n).ToArray(), seed: 1);
        Assert.Equal((n - validCount, validCount), (train.Count, valid.Count));
    }

    [Fact]
    public void One_item_cannot_be_split()
    {
        var e = Assert.Throws<MuscleInputException>(() => TrainValidSplit.Split(new[] { 1 }, seed: 1, source: "t.jsonl"));
        Assert.Equal("t.jsonl", e.File);
        Assert.Contains("give a validation file", e.Message);
    }
}
