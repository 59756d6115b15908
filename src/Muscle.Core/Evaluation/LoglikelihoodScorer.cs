using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Evaluation;

// Shapes: B requests in a batch, T longest request (right-padded), V vocabulary, C hidden size;
// shared-prefix batches: G contexts of length L, R continuations, U longest continuation minus one.

/// <summary>Σ log p(continuation | context) of one request, and whether greedy decoding would produce it.</summary>
public readonly record struct LoglikelihoodScore(double LogLikelihood, bool IsGreedy);

/// <summary>
/// lm-evaluation-harness's <c>loglikelihood</c>: for each (context, continuation) the summed log-probability of the
/// continuation tokens under teacher forcing. Results come back in request order; deterministic for a fixed batch size.
/// <para>Requests whose context token ids are identical (a multiple-choice item's choices) share one forward of that
/// context: it runs once into a <see cref="KvCache"/>, the cache is repeated for each continuation, and the
/// continuations run as one batch on it (equal to the plain path to fp32 rounding; ShareContextTests). Contexts of the
/// same length are batched together; a continuation's first token is predicted by the context's last position.
/// Requests with a context of their own take the plain path: batched longest-first, right-padded (right padding never
/// changes a real position under the causal mask).</para>
/// </summary>
public static class LoglikelihoodScorer
{
    public static LoglikelihoodScore[] Score(ICausalLM model, IReadOnlyList<EncodedPair> requests, int batchSize,
                                             int padId, IProgress<int>? progress = null)
    {
        batchSize = Math.Max(1, batchSize);
        if (requests.Any(r => r.ContextLength < 1))
            throw new ArgumentException("a scored request needs at least one context token (e.g. BOS) before its continuation");
        var results = new LoglikelihoodScore[requests.Count];
        var groups = Enumerable.Range(0, requests.Count)
            .GroupBy(i => requests[i].Ids.AsMemory(0, requests[i].ContextLength), ContextComparer.Instance)
            .Select(g => g.ToArray()).ToList();
        var plain = groups.Where(g => g.Length == 1).Select(g => g[0]).ToList();
        var shared = groups.Where(g => g.Length > 1).SelectMany(g => g.Chunk(batchSize)).ToList();
        var done = 0;
        using var _ = no_grad();
        foreach (var chunk in plain.OrderByDescending(i => requests[i].Ids.Length).ThenBy(i => i).Chunk(batchSize))
        {
            ScorePlain(model, requests, chunk, padId, results);
            done += chunk.Length;
            progress?.Report(done);
        }
        foreach (var batch in SharedBatches(requests, shared, batchSize))
        {
            ScoreShared(model, requests, batch, padId, results);
            done += batch.Sum(g => g.Length);
            progress?.Report(done);
        }
        return results;
    }

    /// <summary>Groups (each ≤ batchSize requests) packed into batches of one context length and ≤ batchSize requests.</summary>
    private static IEnumerable<List<int[]>> SharedBatches(IReadOnlyList<EncodedPair> requests, List<int[]> groups, int batchSize)
    {
        foreach (var sameLength in groups.GroupBy(g => requests[g[0]].ContextLength).OrderByDescending(l => l.Key))
        {
            var batch = new List<int[]>();
            foreach (var group in sameLength)
            {
                if (batch.Count > 0 && batch.Sum(g => g.Length) + group.Length > batchSize)
                {
                    yield return batch;
                    batch = [];
                }
                batch.Add(group);
            }
            if (batch.Count > 0) yield return batch;
        }
    }

    private static void ScorePlain(ICausalLM model, IReadOnlyList<EncodedPair> requests, int[] chunk, int padId, LoglikelihoodScore[] results)
    {
        using var scope = NewDisposeScope();
        var t = chunk.Max(i => requests[i].Ids.Length);
        var ids = new long[chunk.Length * t];
        var mask = new long[chunk.Length * t];
        Array.Fill(ids, padId);
        for (var b = 0; b < chunk.Length; b++)
        {
            var r = requests[chunk[b]];
            for (var j = 0; j < r.Ids.Length; j++)
            {
                ids[b * t + j] = r.Ids[j];
                mask[b * t + j] = 1;
            }
        }
        var device = model.Device();
        var logits = model.Forward(tensor(ids, [chunk.Length, t], device: device), null, tensor(mask, [chunk.Length, t], device: device)); // [B, T, V]
        for (var b = 0; b < chunk.Length; b++)
        {
            var r = requests[chunk[b]];
            // Positions ctx−1 .. L−2 predict the continuation tokens ctx .. L−1.
            results[chunk[b]] = Continuation(logits[b].narrow(0, r.ContextLength - 1, r.ContinuationLength), r, device);
        }
    }

