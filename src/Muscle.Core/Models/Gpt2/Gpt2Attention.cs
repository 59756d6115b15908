using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Gpt2;

// Shapes: B batch, T new positions, S cached + new positions, H heads, D head dim, C hidden = H*D.
// x [B, T, C] -> c_attn [B, T, 3C] -> q, k, v [B, H, T, D] -> [B, T, C].

/// <summary>
/// HF GPT2Attention with Conv1D c_attn/c_proj ([in, out] weights). HF's legacy <c>attn.bias</c> /
/// <c>attn.masked_bias</c> buffers are not modelled (the causal mask is computed), so old checkpoints that
/// still carry them must have them skipped on load.
/// </summary>
public sealed class Gpt2Attention : nn.Module<Tensor, DecoderContext, Tensor>
{
    [ComponentName(Name = "c_attn")] private readonly AdaptableLinear _cAttn;
    [ComponentName(Name = "c_proj")] private readonly AdaptableLinear _cProj;
    [ComponentName(Name = "resid_dropout")] private readonly Dropout _residDropout;
    private readonly int _layer, _heads, _headDim;
    private readonly double _scale, _dropout;

    public Gpt2Attention(Gpt2Config cfg, int layer, Device? device, ScalarType? dtype) : base(nameof(Gpt2Attention))
    {
        _layer = layer;
        _heads = cfg.NumHeads;
        _headDim = cfg.HeadDim;
        _scale = cfg.ScaleAttnWeights ? 1.0 / Math.Sqrt(_headDim) : 1.0;
        _dropout = cfg.AttnPdrop;
        _cAttn = new AdaptableLinear(cfg.HiddenSize, 3L * cfg.HiddenSize, true, isConv1D: true, device: device, dtype: dtype);
        _cProj = new AdaptableLinear(cfg.HiddenSize, cfg.HiddenSize, true, isConv1D: true, device: device, dtype: dtype);
        _residDropout = nn.Dropout(cfg.ResidPdrop);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, DecoderContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], c = x.shape[2];
        var qkv = _cAttn.call(x).split(c, 2);                                        // 3 x [B, T, C]
        var q = qkv[0].view(b, t, _heads, _headDim).transpose(1, 2);                 // [B, H, T, D]
        var k = qkv[1].view(b, t, _heads, _headDim).transpose(1, 2);
        var v = qkv[2].view(b, t, _heads, _headDim).transpose(1, 2);
        if (ctx.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);           // [B, H, S, D]
        var o = CausalAttention.Attend(q, k, v, ctx.Blocked, _scale, training ? _dropout : 0, ctx.Causal);
        o = o.transpose(1, 2).reshape(b, t, c);                                     // [B, T, C]
        return _residDropout.call(_cProj.call(o)).MoveToOuterDisposeScope();
    }
}
