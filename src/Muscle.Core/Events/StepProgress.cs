namespace Muscle.Events;

/// <summary>
/// A training loop's periodic report (every <c>LogSteps</c> optimizer steps and at each epoch's last step): the mean
/// loss since the previous report and the throughput over the same interval.
/// </summary>
/// <param name="Elapsed">Training time of the run so far (a resumed run may count only the time since it resumed).</param>
public sealed record StepProgress(
    long Step, long TotalSteps, int Epoch, int Epochs, double Loss, double TokensPerSecond, TimeSpan Elapsed) : RunEvent
{
    /// <summary>The remaining time at the pace so far.</summary>
    public TimeSpan Eta => Step <= 0 ? TimeSpan.Zero : Elapsed * ((double)(TotalSteps - Step) / Step);
}