    /// <summary>One batch of shared contexts (all of length L): contexts once, then every continuation on the repeated cache.</summary>
    private static void ScoreShared(ICausalLM model, IReadOnlyList<EncodedPair> requests, List<int[]> groups, int padId, LoglikelihoodScore[] results)
    {
        using var scope = NewDisposeScope();
        var device = model.Device();
        var l = requests[groups[0][0]].ContextLength;
        var contextIds = groups.SelectMany(g => requests[g[0]].Ids.Take(l).Select(x => (long)x)).ToArray();
        using var cache = model.NewCache();
        var hidden = model.ForwardHidden(tensor(contextIds, [groups.Count, l], device: device), cache); // [G, L, C]
        var firstLogits = model.LmHead(hidden.select(1, l - 1));                                       // [G, V]: predicts each continuation's first token

        var members = groups.SelectMany((g, gi) => g.Select(i => (Request: i, Group: gi))).ToArray(); // R rows
        cache.SelectBatch(tensor(members.Select(m => (long)m.Group).ToArray(), device: device));
        // Continuation tokens but the last are fed; position j predicts token j + 1.
        var u = members.Max(m => requests[m.Request].ContinuationLength - 1);
        Tensor? contLogits = null;
        if (u > 0)
        {
            var ids = new long[members.Length * u];
            var mask = new long[members.Length * (l + u)];
            Array.Fill(ids, padId);
            for (var b = 0; b < members.Length; b++)
            {
                var r = requests[members[b].Request];
                for (var j = 0; j < l; j++) mask[b * (l + u) + j] = 1;
                for (var j = 0; j < r.ContinuationLength - 1; j++)
                {
                    ids[b * u + j] = r.Ids[l + j];
                    mask[b * (l + u) + l + j] = 1;
                }
            }
            contLogits = model.Forward(tensor(ids, [members.Length, u], device: device), cache,
                                       tensor(mask, [members.Length, l + u], device: device)); // [R, U, V]
        }
        for (var b = 0; b < members.Length; b++)
        {
            var r = requests[members[b].Request];
            var first = firstLogits[members[b].Group].unsqueeze(0);                       // [1, V]
            var rows = r.ContinuationLength <= 1 ? first.narrow(0, 0, r.ContinuationLength)
                : cat([first, contLogits![b].narrow(0, 0, r.ContinuationLength - 1)], 0); // [C, V]
            results[members[b].Request] = Continuation(rows, r, device);
        }
    }

    /// <summary>Σ log p and the greedy flag from the logits [C, V] that predict the continuation's C tokens.</summary>
    private static LoglikelihoodScore Continuation(Tensor logits, EncodedPair r, Device device)
    {
        var rows = logits.to_type(ScalarType.Float32);
        var target = tensor(r.Ids[r.ContextLength..].Select(x => (long)x).ToArray(), device: device); // [C]
        var picked = rows.log_softmax(-1).gather(1, target.unsqueeze(1)).squeeze(1);                 // [C]
        var greedy = rows.argmax(-1).eq(target).all();
        return new LoglikelihoodScore(picked.sum().to_type(ScalarType.Float64).item<double>(), greedy.item<bool>());
    }

    /// <summary>Context token ids compared by value.</summary>
    private sealed class ContextComparer : IEqualityComparer<ReadOnlyMemory<int>>
    {
        public static readonly ContextComparer Instance = new();

        public bool Equals(ReadOnlyMemory<int> a, ReadOnlyMemory<int> b) => a.Span.SequenceEqual(b.Span);

        public int GetHashCode(ReadOnlyMemory<int> m)
        {
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(m.Span));
            return h.ToHashCode();
        }
    }
}
