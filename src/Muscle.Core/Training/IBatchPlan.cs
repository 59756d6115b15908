namespace Muscle.Training;

/// <summary>
/// Which training items each optimizer step takes: a pure function of the step (and the seed), so a resumed run
/// replays exactly the order of an uninterrupted one.
/// </summary>
public interface IBatchPlan
{
    long TotalSteps { get; }

    /// <summary>Passes over the training items (for progress).</summary>
    int Epochs { get; }

    /// <summary>The 0-based epoch step <paramref name="step"/> (0-based) starts in.</summary>
    int EpochOf(long step);

    /// <summary>
    /// True when the run is validated after each epoch (the best weights are kept by validation loss); then every
    /// epoch ends at a step boundary, <see cref="EndsEpoch"/>.
    /// </summary>
    bool ValidatesEachEpoch { get; }

    /// <summary>True when step <paramref name="step"/> (0-based) is the last of its epoch.</summary>
    bool EndsEpoch(long step);

    /// <summary>The micro-batches (training item indices) whose gradients step <paramref name="step"/> accumulates.</summary>
    IReadOnlyList<IReadOnlyList<int>> MicroBatches(long step);
}
