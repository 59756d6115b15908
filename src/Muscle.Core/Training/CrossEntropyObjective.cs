using Muscle.Models;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>Plain next-token cross-entropy: the objective of task adapters (and of the <c>vanilla</c> control).</summary>
public sealed class CrossEntropyObjective(ICausalLM model, TokenizedSplit data) : ITrainingObjective
{
    public int TrainCount => data.Train.Count;
    public int ValidCount => data.Valid.Count;

    public Tensor MicroBatchLoss(IReadOnlyList<int> microItems, IReadOnlyList<int> stepItems)
    {
        var n = data.CountedTokens(stepItems);
        using var scope = NewDisposeScope();
        using var batch = data.TrainBatch(microItems, model.Device());
        if (n == 0 || batch.CountedTokens == 0) return zeros(1, device: batch.InputIds.device, requires_grad: true).sum().MoveToOuterDisposeScope();
        return (CountedCrossEntropy(model, batch) / n).MoveToOuterDisposeScope();
    }

    public long Tokens(IReadOnlyList<int> items) => data.Tokens(items);

    /// <summary>Summed next-token CE over the batch's counted positions (the LM head runs on those only).</summary>
    private static Tensor CountedCrossEntropy(ICausalLM model, CausalBatch batch) =>
        LanguageModelLoss.SumCrossEntropy(batch.CountedLogits(model), batch.CountedLabels());

    public double ValidationLoss(int batchSize) => ValidationCrossEntropy(model, data, batchSize);

    /// <summary>Mean next-token CE per counted validation token (the selection loss of every trainer).</summary>
    public static double ValidationCrossEntropy(ICausalLM model, TokenizedSplit data, int batchSize)
    {
        double sum = 0;
        long counted = 0;
        foreach (var (batch, _) in data.ValidBatches(batchSize, model.Device()))
        {
            using var _ = batch;
            if (batch.CountedTokens == 0) continue;
            using var scope = NewDisposeScope();
            sum += CountedCrossEntropy(model, batch).item<float>();
            counted += batch.CountedTokens;
        }
        return counted == 0 ? double.NaN : sum / counted;
    }
}
