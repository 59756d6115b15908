using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Llama;

// Shapes: x [B, T, C] -> [B, T, C] (see RotarySelfAttention).

/// <summary>HF LlamaAttention (also Mistral, Qwen2): q/k/v/o projections, RoPE on q and k, GQA.</summary>
public sealed class LlamaAttention : RotarySelfAttention
{
    [ComponentName(Name = "q_proj")] private readonly AdaptableLinear _qProj;
    [ComponentName(Name = "k_proj")] private readonly AdaptableLinear _kProj;
    [ComponentName(Name = "v_proj")] private readonly AdaptableLinear _vProj;
    [ComponentName(Name = "o_proj")] private readonly AdaptableLinear _oProj;

    public LlamaAttention(LlamaConfig cfg, int layer, Device? device, ScalarType? dtype)
        : base(nameof(LlamaAttention), layer, cfg.NumHeads, cfg.NumKeyValueHeads, cfg.HeadDim, cfg.AttentionDropout)
    {
        int q = cfg.NumHeads * cfg.HeadDim, kv = cfg.NumKeyValueHeads * cfg.HeadDim;
        _qProj = new AdaptableLinear(cfg.HiddenSize, q, cfg.QkvBias, device: device, dtype: dtype);
        _kProj = new AdaptableLinear(cfg.HiddenSize, kv, cfg.QkvBias, device: device, dtype: dtype);
        _vProj = new AdaptableLinear(cfg.HiddenSize, kv, cfg.QkvBias, device: device, dtype: dtype);
        _oProj = new AdaptableLinear(q, cfg.HiddenSize, cfg.OutputBias, device: device, dtype: dtype);
        RegisterComponents();
    }

    protected override AdaptableLinear QueryProjection => _qProj;
    protected override AdaptableLinear KeyProjection => _kProj;
    protected override AdaptableLinear ValueProjection => _vProj;
    protected override AdaptableLinear OutputProjection => _oProj;
}
