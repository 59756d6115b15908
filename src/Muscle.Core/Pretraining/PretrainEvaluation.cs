using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Pretraining;

// Shapes: B windows per batch, T positions, V vocabulary.

/// <summary>Held-out language-model loss of a base: mean next-token cross-entropy over a corpus's windows.</summary>
public static class PretrainEvaluation
{
    /// <summary>
    /// Mean CE per predicted token (nats) over the first <paramref name="maxWindows"/> windows of
    /// <paramref name="corpus"/> in corpus order (all when null), in eval mode without gradients; the model's
    /// train/eval mode is restored afterwards.
    /// </summary>
    public static double MeanLoss(ICausalLM model, PretrainCorpus corpus, int batchSize = 16, int? maxWindows = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var windows = Math.Min(corpus.WindowCount, maxWindows ?? int.MaxValue);
        var t = corpus.SeqLen;
        var wasTraining = model.Module.training;
        model.Module.eval();
        try
        {
            using var _ = no_grad();
            using var outer = NewDisposeScope();
            var device = model.Device();
            var total = zeros(1, dtype: ScalarType.Float64, device: device);
            var buffer = new long[batchSize * (t + 1)];
            for (var first = 0; first < windows; first += batchSize)
            {
                using var scope = NewDisposeScope();
                var count = Math.Min(batchSize, windows - first);
                for (var j = 0; j < count; j++) corpus.CopyWindow(first + j, buffer.AsSpan(j * (t + 1), t + 1));
                var batch = tensor(buffer.AsSpan(0, count * (t + 1)).ToArray(), [count, t + 1], device: device); // [B, T+1]
                var logits = model.Forward(batch.narrow(1, 0, t));                                                // [B, T, V]
                total.add_(LanguageModelLoss.SumCrossEntropy(logits, batch.narrow(1, 1, t)).to_type(ScalarType.Float64));
            }
            // Host sync: once, for the result.
            return total.item<double>() / ((double)windows * t);
        }
        finally
        {
            model.Module.train(wasTraining);
        }
    }
}
