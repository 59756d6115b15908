using Muscle.Infrastructure;

namespace Muscle.Distillation;

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
