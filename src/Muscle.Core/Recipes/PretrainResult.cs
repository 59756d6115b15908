using Muscle.Training;

namespace Muscle.Recipes;

public sealed record PretrainResult(
    string OutDir, long Steps, long TotalSteps, IReadOnlyList<LossPoint> LossHistory, double? ValidationLoss,
    long TrainedTokens, TimeSpan Elapsed, int Windows)
{
    public double FinalLoss => LossHistory.Count == 0 ? double.NaN : LossHistory[^1].Loss;
}
