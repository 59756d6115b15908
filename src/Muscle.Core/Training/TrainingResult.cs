namespace Muscle.Training;

/// <summary>
/// Outcome of a run: the epoch whose weights were kept and the validation losses per epoch (when the plan validates),
/// the steps taken, the logged training losses and the training time (over resumes).
/// </summary>
public sealed record TrainingResult(int BestEpoch, double BestValidationLoss, IReadOnlyList<double> ValidationLosses, long Steps,
                                    double InitialValidationLoss, IReadOnlyList<LossPoint> LossHistory, TimeSpan Elapsed);
