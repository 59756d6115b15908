using Muscle.Compatibility;

namespace Muscle.LmEval;

/// <summary>
/// All tasks together. Pooled ("micro") values count every item once, so big tasks weigh more; macro values are
/// the plain mean over tasks. The bootstrap resamples each task on its own (stratified) and pools. <see cref="Compat"/>
/// holds the compatibility model's columns when one was compared (<c>--compat</c>), else null.
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
    BootstrapIntervals? Bootstrap,
    CrossTaskCompat? Compat = null)
{
    public double DeltaScore => ScoreNew - ScoreOld;
}
