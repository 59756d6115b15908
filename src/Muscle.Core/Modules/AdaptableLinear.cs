using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: x [..., in] -> y [..., out].
// Linear layout: weight [out, in], y = x W^T + b (nn.Linear).
// Conv1D layout (GPT-2): weight [in, out], y = x W + b. Kept as HF stores it so names AND shapes equal HF's.

/// <summary>
/// Every linear layer of a decoder block. Parameters are exactly HF's (<c>weight</c>, optional <c>bias</c>);
/// <see cref="Delta"/> is a plain property, never registered, so it never enters the state dict.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private Parameter _weight;
    [ComponentName(Name = "bias")] private Parameter? _bias;

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

    /// <summary>Added to the base output when set. Set it any time after construction; it is not a registered child.</summary>
    public ILinearDelta? Delta { get; set; }

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
        if (Delta is { } delta) y = y + delta.Apply(x);
        return y.MoveToOuterDisposeScope();
    }
}
