using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// Table 7, Eq. 3 of arXiv 2407.09435 (our reading): one mask per sequence, Σ log p_C(y) &lt; Σ log p_v1(y); defined
/// as a mix with CE.
/// </summary>
public sealed class SeqLlStrategy : MaskedStrategy
{
    public override string Id => "seq-ll";
    public override string Summary => "Table 7, Eq. 3: one mask per sequence, Σ log p_C(y) < Σ log p_v1(y); needs --ce-weight";
    public override bool RequiresCeWeight => true;
    public override bool IsPureKl => false;
    internal override bool NeedsStudentCe => true;

    internal override Tensor Mask(TokenDecisionInputs d) =>
        CompatibilityLoss.SequenceSum(-d.Ce, d.Sequence, d.Sequences)
            .lt(CompatibilityLoss.SequenceSum(d.Old.LabelLogProb, d.Sequence, d.Sequences)).index_select(0, d.Sequence);
}
