using Muscle.Adapters;
using Muscle.Evaluation;
using Muscle.Models;
using Muscle.Tokenization;
using Muscle.Training.Losses;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>The multiple-choice view of a split: every item's choice sequences and its gold index.</summary>
public sealed record ChoiceItems(IReadOnlyList<IReadOnlyList<EncodedPair>> Choices, IReadOnlyList<int> Gold)
{
    public int Count => Choices.Count;

    /// <summary>[item][choice] Σ log p(choice tokens | context) under a frozen model (the teachers' part, computed once).</summary>
    public double[][] Score(ICausalLM model, int batchSize, int padId)
    {
        var flat = Choices.SelectMany(c => c).ToList();
        var scores = LoglikelihoodScorer.Score(model, flat, batchSize, padId);
        var result = new double[Count][];
        var k = 0;
        for (var i = 0; i < Count; i++)
        {
            result[i] = new double[Choices[i].Count];
            for (var c = 0; c < result[i].Length; c++) result[i][c] = scores[k++].LogLikelihood;
        }
        return result;
    }
}

/// <summary>Both teachers' choice scores for the training and validation items (exact, computed before training).</summary>
public sealed record TeacherChoiceScores(double[][] OldTrain, double[][] NewTrain, double[][] OldValid, double[][] NewValid);

/// <summary>
/// The compatibility objective of <c>muscle-choice</c> and <c>focal-choice</c>: one student forward over all choices
/// of each item gives the choice distribution (and the gold row's token CE from the same logits); the teachers'
/// choice scores are fixed and computed once. Item terms are averaged over the step's items, token terms over its
/// counted tokens. <c>--with-token-loss</c> adds the paper's token-level <c>muscle</c> term on the gold sequences.
/// </summary>
public sealed class ChoiceCompatibilityObjective : ITrainingObjective
{
    private readonly ICausalLM _newModel;
    private readonly LoraAdapter _student;
    private readonly ChoiceItems _train, _valid;
    private readonly TokenizedSplit _gold;
    private readonly TeacherChoiceScores _teachers;
    private readonly ITeacherSource? _tokenTeachers;
    private readonly CompatibilityLossOptions _options;
    private readonly DeviceSum _compSum = new(), _ceSum = new(), _aligned = new(), _correct = new();
    private long _items, _tokens;
    private double _validComp = double.NaN, _validChoiceAcc = double.NaN;

    public ChoiceCompatibilityObjective(ICausalLM newModel, LoraAdapter student, ChoiceItems train, ChoiceItems valid,
                                        TokenizedSplit gold, TeacherChoiceScores teachers, ITeacherSource? tokenTeachers,
                                        CompatibilityLossOptions options)
    {
        options.Validate();
        if (!options.Strategy.IsChoiceLevel()) throw new ArgumentException("token-level strategies use CompatibilityObjective", nameof(options));
        if (options.WithTokenLoss && tokenTeachers is null) throw new ArgumentException("--with-token-loss needs token teachers", nameof(tokenTeachers));
        (_newModel, _student, _train, _valid, _gold, _teachers, _tokenTeachers, _options) =
            (newModel, student, train, valid, gold, teachers, tokenTeachers, options);
    }

    public int TrainCount => _train.Count;
    public int ValidCount => _valid.Count;

    public long Tokens(IReadOnlyList<int> items) => items.Sum(i => _train.Choices[i].Sum(p => (long)p.Ids.Length));

