using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Table 7, Eq. 2 of arXiv 2407.09435: the old model where p_C(y) &lt; p_v1(y); defined as a mix with CE.</summary>
public sealed class TokenLlStrategy : MaskedStrategy
{
    public override string Id => "token-ll";
    public override string Summary => "Table 7, Eq. 2: KL to the old model where p_C(y) < p_v1(y), else to the new model; needs --ce-weight";
    public override bool RequiresCeWeight => true;
    public override bool IsPureKl => false;
    internal override bool NeedsStudentCe => true;
    internal override Tensor Mask(TokenDecisionInputs d) => (-d.Ce).lt(d.Old.LabelLogProb);
}
