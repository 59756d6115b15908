namespace Muscle.Training;

/// <summary>What the trainer reports every <see cref="AdapterTrainingOptions.LogSteps"/> steps and at each epoch end.</summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, long Step, long TotalSteps, double Loss, double TokensPerSecond, TimeSpan Elapsed,
    double? ValidationLoss = null, string? Message = null)
{
    public TimeSpan Eta => Step <= 0 ? TimeSpan.Zero : Elapsed * ((double)(TotalSteps - Step) / Step);
}
