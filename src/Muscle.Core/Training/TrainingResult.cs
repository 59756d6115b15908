namespace Muscle.Training;

/// <summary>Outcome of a run: the epoch whose adapter was kept and the validation losses per epoch.</summary>
public sealed record TrainingResult(int BestEpoch, double BestValidationLoss, IReadOnlyList<double> ValidationLosses, long Steps,
                                    double InitialValidationLoss);
