using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Llama;

// Shapes: x [B, T, C] -> [B, T, C].

/// <summary>HF LlamaDecoderLayer: pre-norm attention and MLP, each added to the residual.</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, DecoderContext, Tensor>
{
    [ComponentName(Name = "self_attn")] private readonly LlamaAttention _selfAttn;
    [ComponentName(Name = "mlp")] private readonly LlamaMlp _mlp;
    [ComponentName(Name = "input_layernorm")] private readonly RmsNorm _inputLayernorm;
    [ComponentName(Name = "post_attention_layernorm")] private readonly RmsNorm _postAttentionLayernorm;

    public LlamaDecoderLayer(LlamaConfig cfg, int layer, Device? device, ScalarType? dtype) : base(nameof(LlamaDecoderLayer))
    {
        _selfAttn = new LlamaAttention(cfg, layer, device, dtype);
        _mlp = new LlamaMlp(cfg, device, dtype);
        _inputLayernorm = new RmsNorm(cfg.HiddenSize, cfg.RmsNormEps, device, dtype);
        _postAttentionLayernorm = new RmsNorm(cfg.HiddenSize, cfg.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, DecoderContext ctx)
    {
        using var scope = torch.NewDisposeScope();
        var h = KeptScalars.Add(x, _selfAttn.call(_inputLayernorm.call(x), ctx));
        return KeptScalars.Add(h, _mlp.call(_postAttentionLayernorm.call(h))).MoveToOuterDisposeScope();
    }
}
