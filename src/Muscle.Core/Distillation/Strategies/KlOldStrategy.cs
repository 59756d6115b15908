using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Table 7 ablation a_Mv1 of arXiv 2407.09435: plain KD from the old model on every token.</summary>
public sealed class KlOldStrategy : MaskedStrategy
{
    public override string Id => "kl-old";
    public override string Summary => "Table 7 (a_Mv1): plain KD from the old model on every token";
    public override bool NeedsNewTeacher => false;
    internal override Tensor Mask(TokenDecisionInputs d) => ones_like(d.Labels, dtype: ScalarType.Bool);
}
