using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Models;

// Shapes: B batch, T new positions, C hidden size, V vocabulary.

/// <summary>
/// What the three families share: the dispose-scoped Forward = LmHead(ForwardHidden), the adaptable-linear
/// index, and tied heads. A tied head is one Parameter (the embedding's); its HF alias key is added to
/// <see cref="state_dict"/> so the key set equals HF's state_dict(), while parameters() lists it once and
/// <c>.to()</c> cannot split it (TorchSharp moves each registration separately).
/// </summary>
public abstract class CausalLMBase : nn.Module, ICausalLM
{
    protected CausalLMBase(string name, ModelConfig config) : base(name)
    {
        Config = config;
    }

    public ModelConfig Config { get; }

    public nn.Module Module => this;

    /// <summary>The embedding Parameter a tied head reads, or null when the head has its own weight.</summary>
    protected abstract Parameter? TiedHeadWeight { get; }

    /// <summary>HF key of the head weight when it is tied.</summary>
    protected virtual string HeadWeightKey => "lm_head.weight";

    public IEnumerable<string> TiedKeys => TiedHeadWeight is null ? [] : [HeadWeightKey];

    public abstract Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null);

    public abstract Tensor LmHead(Tensor hidden);

    public Tensor Forward(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        using var scope = torch.NewDisposeScope();
        return LmHead(ForwardHidden(inputIds, cache, attentionMask)).MoveToOuterDisposeScope();
    }

    public KvCache NewCache() => new(Config.NumLayers);

    /// <summary>
    /// The adaptable linears by module path. They are built with the model and never replaced (adapters live inside
    /// them), so the tree is walked once: switching adapters calls this several times per training step.
    /// </summary>
    public IReadOnlyDictionary<string, AdaptableLinear> AdaptableLinears() =>
        _adaptableLinears ??= named_modules()
            .Where(m => m.Item2 is AdaptableLinear)
            .ToDictionary(m => m.Item1, m => (AdaptableLinear)m.Item2, StringComparer.Ordinal);

    private Dictionary<string, AdaptableLinear>? _adaptableLinears;

    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        var result = base.state_dict(destination, prefix);
        if (TiedHeadWeight is { } tied) result[(prefix is null or "" ? "" : prefix + ".") + HeadWeightKey] = tied;
        return result;
    }

    /// <summary>Checks ids are [B, T] int64 on the model's device, with T ≥ 1.</summary>
    protected static void CheckInputIds(Tensor inputIds)
    {
        if (inputIds.dim() != 2 || inputIds.shape[1] < 1)
            throw new ArgumentException($"inputIds must be [B, T] with T >= 1, got [{string.Join(", ", inputIds.shape)}]");
        if (inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"inputIds must be int64, got {inputIds.dtype}");
    }
}
