using static TorchSharp.torch;

namespace Muscle.Modules;

/// <summary>
/// An additive change to a linear layer's output, y = base(x) + Apply(x) (LoRA and friends).
/// x: [..., in]; the result must be [..., out] in x's dtype.
/// </summary>
public interface ILinearDelta
{
    Tensor Apply(Tensor x);
}
