using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Phi;

// Shapes: x [B, T, C] -> [B, T, C].

/// <summary>HF PhiDecoderLayer: attention and MLP in parallel from one input_layernorm, both added to the residual.</summary>
public sealed class PhiDecoderLayer : nn.Module<Tensor, DecoderContext, Tensor>
{
    [ComponentName(Name = "self_attn")] private readonly PhiAttention _selfAttn;
    [ComponentName(Name = "mlp")] private readonly PhiMlp _mlp;
    [ComponentName(Name = "input_layernorm")] private readonly Fp32LayerNorm _inputLayernorm;
    [ComponentName(Name = "resid_dropout")] private readonly Dropout _residDropout;

    public PhiDecoderLayer(PhiConfig cfg, int layer, Device? device, ScalarType? dtype) : base(nameof(PhiDecoderLayer))
    {
        _selfAttn = new PhiAttention(cfg, layer, device, dtype);
        _mlp = new PhiMlp(cfg, device, dtype);
        _inputLayernorm = new Fp32LayerNorm(cfg.HiddenSize, cfg.LayerNormEps, device, dtype);
        _residDropout = nn.Dropout(cfg.ResidPdrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, DecoderContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var h = _inputLayernorm.call(x);
        var attn = _residDropout.call(_selfAttn.call(h, ctx));
        var ff = _residDropout.call(_mlp.call(h));
        return KeptScalars.Add(KeptScalars.Add(attn, ff), x).MoveToOuterDisposeScope();
    }
}
