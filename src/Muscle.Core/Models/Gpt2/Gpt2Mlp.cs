using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Gpt2;

// Shapes: x [B, T, C] -> [B, T, I] -> [B, T, C]; I = n_inner (default 4C).

/// <summary>HF GPT2MLP: Conv1D c_fc, activation, Conv1D c_proj, dropout.</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "c_fc")] private readonly AdaptableLinear _cFc;
    [ComponentName(Name = "c_proj")] private readonly AdaptableLinear _cProj;
    [ComponentName(Name = "dropout")] private readonly Dropout _dropout;
    private readonly string _act;

    public Gpt2Mlp(Gpt2Config cfg, Device? device, ScalarType? dtype) : base(nameof(Gpt2Mlp))
    {
        _act = cfg.ActivationFunction;
        _cFc = new AdaptableLinear(cfg.HiddenSize, cfg.InnerSize, true, isConv1D: true, device: device, dtype: dtype);
        _cProj = new AdaptableLinear(cfg.InnerSize, cfg.HiddenSize, true, isConv1D: true, device: device, dtype: dtype);
        _dropout = nn.Dropout(cfg.ResidPdrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return _dropout.call(_cProj.call(Activation.Apply(_act, _cFc.call(x)))).MoveToOuterDisposeScope();
    }
}
