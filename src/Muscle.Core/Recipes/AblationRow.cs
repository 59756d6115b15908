using Muscle.Compatibility;

namespace Muscle.Recipes;

/// <summary>One row of Table 7: the arm, its comparison against v1, and the deltas against v2.</summary>
public sealed record AblationRow(string Arm, double? DeltaNfrC, double? DeltaPctNfrC, double? DeltaPfrC, double? DeltaAccC,
                                 double? NfrC, double? AccC, ComparisonResult Comparison);
