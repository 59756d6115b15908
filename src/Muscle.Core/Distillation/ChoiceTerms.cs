using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>Summed choice-level terms of a micro-batch (callers divide by the step's item count).</summary>
public sealed record ChoiceTerms(Tensor CompSum, Tensor AlignedOld, Tensor StudentCorrect);
