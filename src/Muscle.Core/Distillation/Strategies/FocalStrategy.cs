using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// Positive-congruent training's focal distillation (Yan et al. 2021, CVPR), token level:
/// CE + (α + β·1[old argmax = y])·distance(student, old). Subclasses give the distance.
/// </summary>
public abstract class FocalStrategy : CompatibilityStrategy
{
    /// <summary>[n] the distance to the old model per row.</summary>
    internal abstract Tensor Distance(TokenChunk r, CompatibilityLossOptions o);

    internal override (Tensor Total, Tensor Comp, Tensor Aligned) TokenTerms(TokenChunk r, CompatibilityLossOptions o)
    {
        var ce = r.Ce;
        var oldRight = r.OldTeacher.Argmax.eq(r.Labels).to_type(ScalarType.Float32);
        var weight = o.FocalAlpha + o.FocalBeta * oldRight;
        var comp = weight * Distance(r, o);
        return (ce + comp, comp, oldRight);
    }
}
