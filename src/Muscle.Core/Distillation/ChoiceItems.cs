using Muscle.Adapters;
using Muscle.Distillation;
using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Pretraining;
using Muscle.Recipes;
using Muscle.Tasks;
using Muscle.Tokenization;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>The multiple-choice view of the items a choice-level objective trains on: choice sequences and gold index.</summary>
public sealed record ChoiceItems(IReadOnlyList<IReadOnlyList<EncodedPair>> Choices, IReadOnlyList<int> Gold)
{
    public int Count => Choices.Count;

    /// <summary>[item][choice] the items' choice scores under a frozen model.</summary>
    public double[][] Score(ICausalLM model, int batchSize, int padId) => ChoiceSequences.Score(Choices, model, batchSize, padId);
}
