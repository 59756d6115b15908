using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Pretraining;

// Shapes: B windows per micro-batch, T positions (the corpus's seq_len), V vocabulary.

/// <summary>
/// Pretraining's objective: mean next-token cross-entropy (fp32) over every position of the step's corpus windows;
/// items are window indices. Validation is the held-out corpus's mean CE (<see cref="PretrainEvaluation"/>), when one is given.
/// </summary>
public sealed class PretrainObjective(ICausalLM model, PretrainCorpus corpus, PretrainCorpus? valid = null) : ITrainingObjective
{
    public int TrainCount => corpus.WindowCount;

    public int ValidCount => valid?.WindowCount ?? 0;

    public Tensor MicroBatchLoss(IReadOnlyList<int> microItems, IReadOnlyList<int> stepItems)
    {
        var t = corpus.SeqLen;
        var buffer = new long[microItems.Count * (t + 1)];
        for (var j = 0; j < microItems.Count; j++) corpus.CopyWindow(microItems[j], buffer.AsSpan(j * (t + 1), t + 1));
        using var scope = NewDisposeScope();
        var batch = tensor(buffer, [microItems.Count, t + 1], device: model.Device()); // [B, T+1]
        var logits = model.Forward(batch.narrow(1, 0, t));                                // [B, T, V]
        var loss = LanguageModelLoss.SumCrossEntropy(logits, batch.narrow(1, 1, t)) / ((double)stepItems.Count * t);
        return loss.MoveToOuterDisposeScope();
    }

    public long Tokens(IReadOnlyList<int> items) => (long)items.Count * corpus.SeqLen;

    public double ValidationLoss(int batchSize) =>
        valid is null ? double.NaN : PretrainEvaluation.MeanLoss(model, valid, batchSize);
}
