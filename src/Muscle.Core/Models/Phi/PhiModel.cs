using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Phi;

// Shapes: ids [B, T] -> hidden [B, T, C] after final_layernorm.

/// <summary>HF PhiModel: embed_tokens, layers, final_layernorm (RoPE and dropouts have no state).</summary>
public sealed class PhiModel : nn.Module
{
    [ComponentName(Name = "embed_tokens")] private readonly Embedding _embedTokens;
    [ComponentName(Name = "embed_dropout")] private readonly Dropout _embedDropout;
    [ComponentName(Name = "layers")] private readonly ModuleList<PhiDecoderLayer> _layers;
    [ComponentName(Name = "final_layernorm")] private readonly Fp32LayerNorm _finalLayernorm;
    private readonly RotaryEmbedding _rope;

    public PhiModel(PhiConfig cfg, Device? device, ScalarType? dtype) : base(nameof(PhiModel))
    {
        _embedTokens = nn.Embedding(cfg.VocabSize, cfg.HiddenSize, device: device, dtype: dtype);
        using (torch.no_grad()) _embedTokens.weight!.normal_(0, cfg.InitializerRange);
        _embedDropout = nn.Dropout(cfg.EmbdPdrop);
        _layers = new ModuleList<PhiDecoderLayer>(
            Enumerable.Range(0, cfg.NumLayers).Select(i => new PhiDecoderLayer(cfg, i, device, dtype)).ToArray());
        _finalLayernorm = new Fp32LayerNorm(cfg.HiddenSize, cfg.LayerNormEps, device, dtype);
        _rope = new RotaryEmbedding(cfg.RotaryDim, cfg.RopeTheta, cfg.RopeScaling);
        RegisterComponents();
    }

    public Parameter EmbedWeight => _embedTokens.weight!;

    public Tensor forward(Tensor inputIds, KvCache? cache, Tensor? attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var ctx = DecoderContext.Create(_rope, inputIds.shape[1], cache, attentionMask, null, inputIds.device);
        var h = _embedDropout.call(_embedTokens.call(inputIds));                   // [B, T, C]
        foreach (var layer in _layers) h = layer.call(h, ctx);
        return _finalLayernorm.call(h).MoveToOuterDisposeScope();
    }
}
