using Muscle.Compatibility;

namespace Muscle.Recipes;

/// <summary>
/// One row of the paper-layout table: a task's comparison of v1, v2 and the compatibility model (test set), the
/// strategy it used (chosen on the validation split under <c>auto</c>: <paramref name="Selection"/>), and the task's
/// strategies table (Table 7 columns, test set).
/// </summary>
public sealed record DemoTaskRow(string Task, string Format, ComparisonResult Comparison, string Strategy, StrategyChoice? Selection,
                                 IReadOnlyList<AblationRow> Strategies);
