using Muscle.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Models;

// Shapes: B batch, T new positions, S cached + new positions, H heads, Hkv kv heads, D head dim, C hidden.
// x [B, T, C] -> q [B, H, T, D], k/v [B, Hkv, T, D] -> RoPE -> cache -> [B, T, H*D] -> [B, T, C].

/// <summary>
/// The forward Llama-family and Phi attention share (separate q/k/v projections, RoPE on q and k, GQA).
/// Subclasses own the projections as fields with HF names, because the output projection's name differs
/// (<c>o_proj</c> vs <c>dense</c>).
/// </summary>
public abstract class RotarySelfAttention : nn.Module<Tensor, DecoderContext, Tensor>
{
    private readonly int _layer, _heads, _kvHeads, _headDim;
    private readonly double _dropout;

    protected RotarySelfAttention(string name, int layer, int heads, int kvHeads, int headDim, double dropout) : base(name)
    {
        _layer = layer;
        _heads = heads;
        _kvHeads = kvHeads;
        _headDim = headDim;
        _dropout = dropout;
    }

    protected abstract AdaptableLinear QueryProjection { get; }
    protected abstract AdaptableLinear KeyProjection { get; }
    protected abstract AdaptableLinear ValueProjection { get; }
    protected abstract AdaptableLinear OutputProjection { get; }

    public override Tensor forward(Tensor x, DecoderContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = QueryProjection.call(x).view(b, t, _heads, _headDim).transpose(1, 2);    // [B, H, T, D]
        var k = KeyProjection.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);    // [B, Hkv, T, D]
        var v = ValueProjection.call(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);  // [B, Hkv, T, D]
        q = RotaryEmbedding.Apply(q, ctx.Cos!, ctx.Sin!);
        k = RotaryEmbedding.Apply(k, ctx.Cos!, ctx.Sin!);
        if (ctx.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);                // [B, Hkv, S, D]
        var o = CausalAttention.Attend(q, k, v, ctx.Blocked, 1.0 / Math.Sqrt(_headDim), training ? _dropout : 0, ctx.Causal);
        o = o.transpose(1, 2).reshape(b, t, _heads * _headDim);                          // [B, T, H*D]
        return OutputProjection.call(o).MoveToOuterDisposeScope();
    }
}
