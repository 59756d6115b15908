using Muscle.Configuration;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Muscle.Models.Gpt2;

// Shapes: ids [B, T] -> hidden [B, T, C] after ln_f.

/// <summary>HF GPT2Model: wte + wpe (learned positions), blocks h.{i}, ln_f.</summary>
public sealed class Gpt2Model : nn.Module
{
    [ComponentName(Name = "wte")] private readonly Embedding _wte;
    [ComponentName(Name = "wpe")] private readonly Embedding _wpe;
    [ComponentName(Name = "drop")] private readonly Dropout _drop;
    [ComponentName(Name = "h")] private readonly ModuleList<Gpt2Block> _h;
    [ComponentName(Name = "ln_f")] private readonly Fp32LayerNorm _lnF;
    private readonly int _maxPositions;

    public Gpt2Model(Gpt2Config cfg, Device? device, ScalarType? dtype) : base(nameof(Gpt2Model))
    {
        _wte = nn.Embedding(cfg.VocabSize, cfg.HiddenSize, device: device, dtype: dtype);
        _wpe = nn.Embedding(cfg.MaxPositions, cfg.HiddenSize, device: device, dtype: dtype);
        using (torch.no_grad())
        {
            _wte.weight!.normal_(0, cfg.InitializerRange);
            _wpe.weight!.normal_(0, cfg.InitializerRange);
        }
        _drop = nn.Dropout(cfg.EmbdPdrop);
        _h = new ModuleList<Gpt2Block>(
            Enumerable.Range(0, cfg.NumLayers).Select(i => new Gpt2Block(cfg, i, device, dtype)).ToArray());
        _lnF = new Fp32LayerNorm(cfg.HiddenSize, cfg.LayerNormEpsilon, device, dtype);
        _maxPositions = cfg.MaxPositions;
        RegisterComponents();
    }

    public Parameter EmbedWeight => _wte.weight!;

    public Tensor forward(Tensor inputIds, KvCache? cache, Tensor? attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        long past = cache?.Length ?? 0, t = inputIds.shape[1];
        if (past + t > _maxPositions)
            throw new ArgumentException($"GPT-2 has {_maxPositions} learned positions; got {past} cached + {t} new");
        var device = inputIds.device;
        var positions = torch.arange(past, past + t, 1, ScalarType.Int64, device).unsqueeze(0);   // [1, T]
        var ctx = DecoderContext.Create(null, t, cache, attentionMask, null, device);
        var h = _drop.call(_wte.call(inputIds) + _wpe.call(positions));                            // [B, T, C]
        foreach (var block in _h) h = block.call(h, ctx);
        return _lnF.call(h).MoveToOuterDisposeScope();
    }
}
