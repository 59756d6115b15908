using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Evaluation;

// Shapes: B requests in a batch, T longest request (right-padded), V vocabulary.

/// <summary>Σ log p(continuation | context) of one request, and whether greedy decoding would produce it.</summary>
public readonly record struct LoglikelihoodScore(double LogLikelihood, bool IsGreedy);

/// <summary>
/// lm-evaluation-harness's <c>loglikelihood</c>: for each (context, continuation) the summed log-probability of the
/// continuation tokens under teacher forcing. Requests are batched longest-first (right padding never changes a real
/// position under the causal mask), results come back in request order; deterministic for a fixed batch size.
/// </summary>
public static class LoglikelihoodScorer
{
    public static LoglikelihoodScore[] Score(ICausalLM model, IReadOnlyList<EncodedPair> requests, int batchSize,
                                             int padId, IProgress<int>? progress = null)
    {
        var results = new LoglikelihoodScore[requests.Count];
        var order = Enumerable.Range(0, requests.Count).OrderByDescending(i => requests[i].Ids.Length).ThenBy(i => i).ToArray();
        var done = 0;
        using var _ = no_grad();
        foreach (var chunk in order.Chunk(Math.Max(1, batchSize)))
        {
            using var scope = NewDisposeScope();
            var t = chunk.Max(i => requests[i].Ids.Length);
            var ids = new long[chunk.Length * t];
            var mask = new long[chunk.Length * t];
            Array.Fill(ids, padId);
            for (var b = 0; b < chunk.Length; b++)
            {
                var r = requests[chunk[b]];
                if (r.ContextLength < 1)
                    throw new ArgumentException("a scored request needs at least one context token (e.g. BOS) before its continuation");
                for (var j = 0; j < r.Ids.Length; j++)
                {
                    ids[b * t + j] = r.Ids[j];
                    mask[b * t + j] = 1;
                }
            }
            var input = tensor(ids, [chunk.Length, t], device: model.Device());
            var logits = model.Forward(input, null, tensor(mask, [chunk.Length, t], device: model.Device())); // [B, T, V]
            for (var b = 0; b < chunk.Length; b++)
            {
                var r = requests[chunk[b]];
                // Positions ctx−1 .. L−2 predict the continuation tokens ctx .. L−1.
                var rows = logits[b].narrow(0, r.ContextLength - 1, r.ContinuationLength).to_type(ScalarType.Float32); // [C, V]
                var logp = rows.log_softmax(-1);
                var target = tensor(r.Ids[r.ContextLength..].Select(x => (long)x).ToArray(), device: model.Device()); // [C]
                var picked = logp.gather(1, target.unsqueeze(1)).squeeze(1); // [C]
                var greedy = rows.argmax(-1).eq(target).all();
                results[chunk[b]] = new LoglikelihoodScore(picked.sum().to_type(ScalarType.Float64).item<double>(), greedy.item<bool>());
            }
            done += chunk.Length;
            progress?.Report(done);
        }
        return results;
    }
}
