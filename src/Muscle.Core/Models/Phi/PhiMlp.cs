using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Phi;

// Shapes: x [B, T, C] -> [B, T, C]; inner I = intermediate_size.

/// <summary>HF PhiMLP: fc2(act(fc1(x))), act = hidden_act (gelu_new for the published models).</summary>
public sealed class PhiMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "fc1")] private readonly AdaptableLinear _fc1;
    [ComponentName(Name = "fc2")] private readonly AdaptableLinear _fc2;
    private readonly string _act;

    public PhiMlp(PhiConfig cfg, Device? device, ScalarType? dtype) : base(nameof(PhiMlp))
    {
        _act = cfg.HiddenAct;
        _fc1 = new AdaptableLinear(cfg.HiddenSize, cfg.IntermediateSize, true, device: device, dtype: dtype);
        _fc2 = new AdaptableLinear(cfg.IntermediateSize, cfg.HiddenSize, true, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return _fc2.call(Activation.Apply(_act, _fc1.call(x))).MoveToOuterDisposeScope();
    }
}
