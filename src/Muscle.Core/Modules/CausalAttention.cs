using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: B batch, H query heads, Hkv key/value heads, T new positions, S = past + T key positions, D head dim.
// q [B, H, T, D], k/v [B, Hkv, S, D], blocked [B or 1, 1, T, S] (true = may not attend) -> [B, H, T, D].

/// <summary>The attention core shared by all families: scores and softmax in fp32, probabilities cast back.</summary>
public static class CausalAttention
{
    /// <summary><paramref name="dropout"/> applies to the probabilities (pass 0 outside training).</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? blocked, double scale, double dropout = 0)
    {
        using var scope = torch.NewDisposeScope();
        long groups = q.shape[1] / k.shape[1];
        if (groups > 1)
        {
            // GQA: HF repeat_kv expands each kv head to `groups` consecutive query heads.
            k = k.repeat_interleave(groups, 1);
            v = v.repeat_interleave(groups, 1);
        }
        var scores = torch.matmul(q.to_type(ScalarType.Float32), k.to_type(ScalarType.Float32).transpose(-2, -1)) * scale;
        if (blocked is not null) scores = scores.masked_fill(blocked, float.MinValue);
        var probs = scores.softmax(-1).to_type(v.dtype);
        if (dropout > 0) probs = nn.functional.dropout(probs, dropout, training: true);
        return torch.matmul(probs, v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Which keys each new query may not see: future keys, keys further back than <paramref name="window"/>,
    /// and padded keys (<paramref name="keyMask"/> [B, S] or [B, T] for the new positions only, 1 = real, 0 = pad). Null when nothing is blocked.
    /// </summary>
    public static Tensor? BlockedMask(long past, long length, Tensor? keyMask, int? window, Device device)
    {
        if (length == 1 && keyMask is null && (window is null || past < window)) return null;
        using var scope = torch.NewDisposeScope();
        long s = past + length;
        var queryPos = torch.arange(past, s, 1, ScalarType.Int64, device).unsqueeze(1);     // [T, 1]
        var keyPos = torch.arange(0, s, 1, ScalarType.Int64, device).unsqueeze(0);          // [1, S]
        var blocked = keyPos > queryPos;                                                    // [T, S]
        if (window is { } w) blocked = blocked.logical_or(queryPos - keyPos >= w);
        blocked = blocked.unsqueeze(0).unsqueeze(0);                                        // [1, 1, T, S]
        if (keyMask is not null)
        {
            if (keyMask.shape.Length == 2 && keyMask.shape[1] == length && past > 0)
                keyMask = torch.cat([torch.ones([keyMask.shape[0], past], keyMask.dtype, keyMask.device), keyMask], 1);
            if (keyMask.shape.Length != 2 || keyMask.shape[1] != s)
                throw new ArgumentException(
                    $"attentionMask must be [B, {s}] (cached + new) or [B, {length}] (new), got [{string.Join(", ", keyMask.shape)}]");
            var pad = keyMask.to(device).eq(0).unsqueeze(1).unsqueeze(1);                   // [B, 1, 1, S]
            blocked = blocked.logical_or(pad);
        }
        return blocked.MoveToOuterDisposeScope();
    }
}
