using Muscle.Infrastructure;

namespace Muscle.Training.Losses;

/// <summary>
/// How the compatibility adapter is trained (MUSCLE-SPEC.md §3–4, PRIOR-ART.md §1–2). Token-level strategies work on
/// every counted token of the teacher-forced training sequence; choice-level ones on the distribution over an item's
/// answer choices (multiple-choice tasks only).
/// </summary>
public enum CompatibilityStrategy
{
    /// <summary>The paper (Eq. 1): KL to the old model where the student's argmax misses y, else to the new model.</summary>
    Muscle,
    /// <summary>Table 7 ablation: KL to the old model where the old model's argmax hits y, else to the new model.</summary>
    OldCorrect,
    /// <summary>Table 7 ablation a_Mv1: plain KD from the old model on every token.</summary>
    KlOld,
    /// <summary>Table 7, Eq. 2: old model where p_C(y) &lt; p_v1(y); needs CE.</summary>
    TokenLl,
    /// <summary>Table 7, Eq. 3 (our reading): one mask per sequence, Σ log p_C(y) &lt; Σ log p_v1(y); needs CE.</summary>
    SeqLl,
    /// <summary>PCT focal distillation, token level: CE + (α + β·1[old argmax = y])·T²·KL(p_old ‖ p_s).</summary>
    FocalKl,
    /// <summary>PCT focal distillation with logit matching: CE + (α + β·1[old argmax = y])·½·mean_v (z̃_s − z̃_old)², logits centred per token.</summary>
    FocalLm,
    /// <summary>Xie et al. 2021 "better": per sequence, α·T²·KL + (1−α)·CE where CE_old ≤ CE_student, CE elsewhere.</summary>
    XieBetter,
    /// <summary>The control: continue plain CE on the new task adapter.</summary>
    Vanilla,
    /// <summary>Our extension: KL over answer choices to the old model where the student picks a wrong choice, else to the new.</summary>
    MuscleChoice,
    /// <summary>Our extension: CE + (α + β·1[old model's choice right])·T²·KL_choice(p_old ‖ p_s).</summary>
    FocalChoice,
}

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

/// <summary>The knobs of the compatibility losses.</summary>
public sealed record CompatibilityLossOptions
{
    public CompatibilityStrategy Strategy { get; init; } = CompatibilityStrategy.Muscle;
    /// <summary>KD temperature T (the paper: 2).</summary>
    public double Temperature { get; init; } = 2.0;
    /// <summary>Multiply L_comp by T² (the paper does not say; off by default). Focal and Xie use T² by definition.</summary>
    public bool T2Scale { get; init; }
    /// <summary>λ in L = λ·L_comp + (1−λ)·CE (Eq. 4–5); null = no CE (plain MUSCLE). Xie's α (default 0.5).</summary>
    public double? CeWeight { get; init; }
    /// <summary>Focal distillation α (base weight) and β (extra weight where the old model is right); PCT: 1 and 5.</summary>
    public double FocalAlpha { get; init; } = 1.0;
    public double FocalBeta { get; init; } = 5.0;
    /// <summary>Choice-level strategies: also add the paper's token-level <c>muscle</c> term.</summary>
    public bool WithTokenLoss { get; init; }

    public void Validate()
    {
        if (!(Temperature > 0)) throw new MuscleInputException($"--temperature must be > 0, got {Temperature}");
        if (CeWeight is double l && l is < 0 or > 1) throw new MuscleInputException($"--ce-weight must be in [0, 1], got {l}");
        if (Strategy.RequiresCeWeight() && CeWeight is null)
            throw new MuscleInputException($"strategy {Strategy.Id()} mixes its loss with CE: give --ce-weight λ (e.g. 0.5)");
        if (FocalAlpha < 0 || FocalBeta < 0) throw new MuscleInputException("--focal-alpha and --focal-beta must be >= 0");
        if (WithTokenLoss && !Strategy.IsChoiceLevel()) throw new MuscleInputException("--with-token-loss applies to muscle-choice and focal-choice only");
    }
}
