using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// Focal distillation with logit matching: CE + (α + β·1[old argmax = y])·½·mean_v (z̃_s − z̃_old)², logits centred
/// per token. Needs the old model's full logits, so no teacher cache.
/// </summary>
public sealed class FocalLmStrategy : FocalStrategy
{
    public override string Id => "focal-lm";
    public override string Summary => "focal distillation (PCT) with logit matching: CE + (α + β·1[old argmax = y])·½·mean (z̃_s − z̃_old)²";
    public override bool UsesTeacherCache => false;

    internal override Tensor Distance(TokenChunk r, CompatibilityLossOptions o) =>
        DistillationOps.CentredLogitDistance(r.Z, r.OldTeacher.Logits
            ?? throw new InvalidOperationException("focal-lm needs dense old-model logits (no teacher cache)"));
}
