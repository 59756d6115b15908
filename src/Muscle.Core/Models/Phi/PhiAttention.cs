using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Phi;

// Shapes: x [B, T, C] -> [B, T, C] (see RotarySelfAttention); only the first R = rotary dim channels of a head rotate.

/// <summary>HF PhiAttention: q/k/v with bias, partial rotary, output projection <c>dense</c>.</summary>
public sealed class PhiAttention : RotarySelfAttention
{
    [ComponentName(Name = "q_proj")] private readonly AdaptableLinear _qProj;
    [ComponentName(Name = "k_proj")] private readonly AdaptableLinear _kProj;
    [ComponentName(Name = "v_proj")] private readonly AdaptableLinear _vProj;
    [ComponentName(Name = "dense")] private readonly AdaptableLinear _dense;

    public PhiAttention(PhiConfig cfg, int layer, Device? device, ScalarType? dtype)
        : base(nameof(PhiAttention), layer, cfg.NumHeads, cfg.NumKeyValueHeads, cfg.HeadDim, cfg.AttentionDropout)
    {
        int q = cfg.NumHeads * cfg.HeadDim, kv = cfg.NumKeyValueHeads * cfg.HeadDim;
        _qProj = new AdaptableLinear(cfg.HiddenSize, q, true, device: device, dtype: dtype);
        _kProj = new AdaptableLinear(cfg.HiddenSize, kv, true, device: device, dtype: dtype);
        _vProj = new AdaptableLinear(cfg.HiddenSize, kv, true, device: device, dtype: dtype);
        _dense = new AdaptableLinear(q, cfg.HiddenSize, true, device: device, dtype: dtype);
        RegisterComponents();
    }

    protected override AdaptableLinear QueryProjection => _qProj;
    protected override AdaptableLinear KeyProjection => _kProj;
    protected override AdaptableLinear ValueProjection => _vProj;
    protected override AdaptableLinear OutputProjection => _dense;
}
