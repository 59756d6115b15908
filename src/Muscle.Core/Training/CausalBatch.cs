using Muscle.Models;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Training;

// Shapes: B = sequences in the batch, T = longest sequence (right-padded).

/// <summary>
/// A right-padded batch for teacher forcing. <see cref="Labels"/>[b, t] is the token at t+1 when that target counts,
/// else −100 (padding, and the context when <see cref="LossOn.Answer"/>).
/// </summary>
public sealed class CausalBatch : IDisposable
{
    public const long IgnoreIndex = -100;

    /// <summary>Rows of [B, T, ...] at the counted positions: [N, ...].</summary>
    public Tensor SelectCounted(Tensor perPosition) =>
        perPosition.reshape([-1, .. perPosition.shape[2..]]).index_select(0, CountedPositions);

    /// <summary>
    /// [N, V] logits of <paramref name="model"/> at the counted positions, in the model's dtype: the LM head runs on those
    /// positions' hidden states only (a row of a matrix product does not depend on the other rows, so these are the rows
    /// the full [B, T, V] output would hold; with answer-only loss most positions are prompt).
    /// </summary>
    public Tensor CountedLogits(ICausalLM model)
    {
        using var scope = NewDisposeScope();
        return model.LmHead(SelectCounted(model.ForwardHidden(InputIds, null, AttentionMask))).MoveToOuterDisposeScope();
    }

    /// <summary>The next-token targets of the counted positions: [N].</summary>
    public Tensor CountedLabels() => Labels.reshape(-1).index_select(0, CountedPositions);

    private CausalBatch(Tensor inputIds, Tensor labels, Tensor attentionMask, long countedTokens, long realTokens,
                        Tensor countedPositions, Tensor countedSequence, int[] countedPerSequence)
    {
        InputIds = inputIds;
        Labels = labels;
        AttentionMask = attentionMask;
        CountedTokens = countedTokens;
        RealTokens = realTokens;
        CountedPositions = countedPositions;
        CountedSequence = countedSequence;
        CountedPerSequence = countedPerSequence;
    }

    public Tensor InputIds { get; }      // [B, T] int64
    public Tensor Labels { get; }        // [B, T] int64, −100 = ignored
    public Tensor AttentionMask { get; } // [B, T] int64, 1 = real token
    public long CountedTokens { get; }
    public long RealTokens { get; }

    /// <summary>[N] flat indices b·T + t of the counted positions, in order (built on the host: no sync to find them).</summary>
    public Tensor CountedPositions { get; }

    /// <summary>[N] the sequence (row b) each counted position belongs to.</summary>
    public Tensor CountedSequence { get; }

    /// <summary>Counted positions per sequence, in row order.</summary>
    public int[] CountedPerSequence { get; }

    public int Sequences => CountedPerSequence.Length;

    public static CausalBatch Build(IReadOnlyList<EncodedPair> sequences, LossOn lossOn, int padId, Device device)
    {
        var b = sequences.Count;
        var t = sequences.Max(s => s.Ids.Length);
        var ids = new long[b * t];
        var labels = new long[b * t];
        var mask = new long[b * t];
        long counted = 0, real = 0;
        var positions = new List<long>();
        var owners = new List<long>();
        var perSequence = new int[b];
        Array.Fill(ids, padId);
        Array.Fill(labels, IgnoreIndex);
        for (var i = 0; i < b; i++)
        {
            var s = sequences[i];
            for (var j = 0; j < s.Ids.Length; j++)
            {
                ids[i * t + j] = s.Ids[j];
                mask[i * t + j] = 1;
                real++;
                var target = j + 1;
                if (target < s.Ids.Length && (lossOn == LossOn.All || target >= s.ContextLength))
                {
                    labels[i * t + j] = s.Ids[target];
                    counted++;
                    positions.Add(i * t + j);
                    owners.Add(i);
                    perSequence[i]++;
                }
            }
        }
        return new CausalBatch(
            tensor(ids, [b, t], device: device).DetachFromDisposeScope(),
            tensor(labels, [b, t], device: device).DetachFromDisposeScope(),
            tensor(mask, [b, t], device: device).DetachFromDisposeScope(),
            counted, real,
            tensor(positions.ToArray(), device: device).DetachFromDisposeScope(),
            tensor(owners.ToArray(), device: device).DetachFromDisposeScope(),
            perSequence);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask.Dispose();
        CountedPositions.Dispose();
        CountedSequence.Dispose();
    }
}
