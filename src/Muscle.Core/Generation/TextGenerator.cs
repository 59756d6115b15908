using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Generation;

// Shapes: B prompts decoded together (1 unless greedy), T tokens fed this step, V vocabulary.

/// <summary>
/// Autoregressive decoding: greedy or temperature/top-p sampling, KV cache, stop tokens, stop sequences and
/// no-repeat-n-gram. Greedy decoding runs several prompts of one token length together: with no padding every row
/// sees exactly its own positions, as when decoded alone, and a row leaves the batch when it stops. Each step reads the
/// chosen ids back to the host (the decision needs them).
/// </summary>
public sealed class TextGenerator(ICausalLM model, MuscleTokenizer tokenizer)
{
    public GenerationResult Generate(string prompt, GenerationOptions options)
    {
        var promptIds = tokenizer.Encode(prompt, addBos: true);
        if (promptIds.Count == 0 && tokenizer.BosId is int bos) promptIds = [bos];
        return GenerateFromIds(promptIds, options);
    }

    public GenerationResult GenerateFromIds(IReadOnlyList<int> promptIds, GenerationOptions options) =>
        GenerateBatch([promptIds], options)[0];

    /// <summary>
    /// Decodes <paramref name="prompts"/>, which must all have the same number of tokens (no padding, so each row's
    /// result is the one it gets alone, up to the order of sums inside a batched matrix product). More than one prompt
    /// needs greedy decoding: sampling draws from one generator in prompt order.
    /// </summary>
    public IReadOnlyList<GenerationResult> GenerateBatch(IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions options)
    {
        options.Validate();
        if (prompts.Count == 0) return [];
        var length = prompts[0].Count;
        if (length == 0)
            throw new Infrastructure.MuscleInputException("empty prompt and the tokenizer has no BOS token to start from");
        if (prompts.Any(p => p.Count != length))
            throw new ArgumentException("the prompts of one batch must have the same number of tokens (it is decoded without padding)", nameof(prompts));
        if (!options.Greedy && prompts.Count > 1)
            throw new ArgumentException("sampling decodes one prompt at a time (its random draws follow the prompt order)", nameof(prompts));
        var stopIds = new HashSet<int>(options.StopTokenIds ?? tokenizer.EosIds);
        var maxPositions = model.Config.MaxPositions;
        var rows = prompts.Select(p => new Row(p)).ToArray();
        var active = Enumerable.Range(0, rows.Length).ToList();
        var device = model.Device();
        using var generator = options.Greedy ? null : new Generator((ulong)options.Seed);
        using var cache = options.UseKvCache ? model.NewCache() : null;

        using (no_grad())
        {
            for (var step = 0; step < options.MaxNewTokens && active.Count > 0; step++)
            {
                if (length + step >= maxPositions)
                {
                    foreach (var r in active) rows[r].Reason = StopReason.ContextFull;
                    break;
                }
                using var scope = NewDisposeScope();
                // With a cache only the unseen token is fed; without one the whole sequence is recomputed.
                var feed = cache is null || step == 0 ? length + step : 1;
                var ids = new long[active.Count * feed];
                for (var a = 0; a < active.Count; a++)
                {
                    var history = rows[active[a]].History;
                    for (var t = 0; t < feed; t++) ids[a * feed + t] = history[history.Count - feed + t];
                }
                using var input = tensor(ids, [active.Count, feed], device: device);
                // The LM head runs on the last position only: the prompt's other positions are never read.
                var logits = model.LmHead(model.ForwardHidden(input, cache).select(1, -1)).to_type(ScalarType.Float32); // [B, V]
                // A host sync like the id read-back below. NaN/inf logits come from broken weights; sampling would die in
                // multinomial and greedy would pick an arbitrary id.
                if (!logits.isfinite().all().item<bool>())
                    throw new Infrastructure.MuscleInputException(
                        $"the model's logits are not finite at generation step {step + 1}: its weights hold NaN or infinite values",
                        Path.GetDirectoryName(model.Config.SourcePath));
                var next = options.Greedy && options.NoRepeatNgramSize == 0
                    ? logits.argmax(1).cpu().data<long>().ToArray()
                    : [.. active.Select((r, a) => (long)Choose(logits[a], rows[r].History, rows[r].Generated, length, options, generator))];
                var keep = new List<int>(active.Count);
                for (var a = 0; a < active.Count; a++)
                {
                    var row = rows[active[a]];
                    if (row.Add((int)next[a], stopIds, options.StopSequences, tokenizer, Decodable)) keep.Add(a);
                }
                if (keep.Count < active.Count && keep.Count > 0 && cache is not null)
                    cache.SelectBatch(tensor(keep.Select(a => (long)a).ToArray(), device: device));
                active = [.. keep.Select(a => active[a])];
            }
        }
        return [.. rows.Select(r => r.Result(tokenizer, Decodable))];
    }

