using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tasks;
using Muscle.Tokenization;

namespace Muscle.Distillation;

/// <summary>Every item's choice sequences (context + continuation per choice, as lm-eval encodes them), without gold.</summary>
public sealed record ChoiceSequences(IReadOnlyList<IReadOnlyList<EncodedPair>> Train, IReadOnlyList<IReadOnlyList<EncodedPair>> Valid)
{
    /// <summary>Each example's choices encoded exactly as the scorer and the training batches see them.</summary>
    public static List<IReadOnlyList<EncodedPair>> Encode(IEnumerable<TaskExample> examples, MuscleTokenizer tokenizer, int maxSeqLen) =>
        examples.Select(ex => (IReadOnlyList<EncodedPair>)ex.Requests().Select(r => tokenizer.Encode(r.Context, r.Continuation, maxSeqLen)).ToList())
                .ToList();

    /// <summary>[item][choice] Σ log p(choice tokens | context) under a frozen model (the teachers' part, computed once).</summary>
    public static double[][] Score(IReadOnlyList<IReadOnlyList<EncodedPair>> choices, ICausalLM model, int batchSize, int padId)
    {
        var flat = choices.SelectMany(c => c).ToList();
        var scores = LoglikelihoodScorer.Score(model, flat, batchSize, padId);
        var result = new double[choices.Count][];
        var k = 0;
        for (var i = 0; i < choices.Count; i++)
        {
            result[i] = new double[choices[i].Count];
            for (var c = 0; c < result[i].Length; c++) result[i][c] = scores[k++].LogLikelihood;
        }
        return result;
    }
}
