using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// Xie et al. 2021 "better": per sequence, α·T²·KL(p_old ‖ p_s) + (1−α)·CE where the old model's mean CE is no worse
/// than the student's, CE elsewhere (α = --ce-weight, default 0.5).
/// </summary>
public sealed class XieBetterStrategy : CompatibilityStrategy
{
    public override string Id => "xie-better";
    public override string Summary => "Xie et al. 2021: per sequence, α·T²·KL + (1−α)·CE where the old model's CE ≤ the student's, CE elsewhere";
    internal override bool NeedsStudentCe => true;

    internal override Tensor? Decide(TokenDecisionInputs d)
    {
        var better = CompatibilityLoss.SequenceMean(-d.Old.LabelLogProb, d.Sequence, d.Sequences)
            .le(CompatibilityLoss.SequenceMean(d.Ce, d.Sequence, d.Sequences));
        return better.index_select(0, d.Sequence).to_type(ScalarType.Float32);
    }

    internal override (Tensor Total, Tensor Comp, Tensor Aligned) TokenTerms(TokenChunk r, CompatibilityLossOptions o)
    {
        var t = o.Temperature;
        var ce = r.Ce;
        var distil = r.Decision!;
        var alpha = o.CeWeight ?? CompatibilityLossOptions.DefaultMixWeight;
        var comp = r.OldTeacher.KlToStudent((r.Z / t).log_softmax(-1)) * (t * t);
        var total = distil * (alpha * comp + (1 - alpha) * ce) + (1 - distil) * ce;
        return (total, distil * comp, distil);
    }
}
