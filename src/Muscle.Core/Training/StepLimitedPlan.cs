namespace Muscle.Training;

/// <summary>
/// The first <c>maxSteps</c> optimizer steps of <paramref name="inner"/> (<c>--max-steps</c>, as HF Trainer's
/// <c>max_steps</c>): the same items in the same order, the run (and so the learning-rate schedule) sized to the steps
/// actually taken. The step a limit cuts an epoch at ends that epoch, so it is validated like a whole one.
/// </summary>
public sealed class StepLimitedPlan(IBatchPlan inner, long maxSteps) : IBatchPlan
{
    public long TotalSteps { get; } = Math.Min(inner.TotalSteps, maxSteps);

    public int Epochs => inner.EpochOf(TotalSteps - 1) + 1;

    public bool ValidatesEachEpoch => inner.ValidatesEachEpoch;

    public int EpochOf(long step) => inner.EpochOf(step);

    public bool EndsEpoch(long step) => inner.EndsEpoch(step) || step == TotalSteps - 1;

    public IReadOnlyList<IReadOnlyList<int>> MicroBatches(long step) => inner.MicroBatches(step);
}
