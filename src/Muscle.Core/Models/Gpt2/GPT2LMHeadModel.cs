using Muscle.Configuration;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Gpt2;

// Shapes: ids [B, T] -> hidden [B, T, C] -> logits [B, T, V].

/// <summary>
/// HF GPT2LMHeadModel: <c>transformer.*</c> and a head tied to <c>transformer.wte.weight</c>
/// (state_dict shows it as <c>lm_head.weight</c>, as HF's does; checkpoints usually omit it).
/// </summary>
public sealed class GPT2LMHeadModel : CausalLMBase
{
    [ComponentName(Name = "transformer")] private readonly Gpt2Model _transformer;

    public GPT2LMHeadModel(Gpt2Config cfg, Device? device = null, ScalarType? dtype = null) : base(nameof(GPT2LMHeadModel), cfg)
    {
        cfg.Validate();
        _transformer = new Gpt2Model(cfg, device, dtype);
        RegisterComponents();
    }

    protected override Parameter? TiedHeadWeight => _transformer.EmbedWeight;

    public override Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, Tensor? attentionMask = null)
    {
        CheckInputIds(inputIds);
        return _transformer.forward(inputIds, cache, attentionMask);
    }

    public override Tensor LmHead(Tensor hidden) => nn.functional.linear(hidden, _transformer.EmbedWeight);
}
