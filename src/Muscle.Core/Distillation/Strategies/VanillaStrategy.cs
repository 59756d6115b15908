using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>The control: continue plain CE on the new task adapter (no teacher).</summary>
public sealed class VanillaStrategy : CompatibilityStrategy
{
    public override string Id => "vanilla";
    public override string Summary => "the control: continue plain CE on the new task adapter";
    public override bool NeedsOldTeacher => false;

    internal override (Tensor Total, Tensor Comp, Tensor Ce, Tensor Aligned) TokenTerms(TokenChunk r, CompatibilityLossOptions o)
    {
        var ce = nn.functional.cross_entropy(r.Z, r.Labels, reduction: nn.Reduction.None); // [n], T = 1
        return (ce, zeros_like(ce), ce, zeros_like(ce));
    }
}
