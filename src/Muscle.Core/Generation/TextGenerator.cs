using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Generation;

// Shapes: B = 1 (one prompt at a time), T = tokens fed this step, V = vocabulary.

/// <summary>
/// Autoregressive decoding for one prompt: greedy or temperature/top-p sampling, KV cache, stop tokens, stop
/// sequences and no-repeat-n-gram. Each step reads one token id back to the host (the decision needs it).
/// </summary>
public sealed class TextGenerator(ICausalLM model, MuscleTokenizer tokenizer)
{
    public GenerationResult Generate(string prompt, GenerationOptions options)
    {
        var promptIds = tokenizer.Encode(prompt, addBos: true);
        if (promptIds.Count == 0 && tokenizer.BosId is int bos) promptIds = [bos];
        return GenerateFromIds(promptIds, options);
    }

    public GenerationResult GenerateFromIds(IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        options.Validate();
        if (promptIds.Count == 0)
            throw new Infrastructure.MuscleInputException("empty prompt and the tokenizer has no BOS token to start from");
        var stopIds = new HashSet<int>(options.StopTokenIds ?? tokenizer.EosIds);
        var maxPositions = model.Config.MaxPositions;
        var history = new List<int>(promptIds);
        var generated = new List<int>();
        var device = model.Device();
        using var generator = options.Greedy ? null : new Generator((ulong)options.Seed);
        using var cache = options.UseKvCache ? model.NewCache() : null;
        var reason = StopReason.MaxTokens;
        var text = "";

        using (no_grad())
        {
            for (var step = 0; step < options.MaxNewTokens; step++)
            {
                if (history.Count >= maxPositions) { reason = StopReason.ContextFull; break; }
                using var scope = NewDisposeScope();
                // With a cache only the unseen tokens are fed; without one the whole sequence is recomputed.
                var feed = cache is null || step == 0 ? history : history.GetRange(history.Count - 1, 1);
                using var input = tensor(feed.Select(i => (long)i).ToArray(), [1, feed.Count], device: device);
                var logits = model.Forward(input, cache)[0, -1].to_type(ScalarType.Float32); // [V]
                // A host sync like the id read-back below. NaN/inf logits come from broken weights; sampling would die in
                // multinomial and greedy would pick an arbitrary id.
                if (!logits.isfinite().all().item<bool>())
                    throw new Infrastructure.MuscleInputException(
                        $"the model's logits are not finite at generation step {step + 1}: its weights hold NaN or infinite values",
                        Path.GetDirectoryName(model.Config.SourcePath));
                var next = Choose(logits, history, generated, promptIds.Count, options, generator);
                history.Add(next);
                generated.Add(next);
                if (stopIds.Contains(next)) { reason = StopReason.Eos; break; }
                if (options.StopSequences.Count > 0)
                {
                    text = tokenizer.Decode(Decodable(generated));
                    if (StopSequences.Cut(text, options.StopSequences) is { } cut) { text = cut; reason = StopReason.StopString; return new GenerationResult(generated, text, reason, promptIds.Count); }
                }
            }
        }
        var content = reason == StopReason.Eos ? generated.Take(generated.Count - 1) : generated;
        return new GenerationResult(generated, tokenizer.Decode(Decodable(content)), reason, promptIds.Count);
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

/// <summary>lm-eval's "until" rule: cut the continuation at the earliest occurrence of any stop sequence.</summary>
public static class StopSequences
{
    public static string? Cut(string text, IReadOnlyList<string> stops)
    {
        var best = -1;
        foreach (var s in stops)
        {
            if (s.Length == 0) continue;
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best < 0 ? null : text[..best];
    }
}
