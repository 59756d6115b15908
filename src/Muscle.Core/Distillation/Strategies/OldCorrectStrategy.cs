using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Table 7 ablation of arXiv 2407.09435: the old model where the old model's argmax hits y, else the new model.</summary>
public sealed class OldCorrectStrategy : MaskedStrategy
{
    public override string Id => "old-correct";
    public override string Summary => "Table 7: KL to the old model where the old model's argmax hits y, else to the new model";
    internal override Tensor Mask(TokenDecisionInputs d) => d.Old.Argmax.eq(d.Labels);
}