    public Tensor MicroBatchLoss(IReadOnlyList<int> microItems, IReadOnlyList<int> stepItems)
    {
        using var scope = NewDisposeScope();
        var device = _newModel.Device();
        var nTokens = Math.Max(1, _gold.CountedTokens(stepItems));
        using var batch = ChoiceBatch.Build(microItems.Select(i => _train.Choices[i]).ToList(), microItems.Select(i => _train.Gold[i]).ToList(),
                                            _gold.LossOn, _gold.PadId, device);
        _student.AttachTo(_newModel);
        var logits = _newModel.Forward(batch.InputIds, null, batch.AttentionMask); // [R, T, V]
        var terms = ChoiceLoss.Compute(batch.ChoiceScores(logits), batch.Gold,
            ChoiceBatch.FromHost(microItems.Select(i => _teachers.OldTrain[i]).ToList(), batch.MaxChoices, device),
            ChoiceBatch.FromHost(microItems.Select(i => _teachers.NewTrain[i]).ToList(), batch.MaxChoices, device), _options);
        var v = logits.shape[^1];
        var ceSum = nn.functional.cross_entropy(
            logits.reshape(-1, v).index_select(0, batch.GoldPositions).to_type(ScalarType.Float32), batch.GoldLabels,
            reduction: nn.Reduction.Sum);
        var comp = terms.CompSum / stepItems.Count;
        var ce = ceSum / nTokens;
        var loss = _options.Strategy == CompatibilityStrategy.FocalChoice ? ce + comp
                 : _options.CeWeight is double lambda ? lambda * comp + (1 - lambda) * ce
                 : comp;
        if (_options.WithTokenLoss)
        {
            using var tokenBatch = _gold.TrainBatch(microItems, device);
            var (oldT, newT) = _tokenTeachers!.Teachers(tokenBatch, microItems, training: true, needOld: true, needNew: true);
            _student.AttachTo(_newModel);
            var rows = tokenBatch.SelectCounted(_newModel.Forward(tokenBatch.InputIds, null, tokenBatch.AttentionMask));
            var tokenTerms = CompatibilityLoss.Compute(rows, tokenBatch.CountedLabels(), tokenBatch.CountedSequence, tokenBatch.Sequences,
                oldT!, newT!, _options with { Strategy = CompatibilityStrategy.Muscle, CeWeight = null });
            loss = loss + tokenTerms.Total / nTokens;
        }
        _compSum.Add(terms.CompSum);
        _ceSum.Add(ceSum);
        _aligned.Add(terms.AlignedOld);
        _correct.Add(terms.StudentCorrect);
        _items += microItems.Count;
        _tokens += batch.GoldCounted;
        return loss.MoveToOuterDisposeScope();
    }


    public double ValidationLoss(int batchSize)
    {
        _student.AttachTo(_newModel);
        var ce = CrossEntropyObjective.ValidationCrossEntropy(_newModel, _gold, batchSize);
        double comp = 0, correct = 0;
        var device = _newModel.Device();
        foreach (var items in Enumerable.Range(0, _valid.Count).Chunk(Math.Max(1, batchSize / 2)))
        {
            using var scope = NewDisposeScope();
            using var batch = ChoiceBatch.Build(items.Select(i => _valid.Choices[i]).ToList(), items.Select(i => _valid.Gold[i]).ToList(),
                                                _gold.LossOn, _gold.PadId, device);
            var terms = ChoiceLoss.Compute(batch.ChoiceScores(_newModel.Forward(batch.InputIds, null, batch.AttentionMask)), batch.Gold,
                ChoiceBatch.FromHost(items.Select(i => _teachers.OldValid[i]).ToList(), batch.MaxChoices, device),
                ChoiceBatch.FromHost(items.Select(i => _teachers.NewValid[i]).ToList(), batch.MaxChoices, device), _options);
            comp += terms.CompSum.item<float>();
            correct += terms.StudentCorrect.item<float>();
        }
        _validComp = comp / _valid.Count;
        _validChoiceAcc = correct / _valid.Count;
        return ce;
    }

    public IReadOnlyDictionary<string, double> TakeEpochStats()
    {
        var stats = new Dictionary<string, double>();
        if (_items > 0)
        {
            stats["train_l_comp"] = _compSum.Take() / _items;
            stats["train_ce"] = _ceSum.Take() / Math.Max(1, _tokens);
            stats["aligned_to_old"] = _aligned.Take() / _items;
            stats["train_choice_acc"] = _correct.Take() / _items;
        }
        if (!double.IsNaN(_validComp)) stats["valid_l_comp"] = _validComp;
        if (!double.IsNaN(_validChoiceAcc)) stats["valid_choice_acc"] = _validChoiceAcc;
        (_items, _tokens) = (0, 0);
        (_validComp, _validChoiceAcc) = (double.NaN, double.NaN);
        return stats;
    }
}
