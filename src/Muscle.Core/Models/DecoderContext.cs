using static TorchSharp.torch;

namespace Muscle.Models;

/// <summary>
/// Per-forward inputs every decoder layer shares. Cos/Sin [T, R] fp32 (null for learned positions),
/// Blocked [B or 1, 1, T, S] (true = masked, null = nothing masked), Cache may be null.
/// </summary>
public sealed record DecoderContext(Tensor? Cos, Tensor? Sin, Tensor? Blocked, KvCache? Cache);
