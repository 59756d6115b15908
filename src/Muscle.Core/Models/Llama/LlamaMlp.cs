using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Llama;

// Shapes: x [B, T, C] -> [B, T, C]; inner I = intermediate_size.

/// <summary>HF LlamaMLP (SwiGLU): down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")] private readonly AdaptableLinear _gateProj;
    [ComponentName(Name = "up_proj")] private readonly AdaptableLinear _upProj;
    [ComponentName(Name = "down_proj")] private readonly AdaptableLinear _downProj;

    public LlamaMlp(LlamaConfig cfg, Device? device, ScalarType? dtype) : base(nameof(LlamaMlp))
    {
        _gateProj = new AdaptableLinear(cfg.HiddenSize, cfg.IntermediateSize, cfg.MlpBias, device: device, dtype: dtype);
        _upProj = new AdaptableLinear(cfg.HiddenSize, cfg.IntermediateSize, cfg.MlpBias, device: device, dtype: dtype);
        _downProj = new AdaptableLinear(cfg.IntermediateSize, cfg.HiddenSize, cfg.MlpBias, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = nn.functional.silu(_gateProj.call(x)) * _upProj.call(x);          // [B, T, I]
        return _downProj.call(h).MoveToOuterDisposeScope();
    }
}
