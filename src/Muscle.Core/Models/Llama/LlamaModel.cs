using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Models.Llama;

// Shapes: ids [B, T] -> hidden [B, T, C] after the final norm.

/// <summary>HF LlamaModel: embed_tokens, layers, norm. RoPE has no state, so nothing else is registered.</summary>
public sealed class LlamaModel : nn.Module
{
    [ComponentName(Name = "embed_tokens")] private readonly Embedding _embedTokens;
    [ComponentName(Name = "layers")] private readonly ModuleList<LlamaDecoderLayer> _layers;
    [ComponentName(Name = "norm")] private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rope;
    private readonly int? _slidingWindow;

    public LlamaModel(LlamaConfig cfg, Device? device, ScalarType? dtype) : base(nameof(LlamaModel))
    {
        _embedTokens = nn.Embedding(cfg.VocabSize, cfg.HiddenSize, device: device, dtype: dtype);
        using (torch.no_grad()) _embedTokens.weight!.normal_(0, cfg.InitializerRange);
        _layers = new ModuleList<LlamaDecoderLayer>(
            Enumerable.Range(0, cfg.NumLayers).Select(i => new LlamaDecoderLayer(cfg, i, device, dtype)).ToArray());
        _norm = new RmsNorm(cfg.HiddenSize, cfg.RmsNormEps, device, dtype);
        _rope = new RotaryEmbedding(cfg.HeadDim, cfg.RopeTheta, cfg.RopeScaling);
        _slidingWindow = cfg.SlidingWindow;
        RegisterComponents();
    }

    public Parameter EmbedWeight => _embedTokens.weight!;

    public Tensor forward(Tensor inputIds, KvCache? cache, Tensor? attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var ctx = DecoderContext.Create(_rope, inputIds.shape[1], cache, attentionMask, _slidingWindow, inputIds.device);
        var h = _embedTokens.call(inputIds);                                       // [B, T, C]
        foreach (var layer in _layers) h = layer.call(h, ctx);
        return _norm.call(h).MoveToOuterDisposeScope();
    }
}
