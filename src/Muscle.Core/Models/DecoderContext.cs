using Muscle.Modules;
using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>
/// Per-forward inputs every decoder layer shares. Cos/Sin [T, R] fp32 (null for learned positions),
/// Blocked [B or 1, 1, T, S] (true = masked, null = nothing masked beyond <see cref="Causal"/>), Cache may be null.
/// Causal = plain causal attention over the new positions (no past), which attention runs through fused SDPA.
/// </summary>
public sealed record DecoderContext(Tensor? Cos, Tensor? Sin, Tensor? Blocked, KvCache? Cache, bool Causal = false)
{
    /// <summary>
    /// The context for <paramref name="length"/> new positions after the cached ones. Pass a null
    /// <paramref name="rope"/> for learned positions. Tensors join the caller's dispose scope.
    /// </summary>
    public static DecoderContext Create(RotaryEmbedding? rope, long length, KvCache? cache, Tensor? attentionMask,
                                        int? slidingWindow, Device device)
    {
        long past = cache?.Length ?? 0;
        var (cos, sin) = rope is null ? (null, null) : rope.CosSin(past, length, device);
        if (CausalAttention.IsPlainCausal(past, length, attentionMask, slidingWindow))
            return new DecoderContext(cos, sin, null, cache, Causal: true);
        return new DecoderContext(cos, sin, CausalAttention.BlockedMask(past, length, attentionMask, slidingWindow, device), cache);
    }
}
