using Muscle.Training;

namespace Muscle.Pretraining;

/// <summary>
/// Pretraining's order: the epoch orders of the corpus's windows (<see cref="PretrainCorpus.EpochOrder"/>) concatenated
/// into one stream of samples; step s takes samples [s·B, s·B + B), so a step may span two epochs and the last step
/// may hold fewer. One micro-batch per step; no per-epoch validation.
/// </summary>
public sealed class WindowStreamPlan : IBatchPlan
{
    private readonly int _windows;
    private readonly int _batchSize;
    private readonly long _totalSamples;
    private readonly long _seed;
    private int[]? _order;
    private long _orderEpoch = -1;

    public WindowStreamPlan(int windows, int batchSize, long totalSamples, long totalSteps, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        (_windows, _batchSize, _totalSamples, _seed, TotalSteps) = (windows, batchSize, totalSamples, seed, totalSteps);
        Epochs = (int)((totalSamples + windows - 1) / windows);
    }

    public long TotalSteps { get; }

    public int Epochs { get; }

    public bool ValidatesEachEpoch => false;

    public int EpochOf(long step) => (int)Math.Min(Epochs - 1, step * _batchSize / _windows);

    public bool EndsEpoch(long step) => false;

    public IReadOnlyList<IReadOnlyList<int>> MicroBatches(long step)
    {
        var first = step * _batchSize;
        var count = (int)Math.Min(_batchSize, _totalSamples - first);
        var windows = new int[count];
        for (var j = 0; j < count; j++)
        {
            var sample = first + j;
            var epoch = sample / _windows;
            if (epoch != _orderEpoch) (_order, _orderEpoch) = (PretrainCorpus.EpochOrder(_windows, _seed, epoch), epoch);
            windows[j] = _order![(int)(sample % _windows)];
        }
        return [windows];
    }
}
