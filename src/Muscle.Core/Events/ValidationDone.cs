namespace Muscle.Events;

/// <summary>An epoch's validation: the selection loss and the objective's per-epoch statistics (named loss terms).</summary>
public sealed record ValidationDone(
    long Step, long TotalSteps, int Epoch, int Epochs, double ValidationLoss, IReadOnlyDictionary<string, double> Stats,
    TimeSpan Elapsed) : RunEvent;
