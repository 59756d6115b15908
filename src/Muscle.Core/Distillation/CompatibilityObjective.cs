using Muscle.Adapters;
using Muscle.Models;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: B sequences, T positions, V vocabulary, N counted tokens of a micro-batch.

/// <summary>
/// The compatibility adapter's objective for token-level strategies: the student (new base + compatibility LoRA) is
/// trained on the task's teacher-forced sequences with the strategy's loss; validation selects by CE and also logs
/// L_comp; each epoch logs the share of tokens aligned to the old model.
/// </summary>
public sealed class CompatibilityObjective : ITrainingObjective
{
    private readonly ICausalLM _newModel;
    private readonly LoraAdapter _student;
    private readonly TokenizedSplit _data;
    private readonly ITeacherSource _teachers;
    private readonly CompatibilityLossOptions _options;
    private readonly DeviceSum _compSum = new(), _ceSum = new(), _aligned = new();
    private readonly int _firstTransfer;
    private long _counted, _items, _transferItems;

    /// <param name="firstTransfer">Training items from this index on are <c>--transfer</c> inputs (counted in the epoch
    /// stats; their sequences already count every token, see <see cref="TransferSet"/>); null: none.</param>
    public CompatibilityObjective(ICausalLM newModel, LoraAdapter student, TokenizedSplit data, ITeacherSource teachers,
                                  CompatibilityLossOptions options, int? firstTransfer = null)
    {
        options.Validate();
        if (options.Strategy.IsChoiceLevel)
            throw new ArgumentException("choice-level strategies use ChoiceCompatibilityObjective", nameof(options));
        _newModel = newModel;
        _student = student;
        _data = data;
        _teachers = teachers;
        _options = options;
        _firstTransfer = firstTransfer ?? data.Train.Count;
    }

    public int TrainCount => _data.Train.Count;
    public int ValidCount => _data.Valid.Count;

    public long Tokens(IReadOnlyList<int> items) => _data.Tokens(items);

    private bool NeedsOld => _options.Strategy.NeedsOldTeacher;

    private bool NeedsNew => _options.Strategy.NeedsNewTeacher;

    public Tensor MicroBatchLoss(IReadOnlyList<int> microItems, IReadOnlyList<int> stepItems)
    {
        var n = _data.CountedTokens(stepItems);
        using var scope = NewDisposeScope();
        using var batch = _data.TrainBatch(microItems, _newModel.Device());
        if (n == 0 || batch.CountedTokens == 0) return zeros(1, device: batch.InputIds.device, requires_grad: true).sum().MoveToOuterDisposeScope();
        var terms = Terms(batch, microItems, training: true);
        Accumulate(terms, batch.CountedTokens);
        _items += microItems.Count;
        _transferItems += microItems.Count(i => i >= _firstTransfer);
        return (terms.Total / n).MoveToOuterDisposeScope();
    }

    private LossTerms Terms(CausalBatch batch, IReadOnlyList<int> items, bool training)
    {
        var (oldT, newT) = _teachers.Teachers(batch, items, training, NeedsOld, NeedsNew);
        _newModel.SetAdapter(_student.Name);
        var student = batch.CountedLogits(_newModel); // [N, V]
        return CompatibilityLoss.Compute(student, batch.CountedLabels(), batch.CountedSequence, batch.Sequences,
                                         oldT!, newT!, _options);
    }

    private void Accumulate(LossTerms terms, long counted)
    {
        // Kept on the device; read back once per epoch in TakeEpochStats.
        _compSum.Add(terms.CompSum);
        _ceSum.Add(terms.CeSum);
        _aligned.Add(terms.AlignedOld);
        _counted += counted;
    }

    public double ValidationLoss(int batchSize)
    {
        _newModel.SetAdapter(_student.Name);
        var ce = CrossEntropyObjective.ValidationCrossEntropy(_newModel, _data, batchSize);
        if (NeedsOld)
        {
            // L_comp on validation is logged, not used for selection (selection is by CE, as for the task adapters).
            double comp = 0;
            long counted = 0;
            foreach (var (batch, items) in _data.ValidBatches(batchSize, _newModel.Device()))
            {
                using var _ = batch;
                if (batch.CountedTokens == 0) continue;
                using var scope = NewDisposeScope();
                using var noGrad = no_grad(); // logged only: no graph, and the loss skips its gradient pass
                comp += Terms(batch, items, training: false).CompSum.item<float>();
                counted += batch.CountedTokens;
            }
            _validComp = counted == 0 ? double.NaN : comp / counted;
        }
        return ce;
    }

    private double _validComp = double.NaN;

    public IReadOnlyDictionary<string, double> TakeEpochStats()
    {
        var stats = new Dictionary<string, double>();
        if (_counted > 0)
        {
            stats["train_l_comp"] = _compSum.Take() / _counted;
            stats["train_ce"] = _ceSum.Take() / _counted;
            stats["aligned_to_old"] = _aligned.Take() / _counted;
            stats["train_items"] = _items;
        }
        if (_firstTransfer < _data.Train.Count) stats["transfer_items"] = _transferItems;
        if (!double.IsNaN(_validComp)) stats["valid_l_comp"] = _validComp;
        (_counted, _items, _transferItems, _validComp) = (0, 0, 0, double.NaN);
        return stats;
    }
}
