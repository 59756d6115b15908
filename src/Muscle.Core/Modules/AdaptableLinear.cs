using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: x [..., in] -> y [..., out].
// Linear layout: weight [out, in], y = x W^T + b (nn.Linear).
// Conv1D layout (GPT-2): weight [in, out], y = x W + b. Kept as HF stores it so names AND shapes equal HF's.

/// <summary>
/// Every linear layer of a decoder block. Parameters are exactly HF's (<c>weight</c>, optional <c>bias</c>). Adapter
/// layers (LoRA) are registered children keyed by adapter name under <c>adapters</c>
/// (<c>q_proj.adapters.&lt;name&gt;.lora_A.weight</c>), so train/eval, to() and Dispose() of the model reach them; a
/// model without adapters has exactly HF's state-dict keys. At most one adapter is active (PEFT's <c>set_adapter</c>),
/// and all can be switched off (<c>disable_adapter</c>); the output is base(x) + active(x).
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private Parameter _weight;
    [ComponentName(Name = "bias")] private Parameter? _bias;
    [ComponentName(Name = AdaptersKey)] private readonly AdapterLayers _adapters;

    /// <summary>The state-dict key segment under which adapter layers sit (followed by the adapter name).</summary>
    public const string AdaptersKey = "adapters";

    public AdaptableLinear(long inFeatures, long outFeatures, bool hasBias, bool isConv1D = false,
                           Device? device = null, ScalarType? dtype = null)
        : base(nameof(AdaptableLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        IsConv1D = isConv1D;
        long[] shape = isConv1D ? [inFeatures, outFeatures] : [outFeatures, inFeatures];
        _weight = new Parameter(torch.empty(shape, dtype, device));
        _bias = hasBias ? new Parameter(torch.empty([outFeatures], dtype, device)) : null;
        ResetParameters(0.02);
        _adapters = new AdapterLayers(); // built here: a registered child cannot be replaced later
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    /// <summary>True for GPT-2 Conv1D: <see cref="Weight"/> is [in, out] (PEFT calls this fan_in_fan_out).</summary>
    public bool IsConv1D { get; }

    /// <summary>Same as <see cref="IsConv1D"/>, under PEFT's name.</summary>
    public bool FanInFanOut => IsConv1D;

    public Parameter Weight => _weight;
    public Parameter? Bias => _bias;

    /// <summary>Names of the adapter layers this linear holds, in the order they were added.</summary>
    public IEnumerable<string> AdapterNames => _adapters.Names;

    /// <summary>The adapter layer named <paramref name="name"/>, or null. x [..., in] -> [..., out] in x's dtype.</summary>
    public nn.Module<Tensor, Tensor>? AdapterLayer(string name) => _adapters.TryGet(name, out var layer) ? layer : null;

    /// <summary>Registers <paramref name="layer"/> as this linear's adapter <paramref name="name"/> (it does not activate it).</summary>
    public void AddAdapter(string name, nn.Module<Tensor, Tensor> layer) => _adapters.Add(name, layer);

    /// <summary>Unregisters adapter <paramref name="name"/> and returns its layer for the caller to dispose; null if absent.</summary>
    public nn.Module<Tensor, Tensor>? RemoveAdapter(string name) => _adapters.Remove(name);

    /// <summary>The adapter added to the output, by name; null, or a name this linear lacks, adds nothing.</summary>
    public string? ActiveAdapter { get; set; }

    /// <summary>When true no adapter is added, whatever is active (PEFT's <c>disable_adapter</c>).</summary>
    public bool AdaptersDisabled { get; set; }

    /// <summary>HF init: weight ~ N(0, std), bias = 0.</summary>
    public void ResetParameters(double std)
    {
        using var _ = torch.no_grad();
        _weight.normal_(0, std);
        _bias?.zero_();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = IsConv1D
            ? (_bias is null ? torch.matmul(x, _weight) : torch.matmul(x, _weight).add_(_bias))
            : nn.functional.linear(x, _weight, _bias);
        if (!AdaptersDisabled && ActiveAdapter is { } name && _adapters.TryGet(name, out var adapter)) y = KeptScalars.Add(y, adapter.forward(x));
        return y.MoveToOuterDisposeScope();
    }
}
