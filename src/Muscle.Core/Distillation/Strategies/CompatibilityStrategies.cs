using Muscle.Infrastructure;

namespace Muscle.Distillation;

/// <summary>The registry: every strategy once, in the order help texts and the ablation grid list them.</summary>
public static class CompatibilityStrategies
{
    /// <summary>The paper's strategy, the default everywhere.</summary>
    public static readonly CompatibilityStrategy Default = new MuscleStrategy();

    public static IReadOnlyList<CompatibilityStrategy> All { get; } =
    [
        Default, new OldCorrectStrategy(), new KlOldStrategy(), new TokenLlStrategy(), new SeqLlStrategy(),
        new FocalKlStrategy(), new FocalLmStrategy(), new XieBetterStrategy(), new VanillaStrategy(),
        new MuscleChoiceStrategy(), new FocalChoiceStrategy(),
    ];

    public static IReadOnlyList<string> Ids { get; } = All.Select(s => s.Id).ToList();

    public static CompatibilityStrategy Parse(string id) =>
        All.FirstOrDefault(s => s.Id == id.Trim().ToLowerInvariant())
        ?? throw new MuscleInputException($"unknown strategy '{id}' (known: {string.Join(", ", Ids)})");
}
