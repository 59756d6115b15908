using Muscle.Infrastructure;

namespace Muscle.Training;

/// <summary>
/// Whole epochs of whole steps: each epoch is its own permutation of the items (<see cref="EpochOrder"/>), cut into
/// micro-batches of <c>batchSize</c>, <c>gradAccum</c> of them per optimizer step (the epoch's last step may take
/// fewer); validated after each epoch.
/// </summary>
public sealed class EpochBatchPlan : IBatchPlan
{
    private readonly int _count;
    private readonly int _batchSize;
    private readonly int _gradAccum;
    private readonly long _seed;
    private readonly int _microPerEpoch;
    private readonly int _stepsPerEpoch;
    private int[]? _order;
    private int _orderEpoch = -1;

    public EpochBatchPlan(int count, int batchSize, int gradAccum, int epochs, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gradAccum);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        (_count, _batchSize, _gradAccum, _seed, Epochs) = (count, batchSize, gradAccum, seed, epochs);
        _microPerEpoch = (count + batchSize - 1) / batchSize;
        _stepsPerEpoch = (_microPerEpoch + gradAccum - 1) / gradAccum;
    }

    public int Epochs { get; }

    public long TotalSteps => (long)_stepsPerEpoch * Epochs;

    public bool ValidatesEachEpoch => true;

    public int EpochOf(long step) => (int)(step / _stepsPerEpoch);

    public bool EndsEpoch(long step) => (step + 1) % _stepsPerEpoch == 0;

    public IReadOnlyList<IReadOnlyList<int>> MicroBatches(long step)
    {
        var epoch = EpochOf(step);
        if (epoch != _orderEpoch) (_order, _orderEpoch) = (EpochOrder(_count, _seed, epoch), epoch);
        var firstMicro = (int)(step % _stepsPerEpoch) * _gradAccum;
        return Enumerable.Range(firstMicro, Math.Min(_gradAccum, _microPerEpoch - firstMicro))
            .Select(m => (IReadOnlyList<int>)_order!.Skip(m * _batchSize).Take(_batchSize).ToArray())
            .ToList();
    }

    /// <summary>The epoch's permutation: a function of (seed, epoch) only, so a resumed run replays it.</summary>
    public static int[] EpochOrder(int count, long seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        // A stable PRNG: HashCode and System.Random's seeding differ between processes or .NET versions, and a resumed
        // run in a new process must replay exactly the same order.
        StableRandom.Stream(seed, $"epoch-order/{epoch}").Shuffle(order);
        return order;
    }
}
