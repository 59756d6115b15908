namespace Muscle.Tokenization;

/// <summary>A context/continuation pair as token ids: <c>Ids = context ++ continuation</c>.</summary>
public sealed record EncodedPair(int[] Ids, int ContextLength)
{
    public int ContinuationLength => Ids.Length - ContextLength;
}

/// <summary>
/// lm-evaluation-harness's <c>_encode_pair</c>: trailing spaces of the context move to the continuation, the whole
/// string is encoded once, and the continuation is what follows the context's own encoding. Training and scoring use
/// the same rule so a model is scored on exactly the tokens it was trained on.
/// </summary>
public static class PairEncoding
{
    public static EncodedPair Encode(this MuscleTokenizer tokenizer, string context, string continuation, int maxLength = int.MaxValue)
    {
        var trailing = context.Length - context.TrimEnd(' ').Length;
        if (trailing > 0)
        {
            continuation = context[^trailing..] + continuation;
            context = context[..^trailing];
        }
        var whole = tokenizer.Encode(context + continuation, addBos: true);
        var ctx = tokenizer.Encode(context, addBos: true);
        var ctxLen = Math.Min(ctx.Count, whole.Count);
        var ids = whole.ToArray();
        // Too long: drop from the left (lm-eval truncates the context, never the continuation).
        if (ids.Length > maxLength)
        {
            var drop = ids.Length - maxLength;
            ids = ids[drop..];
            ctxLen = Math.Max(0, ctxLen - drop);
        }
        return new EncodedPair(ids, ctxLen);
    }
}
