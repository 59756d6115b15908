namespace Muscle.Training;

/// <summary>One logged point: the mean training loss of the steps since the previous point.</summary>
public readonly record struct LossPoint(long Step, double Loss);
