using Muscle.Infrastructure;

namespace Muscle.Distillation;

public static class CompatibilityStrategies
{
    private static readonly (string Id, CompatibilityStrategy Value)[] Ids =
    [
        ("muscle", CompatibilityStrategy.Muscle), ("old-correct", CompatibilityStrategy.OldCorrect),
        ("kl-old", CompatibilityStrategy.KlOld), ("token-ll", CompatibilityStrategy.TokenLl),
        ("seq-ll", CompatibilityStrategy.SeqLl), ("focal-kl", CompatibilityStrategy.FocalKl),
        ("focal-lm", CompatibilityStrategy.FocalLm), ("xie-better", CompatibilityStrategy.XieBetter),
        ("vanilla", CompatibilityStrategy.Vanilla), ("muscle-choice", CompatibilityStrategy.MuscleChoice),
        ("focal-choice", CompatibilityStrategy.FocalChoice),
    ];

    public static IReadOnlyList<string> All => Ids.Select(i => i.Id).ToList();

    public static CompatibilityStrategy Parse(string id) =>
        Ids.FirstOrDefault(i => i.Id == id.Trim().ToLowerInvariant()) is { Id: not null } hit
            ? hit.Value
            : throw new MuscleInputException($"unknown strategy '{id}' (known: {string.Join(", ", All)})");

    public static string Id(this CompatibilityStrategy s) => Ids.First(i => i.Value == s).Id;

    public static bool IsChoiceLevel(this CompatibilityStrategy s) => s is CompatibilityStrategy.MuscleChoice or CompatibilityStrategy.FocalChoice;

    /// <summary>Strategies that are defined as a mix with CE and refuse to run without a λ (MUSCLE-SPEC.md §3).</summary>
    public static bool RequiresCeWeight(this CompatibilityStrategy s) => s is CompatibilityStrategy.TokenLl or CompatibilityStrategy.SeqLl;

    /// <summary>Strategies of the Eq. 1 form (mask → old teacher, else new teacher) that λ mixes with CE.</summary>
    public static bool IsMasked(this CompatibilityStrategy s) => s is CompatibilityStrategy.Muscle or CompatibilityStrategy.OldCorrect
        or CompatibilityStrategy.KlOld or CompatibilityStrategy.TokenLl or CompatibilityStrategy.SeqLl;
}
