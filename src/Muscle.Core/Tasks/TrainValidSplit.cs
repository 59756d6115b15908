using Muscle.Infrastructure;

namespace Muscle.Tasks;

/// <summary>
/// The paper's 80/20 train/validation split, used when no validation file is given. Deterministic for a seed:
/// Fisher–Yates over the indices with <see cref="StableRandom"/> (same on every machine, process and .NET version). It is NOT the permutation Python
/// (random.shuffle, numpy, datasets.train_test_split) would draw for the same seed.
/// </summary>
public static class TrainValidSplit
{
    /// <summary>
    /// Splits <paramref name="items"/>: validation gets round(n · <paramref name="validFraction"/>) items, at least one,
    /// and train at least one. Both parts keep the file order, so the split is easy to read back.
    /// </summary>
    /// <param name="source">The data file, named in the error when there are fewer than two items.</param>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Valid) Split<T>(
        IReadOnlyList<T> items, int seed, double validFraction = 0.2, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (validFraction is <= 0 or >= 1 || double.IsNaN(validFraction))
            throw new ArgumentOutOfRangeException(nameof(validFraction), validFraction, "must be in (0, 1)");
        var n = items.Count;
        if (n < 2)
            throw new MuscleInputException(
                $"cannot split {n} example(s) into train and validation: need at least 2, or give a validation file", source);

        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        StableRandom.Stream(seed, "train-valid-split").Shuffle(order);

        var validCount = Math.Clamp((int)Math.Round(n * validFraction, MidpointRounding.AwayFromZero), 1, n - 1);
        var isValid = new bool[n];
        foreach (var i in order.AsSpan(0, validCount)) isValid[i] = true;
        var train = new List<T>(n - validCount);
        var valid = new List<T>(validCount);
        for (var i = 0; i < n; i++) (isValid[i] ? valid : train).Add(items[i]);
        return (train, valid);
    }
}
