namespace Muscle.Training;

/// <summary>
/// Linear warmup from 0 to the peak, then linear decay to 0 at the last step — exactly HF's
/// <c>get_linear_schedule_with_warmup</c> as the HF Trainer applies it (the paper leaves the post-warmup schedule open).
/// Like HF, optimizer step k uses the rate of lambda(k), so with warmup the very first update has rate 0.
/// </summary>
public sealed record LearningRateSchedule(double PeakLr, long WarmupSteps, long TotalSteps)
{
    /// <summary>The rate for optimizer step <paramref name="step"/> (0-based, the update about to be applied).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return PeakLr * step / Math.Max(1, WarmupSteps);
        return PeakLr * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
