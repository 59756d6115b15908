using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Summed loss terms of one micro-batch (callers divide by the step's counted tokens n).</summary>
/// <param name="Total">Σ per-token loss, with gradient.</param>
/// <param name="CompSum">Σ of the compatibility (distillation) term, detached, for logging.</param>
/// <param name="CeSum">Σ of the token CE at T = 1, detached, for logging.</param>
/// <param name="AlignedOld">How many tokens were aligned to the old model (mask m = 1, or focal filter = 1), detached.</param>
public sealed record LossTerms(Tensor Total, Tensor CompSum, Tensor CeSum, Tensor AlignedOld);
