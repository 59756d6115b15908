using Muscle.Compatibility;

namespace Muscle.LmEval;

/// <summary>
/// All tasks together. Pooled ("micro") values count every item once, so big tasks weigh more; macro values are
/// the plain mean over tasks. The bootstrap resamples each task on its own (stratified) and pools.
/// </summary>
public sealed record CrossTaskSummary(
    int Tasks,
    int N,
    double ScoreOld,
    double ScoreNew,
    double Nfr,
    double Pfr,
    double MacroNfr,
    double MacroPfr,
    double MacroDeltaScore,
    BootstrapIntervals? Bootstrap)
{
    public double DeltaScore => ScoreNew - ScoreOld;
}
