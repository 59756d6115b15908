using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>MUSCLE (arXiv 2407.09435, Eq. 1): the old model where the student's argmax misses y, else the new model.</summary>
public sealed class MuscleStrategy : MaskedStrategy
{
    public override string Id => "muscle";
    public override string Summary => "the paper (Eq. 1): KL to the old model where the student's argmax misses y, else to the new model";
    internal override Tensor Mask(TokenDecisionInputs d) => d.StudentLogits.argmax(-1).ne(d.Labels);
}
