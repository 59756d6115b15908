using Muscle.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Phi;

// Shapes: ids [B, T] -> hidden [B, T, C] -> logits [B, T, V].

/// <summary>HF PhiForCausalLM (Phi-1, Phi-1.5, Phi-2): <c>model.*</c> plus <c>lm_head</c> with bias.</summary>
public sealed class PhiForCausalLM : CausalLMBase
{
    [ComponentName(Name = "model")] private readonly PhiModel _model;
    [ComponentName(Name = "lm_head")] private readonly Linear _lmHead;

    public PhiForCausalLM(PhiConfig cfg, Device? device = null, ScalarType? dtype = null) : base(nameof(PhiForCausalLM), cfg)
    {
        cfg.Validate();
        _model = new PhiModel(cfg, device, dtype);
        _lmHead = nn.Linear(cfg.HiddenSize, cfg.VocabSize, hasBias: true, device: device, dtype: dtype);
        using (torch.no_grad())
        {
            _lmHead.weight!.normal_(0, cfg.InitializerRange);
            _lmHead.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Published Phi models untie the head; tie_word_embeddings = true is refused by validation.</summary>
    protected override Parameter? TiedHeadWeight => null;

    public override Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        CheckInputIds(inputIds);
        return _model.forward(inputIds, cache, attentionMask);
    }

    public override Tensor LmHead(Tensor hidden) => _lmHead.call(hidden);
}