    /// <summary>One prompt's decoding state.</summary>
    private sealed class Row(IReadOnlyList<int> prompt)
    {
        public readonly List<int> History = [.. prompt];
        public readonly List<int> Generated = [];
        public string Reason = StopReason.MaxTokens;
        private string? _cut;

        /// <summary>Appends the chosen id; false when it ends this row (a stop token, or a stop sequence in the text).</summary>
        public bool Add(int id, HashSet<int> stopIds, IReadOnlyList<string> stops, MuscleTokenizer tokenizer, Func<IEnumerable<int>, IEnumerable<int>> decodable)
        {
            History.Add(id);
            Generated.Add(id);
            if (stopIds.Contains(id)) { Reason = StopReason.Eos; return false; }
            if (stops.Count > 0 && StopSequences.Cut(tokenizer.Decode(decodable(Generated)), stops) is { } cut)
            {
                _cut = cut;
                Reason = StopReason.StopString;
                return false;
            }
            return true;
        }

        public GenerationResult Result(MuscleTokenizer tokenizer, Func<IEnumerable<int>, IEnumerable<int>> decodable)
        {
            var content = Reason == StopReason.Eos ? Generated.Take(Generated.Count - 1) : Generated;
            return new GenerationResult(Generated, _cut ?? tokenizer.Decode(decodable(content)), Reason, History.Count - Generated.Count);
        }
    }

    // Embedding matrices are often padded past the tokenizer (Phi-2: 51200 rows for 50295 tokens). HF's fast
    // tokenizers decode such ids to nothing, so they are skipped here instead of failing the decoder's range check.
    private IEnumerable<int> Decodable(IEnumerable<int> ids) => ids.Where(id => id < tokenizer.VocabSize);

    private static int Choose(Tensor logits, List<int> history, List<int> generated, int promptLength,
                              GenerationOptions o, Generator? generator)
    {
        if (o.NoRepeatNgramSize > 0)
        {
            IReadOnlyList<int> context = o.NoRepeatNgramIncludesPrompt ? history : generated;
            var banned = NoRepeatNgram.BannedTokens(context, o.NoRepeatNgramSize);
            if (banned.Count > 0)
            {
                using var idx = tensor(banned.Select(b => (long)b).ToArray(), device: logits.device);
                logits = logits.index_fill(0, idx, double.NegativeInfinity);
            }
        }
        if (o.Greedy) return (int)logits.argmax().item<long>(); // host sync: the next step needs the id

        var probs = (logits / o.Temperature).softmax(0);
        if (o.TopP < 1.0)
        {
            var (sorted, order) = probs.sort(descending: true);
            // Drop a token when the mass before it already reaches top_p; the most likely token always stays.
            var before = sorted.cumsum(0) - sorted;
            var keep = before.lt(o.TopP);
            var filtered = zeros_like(probs).index_put_(sorted * keep, order);
            probs = filtered / filtered.sum();
        }
        var sample = multinomial(probs.cpu(), 1, generator: generator);
        return (int)sample.item<long>();
    }
}
