using Muscle.Infrastructure;
using Muscle.Tokenization;
using static TorchSharp.torch;

namespace Muscle.Training;

/// <summary>
/// Training and validation sequences as token ids, with what counts in the loss, and batch builders for item lists.
/// The per-item counts are precomputed so a step's normaliser n is known before its first micro-batch runs.
/// </summary>
public sealed class TokenizedSplit
{
    private readonly long[] _trainCounted;
    private readonly long[] _trainTokens;

    public TokenizedSplit(IReadOnlyList<EncodedPair> train, IReadOnlyList<EncodedPair> valid, LossOn lossOn, int padId)
    {
        Train = train;
        Valid = valid;
        LossOn = lossOn;
        PadId = padId;
        _trainCounted = train.Select(p => Counted(p, lossOn)).ToArray();
        _trainTokens = train.Select(p => (long)p.Ids.Length).ToArray();
        // With every sequence cut to nothing the loss would be 0/0: say so instead of "non-finite loss" later.
        if (train.Count > 0 && _trainCounted.All(c => c == 0))
            throw new MuscleInputException(NothingLeft("training", train.Count, lossOn));
        if (valid.Count > 0 && valid.All(p => Counted(p, lossOn) == 0))
            throw new MuscleInputException(NothingLeft("validation", valid.Count, lossOn));
    }

    private static string NothingLeft(string split, int sequences, LossOn lossOn) =>
        $"no token is left to train on: none of the {sequences} {split} sequences has a target token within --max-seq-len " +
        $"(--loss-on {lossOn.ToString().ToLowerInvariant()}); raise --max-seq-len";

    public IReadOnlyList<EncodedPair> Train { get; }
    public IReadOnlyList<EncodedPair> Valid { get; }
    public LossOn LossOn { get; }
    public int PadId { get; }

    /// <summary>Next-token targets that count: every position but the last (All), or the answer tokens (Answer).</summary>
    public static long Counted(EncodedPair p, LossOn lossOn) =>
        lossOn == LossOn.All ? Math.Max(0, p.Ids.Length - 1) : Math.Max(0, p.Ids.Length - Math.Max(1, p.ContextLength));

    public long CountedTokens(IEnumerable<int> trainItems) => trainItems.Sum(i => _trainCounted[i]);

    public long Tokens(IEnumerable<int> trainItems) => trainItems.Sum(i => _trainTokens[i]);

    public CausalBatch TrainBatch(IReadOnlyList<int> items, Device device) =>
        CausalBatch.Build(items.Select(i => Train[i]).ToList(), LossOn, PadId, device);

    /// <summary>The validation set in order, in batches, each with the validation item indices it holds.</summary>
    public IEnumerable<(CausalBatch Batch, int[] Items)> ValidBatches(int batchSize, Device device) =>
        Enumerable.Range(0, Valid.Count).Chunk(batchSize)
            .Select(items => (CausalBatch.Build(items.Select(i => Valid[i]).ToList(), LossOn, PadId, device), items));
}
