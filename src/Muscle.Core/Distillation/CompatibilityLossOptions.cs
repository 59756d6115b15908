using Muscle.Infrastructure;

namespace Muscle.Distillation;

/// <summary>The knobs of the compatibility losses.</summary>
public sealed record CompatibilityLossOptions
{
    public CompatibilityStrategy Strategy { get; init; } = CompatibilityStrategies.Default;
    /// <summary>KD temperature T (the paper: 2).</summary>
    public double Temperature { get; init; } = 2.0;
    /// <summary>Multiply L_comp by T² (the paper does not say; off by default). Focal and Xie use T² by definition.</summary>
    public bool T2Scale { get; init; }
    /// <summary>λ in L = λ·L_comp + (1−λ)·CE (Eq. 4–5); null = no CE (plain MUSCLE). Xie's α (<see cref="DefaultMixWeight"/> if null).</summary>
    public double? CeWeight { get; init; }
    /// <summary>λ where a loss mixes with CE but none is given: Xie's α, and <c>ablate</c>'s "+ce" and likelihood arms.</summary>
    public const double DefaultMixWeight = 0.5;
    /// <summary>Focal distillation α (base weight) and β (extra weight where the old model is right); PCT: 1 and 5.</summary>
    public double FocalAlpha { get; init; } = 1.0;
    public double FocalBeta { get; init; } = 5.0;
    /// <summary>Choice-level strategies: also add the paper's token-level <c>muscle</c> term.</summary>
    public bool WithTokenLoss { get; init; }

    public void Validate()
    {
        if (!(Temperature > 0)) throw new MuscleInputException($"--temperature must be > 0, got {Temperature}");
        if (CeWeight is double l && l is < 0 or > 1) throw new MuscleInputException($"--ce-weight must be in [0, 1], got {l}");
        if (Strategy.RequiresCeWeight && CeWeight is null)
            throw new MuscleInputException($"strategy {Strategy.Id} mixes its loss with CE: give --ce-weight λ (e.g. 0.5)");
        if (FocalAlpha < 0 || FocalBeta < 0) throw new MuscleInputException("--focal-alpha and --focal-beta must be >= 0");
        if (WithTokenLoss && !Strategy.IsChoiceLevel) throw new MuscleInputException("--with-token-loss applies to muscle-choice and focal-choice only");
    }
}
