using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: B batch, H query heads, Hkv key/value heads, T new positions, S = past + T key positions, D head dim.
// q [B, H, T, D], k/v [B, Hkv, S, D], blocked [B or 1, 1, T, S] (true = may not attend) -> [B, H, T, D].

/// <summary>
/// The attention core shared by all families. In fp32, plain causal attention and unmasked decoding go through
/// libtorch's fused SDPA (flash kernel on CPU: no [T, S] score tensor kept for backward). bf16 and explicit masks
/// (left or inner padding, sliding windows, chunked prefill) take the manual path, which computes scores and softmax
/// in fp32 and casts the probabilities back, with HF's semantics for fully masked rows.
/// </summary>
public static class CausalAttention
{
    /// <summary>
    /// <paramref name="causal"/> = plain causal attention with no past (then <paramref name="blocked"/> must be null);
    /// <paramref name="dropout"/> applies to the probabilities (pass 0 outside training).
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? blocked, double scale, double dropout = 0, bool causal = false)
    {
        if (causal && blocked is not null) throw new ArgumentException("pass either causal or a blocked mask, not both");
        using var scope = torch.NewDisposeScope();
        long groups = q.shape[1] / k.shape[1];
        if (groups > 1)
        {
            // GQA: HF repeat_kv expands each kv head to `groups` consecutive query heads (TorchSharp's SDPA has no enable_gqa).
            k = k.repeat_interleave(groups, 1);
            v = v.repeat_interleave(groups, 1);
        }
        // libtorch 2.10's CPU flash kernel wins in fp32 but is ~2.5x slower than two matmuls in bf16 (measured on
        // [16, 8, 128, 32] fwd+bwd: 23 ms vs 10 ms), so bf16 keeps the manual path.
        if (blocked is null && q.dtype != ScalarType.BFloat16)
        {
            // TorchSharp's SDPA takes no scale and uses 1/sqrt(D); fold any other scale (GPT-2 without scaling) into q.
            var factor = scale * Math.Sqrt(q.shape[^1]);
            if (Math.Abs(factor - 1) > 1e-12) q = q * factor;
            return nn.functional.scaled_dot_product_attention(q, k, v, null, dropout, is_casual: causal).MoveToOuterDisposeScope();
        }
        if (causal) blocked = BlockedMask(0, q.shape[2], null, null, q.device);
        var scores = torch.matmul(q.to_type(ScalarType.Float32), k.to_type(ScalarType.Float32).transpose(-2, -1)) * scale;
        if (blocked is not null) scores = scores.masked_fill(blocked, float.MinValue);
        var probs = scores.softmax(-1).to_type(v.dtype);
        if (dropout > 0) probs = nn.functional.dropout(probs, dropout, training: true);
        return torch.matmul(probs, v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// True when a forward of <paramref name="length"/> new positions needs nothing but the causal rule: no past, no
    /// window that bites, and a key mask (if any) that is right padding. Right padding never changes a real position
    /// under the causal rule (pads come after every real key), so only the pads' own outputs differ from the masked
    /// result, and those are never read. The mask is inspected on the host only on CPU, where that costs one tiny
    /// kernel and no device sync; elsewhere the explicit mask is used.
    /// </summary>
    public static bool IsPlainCausal(long past, long length, Tensor? keyMask, int? window)
    {
        if (past != 0 || length < 2 || window is { } w && w < length) return false;
        if (keyMask is null) return true;
        if (keyMask.device_type != DeviceType.CPU || keyMask.dim() != 2 || keyMask.shape[1] != length) return false;
        using var scope = torch.NewDisposeScope();
        var real = keyMask.ne(KeptScalars.Zero);                                         // [B, T]
        var padThenReal = real.narrow(1, 1, length - 1).logical_and(real.narrow(1, 0, length - 1).logical_not());
        return !padThenReal.any().item<bool>();
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
            var pad = keyMask.to(device).eq(KeptScalars.Zero).unsqueeze(1).unsqueeze(1); // [B, 1, 1, S]
            blocked = blocked.logical_or(pad);
        }
        return blocked.MoveToOuterDisposeScope();
    }
}
