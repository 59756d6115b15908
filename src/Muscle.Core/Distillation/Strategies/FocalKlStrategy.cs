using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Focal distillation with KL: CE + (α + β·1[old argmax = y])·T²·KL(p_old ‖ p_s).</summary>
public sealed class FocalKlStrategy : FocalStrategy
{
    public override string Id => "focal-kl";
    public override string Summary => "focal distillation (PCT): CE + (α + β·1[old argmax = y])·T²·KL(p_old ‖ p_s)";

    internal override Tensor Distance(TokenChunk r, CompatibilityLossOptions o)
    {
        var t = o.Temperature;
        return r.OldTeacher.KlToStudent((r.Z / t).log_softmax(-1)) * (t * t);
    }
}
