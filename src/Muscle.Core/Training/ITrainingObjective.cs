using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// What a trainer optimises. The objective owns its data (training and validation items, caches); the loop owns
/// everything else (order, accumulation, schedule, validation timing, checkpoints, resume), so the task-adapter and
/// compatibility trainers differ only here.
/// </summary>
public interface ITrainingObjective
{
    int TrainCount { get; }

    int ValidCount { get; }

    /// <summary>
    /// The loss of the training items <paramref name="microItems"/>, already normalised over the whole optimizer step
    /// (<paramref name="stepItems"/>: every item of the accumulated micro-batches), so summed gradients equal one big batch.
    /// </summary>
    Tensor MicroBatchLoss(IReadOnlyList<int> microItems, IReadOnlyList<int> stepItems);

    /// <summary>Real (non-padding) tokens of these training items, for tokens/s.</summary>
    long Tokens(IReadOnlyList<int> items);

    /// <summary>The selection loss on the validation set (lower is better; CE for every trainer here).</summary>
    double ValidationLoss(int batchSize);

    /// <summary>Extra per-epoch statistics to log (e.g. the share of tokens aligned to the old model); resets them.</summary>
    IReadOnlyDictionary<string, double> TakeEpochStats() => new Dictionary<string, double>();
}
