using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Gpt2;

// Shapes: x [B, T, C] -> [B, T, C].

/// <summary>HF GPT2Block: x + attn(ln_1(x)), then + mlp(ln_2(.)).</summary>
public sealed class Gpt2Block : nn.Module<Tensor, DecoderContext, Tensor>
{
    [ComponentName(Name = "ln_1")] private readonly Fp32LayerNorm _ln1;
    [ComponentName(Name = "attn")] private readonly Gpt2Attention _attn;
    [ComponentName(Name = "ln_2")] private readonly Fp32LayerNorm _ln2;
    [ComponentName(Name = "mlp")] private readonly Gpt2Mlp _mlp;

    public Gpt2Block(Gpt2Config cfg, int layer, Device? device, ScalarType? dtype) : base(nameof(Gpt2Block))
    {
        _ln1 = new Fp32LayerNorm(cfg.HiddenSize, cfg.LayerNormEpsilon, device, dtype);
        _attn = new Gpt2Attention(cfg, layer, device, dtype);
        _ln2 = new Fp32LayerNorm(cfg.HiddenSize, cfg.LayerNormEpsilon, device, dtype);
        _mlp = new Gpt2Mlp(cfg, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, DecoderContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var h = KeptScalars.Add(x, _attn.call(_ln1.call(x), ctx));
        return KeptScalars.Add(h, _mlp.call(_ln2.call(h))).MoveToOuterDisposeScope();
    }
}
