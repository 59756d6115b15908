using Muscle.Models;
using Muscle.Tokenization;

namespace Muscle.Distillation;

/// <summary>The multiple-choice view of the items a choice-level objective trains on: choice sequences and gold index.</summary>
public sealed record ChoiceItems(IReadOnlyList<IReadOnlyList<EncodedPair>> Choices, IReadOnlyList<int> Gold)
{
    public int Count => Choices.Count;

    /// <summary>[item][choice] the items' choice scores under a frozen model.</summary>
    public double[][] Score(ICausalLM model, int batchSize, int padId) => ChoiceSequences.Score(Choices, model, batchSize, padId);
}
