using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Modules;

// Shapes: x [..., C] -> [..., C].

/// <summary>
/// HF LlamaRMSNorm: normalise in fp32, cast back to the input dtype, then scale by <c>weight</c>
/// (the order matters in bf16). TorchSharp has no nn.RMSNorm.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] private Parameter _weight;
    private readonly Scalar _eps; // kept: see KeptScalars

    public RmsNorm(long size, double eps, Device? device = null, ScalarType? dtype = null) : base(nameof(RmsNorm))
    {
        _eps = eps.ToScalar();
        _weight = new Parameter(torch.ones([size], dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x.to_type(ScalarType.Float32);
        h = h * torch.rsqrt(h.pow(KeptScalars.Two).mean([-1L], keepdim: true).add(_eps, KeptScalars.One));
        return (_weight * h.to_type(x.dtype)).MoveToOuterDisposeScope();
    }
}
