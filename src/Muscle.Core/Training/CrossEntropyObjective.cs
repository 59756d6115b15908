using Muscle.Models;
using Muscle.Training.Losses;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>Plain next-token cross-entropy: the objective of task adapters (and of the <c>vanilla</c> control).</summary>
public sealed class CrossEntropyObjective(ICausalLM model) : ITrainingObjective
{
    public Tensor MicroBatchLoss(CausalBatch batch, long countedInStep)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(batch.InputIds, null, batch.AttentionMask); // [B, T, V]
        return (LanguageModelLoss.SumCrossEntropy(logits, batch.Labels) / countedInStep).MoveToOuterDisposeScope();
    }

    public Tensor ValidationSum(CausalBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(batch.InputIds, null, batch.AttentionMask);
        return LanguageModelLoss.SumCrossEntropy(logits, batch.Labels).MoveToOuterDisposeScope();
    }
}
