using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: x [..., C] -> [..., C].

/// <summary>nn.LayerNorm with HF's key names (<c>weight</c>, <c>bias</c>) that computes in fp32 and casts back.</summary>
public sealed class Fp32LayerNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private Parameter _weight;
    [ComponentName(Name = "bias")] private Parameter _bias;
    private readonly long _size;
    private readonly double _eps;

    public Fp32LayerNorm(long size, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(Fp32LayerNorm))
    {
        _size = size;
        _eps = eps;
        _weight = new Parameter(torch.ones([size], dtype, device));
        _bias = new Parameter(torch.zeros([size], dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = nn.functional.layer_norm(x.to_type(ScalarType.Float32), [_size],
            _weight.to_type(ScalarType.Float32), _bias.to_type(ScalarType.Float32), _eps);
        return y.to_type(x.dtype).MoveToOuterDisposeScope();
    }
}
