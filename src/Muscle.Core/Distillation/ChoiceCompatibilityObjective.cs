using Muscle.Adapters;
using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

/// <summary>
/// The compatibility objective of <c>muscle-choice</c> and <c>focal-choice</c>: one student forward over all choices
/// of each item gives the choice distribution (and the gold row's token CE from the same logits); the teachers'
/// choice scores are fixed and computed once. Item terms are averaged over the step's items, token terms over its
/// counted tokens. <c>--with-token-loss</c> adds the paper's token-level <c>muscle</c> term on the token split
/// (a labelled item's gold sequence; a transfer item's input text, see <see cref="TransferSet"/>).
/// <para>Transfer items (objective items from <c>firstTransfer</c> on) carry their pseudo-gold in
/// <see cref="ChoiceItems.Gold"/>: the choice both teachers pick; items where they disagree never reach the objective,
/// <c>transferSkipped</c> only reports how many.</para>
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
    private readonly long[] _goldRowCounted;
    private readonly int _firstTransfer, _transferSkipped;
    private long _items, _tokens, _transferItems;
    private double _validComp = double.NaN, _validChoiceAcc = double.NaN;

    public ChoiceCompatibilityObjective(ICausalLM newModel, LoraAdapter student, ChoiceItems train, ChoiceItems valid,
                                        TokenizedSplit gold, TeacherChoiceScores teachers, ITeacherSource? tokenTeachers,
                                        CompatibilityLossOptions options, int? firstTransfer = null, int transferSkipped = 0)
    {
        options.Validate();
        if (!options.Strategy.IsChoiceLevel) throw new ArgumentException("token-level strategies use CompatibilityObjective", nameof(options));
        if (options.WithTokenLoss && tokenTeachers is null) throw new ArgumentException("--with-token-loss needs token teachers", nameof(tokenTeachers));
        (_newModel, _student, _train, _valid, _gold, _teachers, _tokenTeachers, _options) =
            (newModel, student, train, valid, gold, teachers, tokenTeachers, options);
        if (gold.Train.Count != train.Count) throw new ArgumentException("one token sequence per training item", nameof(gold));
        _firstTransfer = firstTransfer ?? train.Count;
        _transferSkipped = transferSkipped;
        // The gold row's counted CE targets per item (ChoiceBatch counts them as CausalBatch does), known before a step runs.
        _goldRowCounted = [.. Enumerable.Range(0, train.Count).Select(i => TokenizedSplit.Counted(train.Choices[i][train.Gold[i]], gold.LossOn))];
    }

    public int TrainCount => _train.Count;
    public int ValidCount => _valid.Count;

    public long Tokens(IReadOnlyList<int> items) => items.Sum(i => _train.Choices[i].Sum(p => (long)p.Ids.Length));

    public Tensor MicroBatchLoss(IReadOnlyList<int> microItems, IReadOnlyList<int> stepItems)
    {
        using var scope = NewDisposeScope();
        var device = _newModel.Device();
        // A labelled item's gold row is its token sequence, so both counts agree; a transfer item's token sequence is its
        // input text alone, shorter than the pseudo-gold row.
        var nCe = Math.Max(1, stepItems.Sum(i => _goldRowCounted[i]));
        var nTokens = Math.Max(1, _gold.CountedTokens(stepItems));
        using var batch = ChoiceBatch.Build(microItems.Select(i => _train.Choices[i]).ToList(), microItems.Select(i => _train.Gold[i]).ToList(),
                                            _gold.LossOn, _gold.PadId, device);
        _newModel.SetAdapter(_student.Name);
        var logits = _newModel.Forward(batch.InputIds, null, batch.AttentionMask); // [R, T, V]
        var terms = ChoiceLoss.Compute(batch.ChoiceScores(logits), batch.Gold,
            ChoiceBatch.FromHost(microItems.Select(i => _teachers.OldTrain[i]).ToList(), batch.MaxChoices, device),
            ChoiceBatch.FromHost(microItems.Select(i => _teachers.NewTrain[i]).ToList(), batch.MaxChoices, device), _options);
        var v = logits.shape[^1];
        var ceSum = nn.functional.cross_entropy(
            logits.reshape(-1, v).index_select(0, batch.GoldPositions).to_type(ScalarType.Float32), batch.GoldLabels,
            reduction: nn.Reduction.Sum);
        var comp = terms.CompSum / stepItems.Count;
        var ce = ceSum / nCe;
        var loss = _options.Strategy.ChoiceLoss(comp, ce, _options);
        if (_options.WithTokenLoss)
        {
            using var tokenBatch = _gold.TrainBatch(microItems, device);
            var (oldT, newT) = _tokenTeachers!.Teachers(tokenBatch, microItems, training: true, needOld: true, needNew: true);
            _newModel.SetAdapter(_student.Name);
            var rows = tokenBatch.CountedLogits(_newModel);
            var tokenTerms = CompatibilityLoss.Compute(rows, tokenBatch.CountedLabels(), tokenBatch.CountedSequence, tokenBatch.Sequences,
                oldT!, newT!, _options with { Strategy = CompatibilityStrategies.Default, CeWeight = null });
            loss = loss + tokenTerms.Total / nTokens;
        }
        _compSum.Add(terms.CompSum);
        _ceSum.Add(ceSum);
        _aligned.Add(terms.AlignedOld);
        _correct.Add(terms.StudentCorrect);
        _items += microItems.Count;
        _transferItems += microItems.Count(i => i >= _firstTransfer);
        _tokens += batch.GoldCounted;
        return loss.MoveToOuterDisposeScope();
    }

    public double ValidationLoss(int batchSize)
    {
        _newModel.SetAdapter(_student.Name);
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
            stats["train_items"] = _items;
        }
        if (_firstTransfer < _train.Count || _transferSkipped > 0)
        {
            stats["transfer_items"] = _transferItems;
            stats["transfer_skipped"] = _transferSkipped;
        }
        if (!double.IsNaN(_validComp)) stats["valid_l_comp"] = _validComp;
        if (!double.IsNaN(_validChoiceAcc)) stats["valid_choice_acc"] = _validChoiceAcc;
        (_items, _tokens, _transferItems) = (0, 0, 0);
        (_validComp, _validChoiceAcc) = (double.NaN, double.NaN);
        return stats;
    }
}
