using static TorchSharp.torch;

namespace Muscle.Training;

// Shapes: B batch, T positions, V vocabulary.

/// <summary>Next-token cross-entropy in fp32 with ignore index −100, summed (callers divide by the step's counted tokens).</summary>
public static class LanguageModelLoss
{
    /// <param name="logits">[B, T, V] (or [N, V]) in any float dtype.</param>
    /// <param name="labels">[B, T] (or [N]) int64, −100 = not counted.</param>
    /// <returns>A scalar fp32 tensor: Σ −log softmax(logits)[label] over counted positions.</returns>
    public static Tensor SumCrossEntropy(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var v = logits.shape[^1];
        var loss = nn.functional.cross_entropy(
            logits.reshape(-1, v).to_type(ScalarType.Float32), // [B·T, V]
            labels.reshape(-1),                                // [B·T]
            ignore_index: CausalBatch.IgnoreIndex,
            reduction: nn.Reduction.Sum);
        return loss.MoveToOuterDisposeScope();
    }
}
