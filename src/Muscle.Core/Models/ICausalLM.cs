using Muscle.Configuration;
using Muscle.Modules;
using static TorchSharp.torch;

namespace Muscle.Models;

// Shapes: B batch, T new positions, C hidden size, V vocabulary.

/// <summary>
/// A decoder-only LM whose state-dict keys are HF's. Implemented by nn.Module subclasses; <see cref="Module"/>
/// gives the module for parameters(), to(), train()/eval() and loading.
/// </summary>
public interface ICausalLM : IDisposable
{
    ModelConfig Config { get; }

    /// <summary>This model as a TorchSharp module.</summary>
    nn.Module Module { get; }

    /// <summary>
    /// inputIds [B, T] int64 -> logits [B, T, V] in the model's dtype (callers upcast for losses).
    /// Positions start at <c>cache.Length</c>. attentionMask [B, T] (or [B, cache.Length + T]), 1 = real, 0 = pad;
    /// right padding only. With a cache, this also appends the new keys/values (inference only: no gradients
    /// flow through cached keys/values).
    /// </summary>
    Tensor Forward(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null);

    /// <summary>Same inputs as <see cref="Forward"/>; returns the final-norm hidden states [B, T, C].</summary>
    Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null);

    /// <summary>Projects hidden [..., C] onto the vocabulary [..., V]; callers may pass vocabulary chunks of rows.</summary>
    Tensor LmHead(Tensor hidden);

    /// <summary>State-dict keys that alias another parameter and may be absent from checkpoints (e.g. "lm_head.weight").</summary>
    IEnumerable<string> TiedKeys { get; }

    /// <summary>Every linear layer of the blocks, keyed by HF module path ("model.layers.0.self_attn.q_proj").</summary>
    IReadOnlyDictionary<string, AdaptableLinear> AdaptableLinears();

    /// <summary>An empty cache sized for this model.</summary>
    KvCache NewCache();
}
