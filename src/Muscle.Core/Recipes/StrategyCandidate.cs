using Muscle.Compatibility;

namespace Muscle.Recipes;

/// <summary>
/// One candidate of <c>--strategy auto</c> scored on the validation split: its NFR_c against v1 (the D &lt; 0 rate for a
/// continuous metric, Table 6) and its score (accuracy, exact match or mean ROUGE), both fractions, and where the
/// comparison came from (null in the pure selection rule's tests).
/// </summary>
public sealed record StrategyCandidate(string Name, double NfrC, double ScoreC, string? AdapterDir = null, ComparisonResult? Validation = null);
