using Muscle.Compatibility;

namespace Muscle.LmEval;

/// <summary>
/// The compatibility model across all tasks (arXiv 2407.09435, Sec. 5.3: "c" measured against the old model, minus the
/// plain new model measured the same way). Pooled values count every item once, as <see cref="CrossTaskSummary"/>'s:
/// <see cref="NfrC"/> = items with S_c &lt; S_old over all items, <see cref="DeltaNfrC"/> = NFR_c − NFR (pooled),
/// <see cref="DeltaPctNfrC"/> = 100·ΔNFR_c/NFR (a percentage, null when the pooled NFR is 0),
/// <see cref="DeltaScoreC"/> = score_c − score_new. Macro values are plain means over tasks. <see cref="Bootstrap"/>
/// resamples each task on its own, keeping an item's old, new and compat scores together
/// (<see cref="PairedBootstrap.CompatEffect"/> with strata).
/// </summary>
public sealed record CrossTaskCompat(
    double ScoreC,
    double NfrC,
    double PfrC,
    double DeltaNfrC,
    double? DeltaPctNfrC,
    double DeltaScoreC,
    double MacroNfrC,
    double MacroDeltaNfrC,
    CompatibilityBootstrap? Bootstrap);
