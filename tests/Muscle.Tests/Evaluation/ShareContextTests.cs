using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tests.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Tests.Evaluation;

/// <summary>
/// LoglikelihoodScorer runs a context shared by several requests once (KvCache, repeated per continuation): it must give
/// the plain path's log-likelihoods (each request scored alone) within fp32 rounding and the same greedy flags, for every family.
/// </summary>
public class ShareContextTests
{
    private static int[] Ids(int seed, int length) => Enumerable.Range(0, length).Select(j => 1 + (seed * 37 + j * 11 + j * j) % 63).ToArray();

    /// <summary>The model's greedy continuation of <paramref name="context"/> (so one choice per item has IsGreedy = true).</summary>
    private static int[] Greedy(ICausalLM model, int[] context, int length)
    {
        var ids = context.ToList();
        for (var k = 0; k < length; k++)
        {
            using var scope = NewDisposeScope();
            var logits = model.Forward(tensor(ids.Select(x => (long)x).ToArray(), [1, ids.Count]));
            ids.Add((int)logits[0, -1].argmax().item<long>());
        }
        return ids.Skip(context.Length).ToArray();
    }

    private static List<EncodedPair> Requests(ICausalLM model)
    {
        var list = new List<EncodedPair>();
        void Item(int[] context, params int[][] choices) => list.AddRange(choices.Select(c => new EncodedPair([.. context, .. c], context.Length)));
        var a = Ids(1, 6);
        Item(a, Ids(2, 1), Ids(3, 4), Greedy(model, a, 3), Ids(4, 2));
        var b = Ids(5, 6);                                    // same length as a: batched with it
        Item(b, Ids(6, 3), Greedy(model, b, 2));
        Item([.. a[..5], a[5] % 63 + 1], Ids(7, 2), Ids(8, 5)); // differs from a in its last token only
        Item(Ids(9, 9), Ids(10, 1), Ids(11, 1), Ids(12, 3), Ids(13, 2), Ids(14, 4)); // more choices than a batch of 3
        Item(Ids(15, 4), Ids(16, 3));                         // a context of its own: the plain path
        list.Insert(3, new EncodedPair([.. a, .. Ids(17, 2)], a.Length)); // shared, but not adjacent to its item
        return list;
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void SharedContextsScoreAsThePlainPath(string family)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = CausalLMFactory.Create(TinyConfigs.ByName(family));
        model.Freeze();
        model.Module.train(false);
        var requests = Requests(model);
        var alone = requests.Select(r => LoglikelihoodScorer.Score(model, [r], 1, padId: 0)[0]).ToArray();
        Assert.Contains(alone, s => s.IsGreedy);
        Assert.Contains(alone, s => !s.IsGreedy);
        foreach (var batchSize in new[] { 3, 16 })
        {
            var reported = new List<int>();
            var shared = LoglikelihoodScorer.Score(model, requests, batchSize, padId: 0, new SyncProgress(reported.Add));
            Assert.Equal(requests.Count, reported[^1]);
            for (var i = 0; i < requests.Count; i++)
            {
                Tolerance.Float32.AssertClose(alone[i].LogLikelihood, shared[i].LogLikelihood, $"{family} batch {batchSize} request {i}");
                Assert.Equal(alone[i].IsGreedy, shared[i].IsGreedy);
            }
        }
    }

    [Fact]
    public void SelectBatchRepeatsCacheRows()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = CausalLMFactory.Create(TinyConfigs.Llama());
        model.Freeze();
        using var _ = no_grad();
        using var cache = model.NewCache();
        model.Forward(tensor(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]), cache);
        cache.SelectBatch(tensor(new long[] { 1, 0, 1 }));
        var next = model.Forward(tensor(new long[] { 7, 8, 9 }, [3, 1]), cache)[.., -1];                 // [3, V]
        var expected = model.Forward(tensor(new long[] { 4, 5, 6, 7, 1, 2, 3, 8, 4, 5, 6, 9 }, [3, 4]))[.., -1];
        Assert.Equal(4, cache.Length);
        TensorAssert.Close(expected, next, "cache rows selected");
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this reports inline.</summary>
    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
