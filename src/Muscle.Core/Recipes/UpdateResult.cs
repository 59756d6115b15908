using Muscle.Compatibility;

namespace Muscle.Recipes;

/// <summary>Outcome of an update: where everything is, and the comparison of v1, v2 and the compatibility model.</summary>
public sealed record UpdateResult(string NewAdapterDir, string CompatAdapterDir, string PredictionsDir, string ReportDir,
                                  ComparisonResult Comparison, IReadOnlyList<string> SkippedStages);
