using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>The control: continue plain CE on the new task adapter (no teacher).</summary>
public sealed class VanillaStrategy : CompatibilityStrategy
{
    public override string Id => "vanilla";
    public override string Summary => "the control: continue plain CE on the new task adapter";
    public override bool NeedsOldTeacher => false;

    internal override (Tensor Total, Tensor Comp, Tensor Aligned) TokenTerms(TokenChunk r, CompatibilityLossOptions o)
    {
        var ce = r.Ce;
        return (ce, zeros_like(ce), zeros_like(ce));
    }
}
