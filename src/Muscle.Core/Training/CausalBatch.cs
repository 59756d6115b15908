using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Training;

// Shapes: B = sequences in the batch, T = longest sequence (right-padded).

/// <summary>Which next-token targets count in the loss: context + answer (the paper) or the answer only.</summary>
public enum LossOn
{
    All,
    Answer,
}

/// <summary>
/// A right-padded batch for teacher forcing. <see cref="Labels"/>[b, t] is the token at t+1 when that target counts,
/// else −100 (padding, and the context when <see cref="LossOn.Answer"/>).
/// </summary>
public sealed class CausalBatch : IDisposable
{
    public const long IgnoreIndex = -100;

    private CausalBatch(Tensor inputIds, Tensor labels, Tensor attentionMask, long countedTokens, long realTokens)
    {
        InputIds = inputIds;
        Labels = labels;
        AttentionMask = attentionMask;
        CountedTokens = countedTokens;
        RealTokens = realTokens;
    }

    public Tensor InputIds { get; }      // [B, T] int64
    public Tensor Labels { get; }        // [B, T] int64, −100 = ignored
    public Tensor AttentionMask { get; } // [B, T] int64, 1 = real token
    public long CountedTokens { get; }
    public long RealTokens { get; }

    public static CausalBatch Build(IReadOnlyList<EncodedPair> sequences, LossOn lossOn, int padId, Device device)
    {
        var b = sequences.Count;
        var t = sequences.Max(s => s.Ids.Length);
        var ids = new long[b * t];
        var labels = new long[b * t];
        var mask = new long[b * t];
        long counted = 0, real = 0;
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
                }
            }
        }
        return new CausalBatch(
            tensor(ids, [b, t], device: device).DetachFromDisposeScope(),
            tensor(labels, [b, t], device: device).DetachFromDisposeScope(),
            tensor(mask, [b, t], device: device).DetachFromDisposeScope(),
            counted, real);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask.Dispose();
    }
}
