using Muscle.Tokenization;
using Muscle.Training;
using static TorchSharp.torch;

namespace Muscle.Distillation;

// Shapes: I items, K = the largest choice count among them, R = Σ choices (one row per item·choice), T positions,
// M continuation tokens over all rows.

/// <summary>
/// Every answer choice of a few multiple-choice items as one right-padded batch, with host-built indices to sum each
/// row's continuation log-probabilities into s_k = Σ log p(choice-k tokens | context) without any device→host sync.
/// </summary>
public sealed class ChoiceBatch : IDisposable
{
    private ChoiceBatch(Tensor inputIds, Tensor attentionMask, Tensor contPositions, Tensor contOwner, Tensor contLabels,
                        Tensor rowSlot, int items, int maxChoices, Tensor gold, Tensor choiceMask,
                        Tensor goldPositions, Tensor goldLabels, long goldCounted)
    {
        GoldPositions = goldPositions;
        GoldLabels = goldLabels;
        GoldCounted = goldCounted;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        ContinuationPositions = contPositions;
        ContinuationOwner = contOwner;
        ContinuationLabels = contLabels;
        RowSlot = rowSlot;
        Items = items;
        MaxChoices = maxChoices;
        Gold = gold;
        ChoiceMask = choiceMask;
    }

    public Tensor InputIds { get; }              // [R, T]
    public Tensor AttentionMask { get; }         // [R, T]
    public Tensor ContinuationPositions { get; } // [M] flat r·T + t predicting a continuation token
    public Tensor ContinuationOwner { get; }     // [M] row r
    public Tensor ContinuationLabels { get; }    // [M] the continuation token predicted there
    public Tensor RowSlot { get; }               // [R] item·K + choice
    public int Items { get; }
    public int MaxChoices { get; }
    public Tensor Gold { get; }                  // [I] gold choice
    public Tensor ChoiceMask { get; }            // [I, K] true where the item has that choice
    public Tensor GoldPositions { get; }         // [N] flat positions of the gold rows' counted next-token targets
    public Tensor GoldLabels { get; }            // [N]
    public long GoldCounted { get; }

    /// <param name="lossOn">Which targets of the gold row count for the token CE (as <see cref="CausalBatch"/>).</param>
    public static ChoiceBatch Build(IReadOnlyList<IReadOnlyList<EncodedPair>> choices, IReadOnlyList<int> gold, LossOn lossOn,
                                    int padId, Device device)
    {
        var goldPositions = new List<long>();
        var goldLabels = new List<long>();
        var rows = choices.SelectMany(c => c).ToList();
        var k = choices.Max(c => c.Count);
        var t = rows.Max(r => r.Ids.Length);
        var ids = new long[rows.Count * t];
        var mask = new long[rows.Count * t];
        Array.Fill(ids, padId);
        var positions = new List<long>();
        var owners = new List<long>();
        var labels = new List<long>();
        var slots = new long[rows.Count];
        var present = new bool[choices.Count * k];
        var r = 0;
        for (var item = 0; item < choices.Count; item++)
            for (var c = 0; c < choices[item].Count; c++, r++)
            {
                var p = choices[item][c];
                if (p.ContextLength < 1) throw new ArgumentException("a choice needs at least one context token before it");
                for (var j = 0; j < p.Ids.Length; j++)
                {
                    ids[r * t + j] = p.Ids[j];
                    mask[r * t + j] = 1;
                }
                for (var j = p.ContextLength; j < p.Ids.Length; j++)
                {
                    positions.Add(r * t + j - 1);
                    owners.Add(r);
                    labels.Add(p.Ids[j]);
                }
                if (c == gold[item])
                    for (var j = 0; j + 1 < p.Ids.Length; j++)
                        if (lossOn == LossOn.All || j + 1 >= p.ContextLength)
                        {
                            goldPositions.Add(r * t + j);
                            goldLabels.Add(p.Ids[j + 1]);
                        }
                slots[r] = item * k + c;
                present[item * k + c] = true;
            }
        return new ChoiceBatch(
            tensor(ids, [rows.Count, t], device: device).DetachFromDisposeScope(),
            tensor(mask, [rows.Count, t], device: device).DetachFromDisposeScope(),
            tensor(positions.ToArray(), device: device).DetachFromDisposeScope(),
            tensor(owners.ToArray(), device: device).DetachFromDisposeScope(),
            tensor(labels.ToArray(), device: device).DetachFromDisposeScope(),
            tensor(slots, device: device).DetachFromDisposeScope(),
            choices.Count, k,
            tensor(gold.Select(g => (long)g).ToArray(), device: device).DetachFromDisposeScope(),
            tensor(present, [choices.Count, k], device: device).DetachFromDisposeScope(),
            tensor(goldPositions.ToArray(), device: device).DetachFromDisposeScope(),
            tensor(goldLabels.ToArray(), device: device).DetachFromDisposeScope(),
            goldPositions.Count);
    }

    /// <summary>[I, K] s_k from the rows' logits [R, T, V]; absent choices are −∞.</summary>
    public Tensor ChoiceScores(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var v = logits.shape[^1];
        var lp = logits.reshape(-1, v).index_select(0, ContinuationPositions).to_type(ScalarType.Float32).log_softmax(-1)
            .gather(1, ContinuationLabels.unsqueeze(1)).squeeze(1);                                        // [M]
        var perRow = zeros(RowSlot.shape[0], dtype: ScalarType.Float32, device: lp.device).index_add(0, ContinuationOwner, lp, 1); // [R]
        var scores = full(Items * MaxChoices, double.NegativeInfinity, dtype: ScalarType.Float32, device: lp.device)
            .index_copy(0, RowSlot, perRow);
        return scores.reshape(Items, MaxChoices).MoveToOuterDisposeScope();
    }

    /// <summary>[I, K] from per-item host scores (teachers' cached s_k), −∞ where an item has fewer choices.</summary>
    public static Tensor FromHost(IReadOnlyList<double[]> perItem, int maxChoices, Device device)
    {
        var flat = new float[perItem.Count * maxChoices];
        Array.Fill(flat, float.NegativeInfinity);
        for (var i = 0; i < perItem.Count; i++)
            for (var c = 0; c < perItem[i].Length; c++) flat[i * maxChoices + c] = (float)perItem[i][c];
        return tensor(flat, [perItem.Count, maxChoices], device: device);
    }

    public void Dispose()
    {
        foreach (var x in new[] { InputIds, AttentionMask, ContinuationPositions, ContinuationOwner, ContinuationLabels, RowSlot, Gold,
                                  ChoiceMask, GoldPositions, GoldLabels })
            x.Dispose();
    }
}
