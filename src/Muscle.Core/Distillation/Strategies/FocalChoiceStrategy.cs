using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Our extension: CE + (α + β·1[old model's choice right])·T²·KL_choice(p_old ‖ p_s).</summary>
public sealed class FocalChoiceStrategy : CompatibilityStrategy
{
    public override string Id => "focal-choice";
    public override string Summary => "ours: CE + (α + β·1[old model's choice right])·T²·KL over answer choices";
    public override bool IsChoiceLevel => true;

    internal override (Tensor Comp, Tensor Aligned) ChoiceTerms(ChoiceInputs c, CompatibilityLossOptions o)
    {
        var t = o.Temperature;
        var oldRight = c.OldScores.argmax(-1).eq(c.Gold).to_type(ScalarType.Float32);
        return ((o.FocalAlpha + o.FocalBeta * oldRight) * c.KlOld * (t * t), oldRight);
    }

    internal override Tensor ChoiceLoss(Tensor comp, Tensor ce, CompatibilityLossOptions o) => ce + comp;
}
