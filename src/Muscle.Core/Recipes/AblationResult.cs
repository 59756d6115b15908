namespace Muscle.Recipes;

/// <summary>What <c>muscle ablate</c> produced: Table 7's rows on the test set and, with <c>--select</c>, the choice made on the validation split.</summary>
public sealed record AblationResult(IReadOnlyList<AblationRow> Rows, StrategyChoice? Selection);
