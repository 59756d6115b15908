using Muscle.IO;
using Muscle.Infrastructure;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Tests.IO;

public class StateDictLoaderTests
{
    /// <summary>embed_tokens [5, 3], proj Linear(3→4) with bias, lm_head Linear(3→5) sharing embed_tokens' weight.</summary>
    private sealed class TinyLm : nn.Module
    {
        private readonly Embedding embed_tokens;
        private readonly Linear proj;
        private readonly Linear lm_head;

        public TinyLm() : base(nameof(TinyLm))
        {
            embed_tokens = nn.Embedding(5, 3);
            proj = nn.Linear(3, 4);
            lm_head = nn.Linear(3, 5, hasBias: false);
            RegisterComponents();
            lm_head.weight = embed_tokens.weight!;
        }

        public Tensor EmbedWeight => embed_tokens.weight!;
        public Tensor HeadWeight => lm_head.weight!;
        public Parameter ProjWeight => proj.weight!;
    }

    private static Dictionary<string, Tensor> Checkpoint() => new()
    {
        ["embed_tokens.weight"] = arange(15, dtype: ScalarType.Float64).reshape(5, 3), // F64 → the model's F32
        ["proj.weight"] = full(4, 3, 0.25f, dtype: ScalarType.BFloat16),
        ["proj.bias"] = tensor(new[] { 1f, 2f, 3f, 4f }),
    };

    private const string Source = "ckpt/model.safetensors";

    [Fact]
    public void CopiesInPlaceConvertingDTypesAndKeepingTiedWeightsTied()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyLm();
        var projWeight = model.ProjWeight;
        Assert.Contains("lm_head.weight", model.state_dict().Keys);

        var report = StateDictLoader.LoadStrict(model, Checkpoint(), Source, tiedKeys: ["lm_head.weight"]);

        Assert.Equal(3, report.Loaded);
        Assert.Equal(["lm_head.weight"], report.SkippedTiedKeys);
        Assert.Empty(report.IgnoredUnexpectedKeys);
        Assert.Same(projWeight, model.ProjWeight); // the Parameter object survives
        Assert.Equal(ScalarType.Float32, model.ProjWeight.dtype);
        Assert.All(model.ProjWeight.data<float>().ToArray(), v => Assert.Equal(0.25f, v));
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (float)i), model.EmbedWeight.data<float>().ToArray());
        Assert.Equal(model.EmbedWeight.data<float>().ToArray(), model.HeadWeight.data<float>().ToArray());
        Assert.True(model.ProjWeight.requires_grad);
    }

    private static void AssertFails(Dictionary<string, Tensor> source, string expected, bool strict = true)
    {
        using var model = new TinyLm();
        var before = model.ProjWeight.clone();
        var e = Assert.Throws<MuscleInputException>(() => StateDictLoader.LoadStrict(model, source, Source, strict, ["lm_head.weight"]));
        Assert.Equal(Source, e.File);
        Assert.Contains(expected, e.Message);
        Assert.Equal(before.data<float>().ToArray(), model.ProjWeight.data<float>().ToArray()); // a failed load changes nothing
    }

    [Fact]
    public void MissingKeyIsNamed()
    {
        using var scope = NewDisposeScope();
        var source = Checkpoint();
        source.Remove("proj.bias");
        AssertFails(source, "missing weight 'proj.bias'");
    }

    [Fact]
    public void UntiedMissingKeyIsStillMissing()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyLm();
        var e = Assert.Throws<MuscleInputException>(() => StateDictLoader.LoadStrict(model, Checkpoint(), Source));
        Assert.Equal("missing weight 'lm_head.weight'", e.Message);
    }

    [Fact]
    public void MisshapedKeyQuotesBothShapes()
    {
        using var scope = NewDisposeScope();
        var source = Checkpoint();
        source["proj.weight"] = zeros(3, 4);
        AssertFails(source, "weight 'proj.weight' has shape [3, 4] in the checkpoint but the model expects [4, 3]");
    }

    [Fact]
    public void UnexpectedKeyFailsWhenStrictAndIsReportedOtherwise()
    {
        using var scope = NewDisposeScope();
        var source = Checkpoint();
        source["model.layers.0.self_attn.rotary_emb.inv_freq"] = zeros(2);
        AssertFails(source, "unexpected weight 'model.layers.0.self_attn.rotary_emb.inv_freq'");

        using var model = new TinyLm();
        var report = StateDictLoader.LoadStrict(model, source, Source, strict: false, tiedKeys: ["lm_head.weight"]);
        Assert.Equal(["model.layers.0.self_attn.rotary_emb.inv_freq"], report.IgnoredUnexpectedKeys);
        Assert.Equal(3, report.Loaded);
    }

    [Fact]
    public void SeveralProblemsAreCountedInOneMessage()
    {
        using var scope = NewDisposeScope();
        var source = Checkpoint();
        source.Remove("proj.bias");
        source["proj.weight"] = zeros(1);
        source["stray"] = zeros(1);
        AssertFails(source, "(and 2 more: ");
    }

    [Fact]
    public void TiedKeyUnknownToTheModuleIsAProgrammingError()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyLm();
        Assert.Throws<ArgumentException>(() => StateDictLoader.LoadStrict(model, Checkpoint(), Source, tiedKeys: ["lm_head.bias"]));
    }

    [Fact]
    public void LoadsWhatSafetensorsSaved()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        using var original = new TinyLm();
        var state = original.state_dict();
        state.Remove("lm_head.weight");
        Safetensors.Save(dir.File("model.safetensors"), state);

        using var copy = new TinyLm();
        StateDictLoader.LoadStrict(copy, Safetensors.Load(dir.File("model.safetensors")), dir.Path, tiedKeys: ["lm_head.weight"]);
        Assert.Equal(original.HeadWeight.data<float>().ToArray(), copy.HeadWeight.data<float>().ToArray());
        Assert.Equal(original.ProjWeight.data<float>().ToArray(), copy.ProjWeight.data<float>().ToArray());
    }
}
