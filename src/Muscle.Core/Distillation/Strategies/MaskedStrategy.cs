using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// The Eq. 1 form of arXiv 2407.09435: per token, KL to the old model where the mask m is 1, else to the new model,
/// optionally mixed with CE by λ (Eq. 4–5) and scaled by T². Subclasses give the mask (Table 7's rows).
/// </summary>
public abstract class MaskedStrategy : CompatibilityStrategy
{
    public override bool NeedsNewTeacher => true;
    public override bool IsPureKl => true;

    /// <summary>m [N] (bool): 1 → align to the old model, 0 → to the new one.</summary>
    internal abstract Tensor Mask(TokenDecisionInputs d);

    internal sealed override Tensor? Decide(TokenDecisionInputs d) => Mask(d);

    internal override (Tensor Total, Tensor Comp, Tensor Aligned) TokenTerms(TokenChunk r, CompatibilityLossOptions o)
    {
        var t = o.Temperature;
        var ce = r.Ce;
        var m = r.Decision!;
        var studentT = (r.Z / t).log_softmax(-1);
        // One KL per token, to the teacher its mask picks.
        var teacher = NeedsNewTeacher ? r.OldTeacher.Where(m, r.NewTeacher) : r.OldTeacher;
        var comp = teacher.KlToStudent(studentT) * (o.T2Scale ? t * t : 1.0);
        var total = o.CeWeight is double lambda ? lambda * comp + (1 - lambda) * ce : comp;
        return (total, comp, m.to_type(ScalarType.Float32));
    }
}
