using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Llama;

// Shapes: B batch, T new positions, S cached + new positions, H heads, Hkv kv heads, D head dim, C hidden.
// x [B, T, C] -> [B, T, C].

/// <summary>HF LlamaAttention (also Mistral, Qwen2): q/k/v/o projections, RoPE on q and k, GQA.</summary>
public sealed class LlamaAttention : nn.Module<Tensor, DecoderContext, Tensor>
{
    [ComponentName(Name = "q_proj")] private readonly AdaptableLinear _qProj;
    [ComponentName(Name = "k_proj")] private readonly AdaptableLinear _kProj;
    [ComponentName(Name = "v_proj")] private readonly AdaptableLinear _vProj;
    [ComponentName(Name = "o_proj")] private readonly AdaptableLinear _oProj;
    private readonly int _layer, _heads, _kvHeads, _headDim;
    private readonly double _dropout;

    public LlamaAttention(LlamaConfig cfg, int layer, Device? device, ScalarType? dtype) : base(nameof(LlamaAttention))
    {
        _layer = layer;
        _heads = cfg.NumHeads;
        _kvHeads = cfg.NumKeyValueHeads;
        _headDim = cfg.HeadDim;
        _dropout = cfg.AttentionDropout;
        _qProj = new AdaptableLinear(cfg.HiddenSize, _heads * _headDim, cfg.QkvBias, device: device, dtype: dtype);
        _kProj = new AdaptableLinear(cfg.HiddenSize, _kvHeads * _headDim, cfg.QkvBias, device: device, dtype: dtype);
        _vProj = new AdaptableLinear(cfg.HiddenSize, _kvHeads * _headDim, cfg.QkvBias, device: device, dtype: dtype);
        _oProj = new AdaptableLinear(_heads * _headDim, cfg.HiddenSize, cfg.OutputBias, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, DecoderContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = _qProj.call(x).view(b, t, _heads, _headDim).transpose(1, 2);      // [B, H, T, D]
        var k = _kProj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);    // [B, Hkv, T, D]
        var v = _vProj.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);    // [B, Hkv, T, D]
        q = RotaryEmbedding.Apply(q, ctx.Cos!, ctx.Sin!);
        k = RotaryEmbedding.Apply(k, ctx.Cos!, ctx.Sin!);
        if (ctx.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);         // [B, Hkv, S, D]
        var o = CausalAttention.Attend(q, k, v, ctx.Blocked, 1.0 / Math.Sqrt(_headDim), training ? _dropout : 0);
        o = o.transpose(1, 2).reshape(b, t, _heads * _headDim);                   // [B, T, H*D]
        return _oProj.call(o).MoveToOuterDisposeScope();
    }
}
