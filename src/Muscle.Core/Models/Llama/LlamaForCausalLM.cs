using Muscle.Configuration;
using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Models.Llama;

// Shapes: ids [B, T] -> hidden [B, T, C] -> logits [B, T, V].

/// <summary>HF LlamaForCausalLM (Llama 1/2/3, Vicuna, TinyLlama, Mistral, Qwen2): <c>model.*</c> plus <c>lm_head</c>.</summary>
public sealed class LlamaForCausalLM : CausalLMBase
{
    [ComponentName(Name = "model")] private readonly LlamaModel _model;
    [ComponentName(Name = "lm_head")] private readonly Linear? _lmHead;

    public LlamaForCausalLM(LlamaConfig cfg, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaForCausalLM), cfg)
    {
        cfg.Validate();
        _model = new LlamaModel(cfg, device, dtype);
        if (!cfg.TieWordEmbeddings)
        {
            _lmHead = nn.Linear(cfg.HiddenSize, cfg.VocabSize, hasBias: false, device: device, dtype: dtype);
            using (torch.no_grad()) _lmHead.weight!.normal_(0, cfg.InitializerRange);
        }
        RegisterComponents();
    }

    protected override Parameter? TiedHeadWeight => _lmHead is null ? _model.EmbedWeight : null;

    public override Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        CheckInputIds(inputIds);
        return _model.forward(inputIds, cache, attentionMask);
    }

    public override Tensor LmHead(Tensor hidden) =>
        _lmHead is null ? nn.functional.linear(hidden, _model.EmbedWeight) : _lmHead.call(hidden);
}
