using Muscle.Adapters;
using Muscle.Models;
using Muscle.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Adapters;

/// <summary>
/// Adapters are named members of the model: the model's train/eval, to(dtype) and Dispose reach their layers, and
/// add / set / disable / delete work by name as PEFT's add_adapter / set_adapter / disable_adapter / delete_adapter.
/// </summary>
public class NamedAdapterTests
{
    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    private static readonly LoraConfig Config = new() { R = 2, LoraAlpha = 4 };

    private static ICausalLM Model()
    {
        var model = CausalLMFactory.Create(TinyConfigs.Llama());
        model.Freeze();
        return model;
    }

    /// <summary>Non-zero B, so the adapter changes the output.</summary>
    private static LoraAdapter Add(ICausalLM model, string name, long seed)
    {
        var adapter = model.AddAdapter(name, Config, seed);
        manual_seed(seed);
        using (no_grad())
            foreach (var layer in adapter.Layers.Values) layer.B.normal_(0, 0.1);
        return adapter;
    }

    [Fact]
    public void TheModelsTrainEvalAndToReachTheAdapterLayers()
    {
        using var model = Model();
        using var a = Add(model, "a", 1);
        using var b = Add(model, "b", 2);
        var layers = a.Layers.Values.Concat(b.Layers.Values).ToList();
        Assert.All(layers, l => Assert.False(l.training)); // a new adapter starts in eval mode

        model.Module.train();
        Assert.All(layers, l => Assert.True(l.training));
        model.Module.eval();
        Assert.All(layers, l => Assert.False(l.training));

        model.Module.to(ScalarType.BFloat16);
        Assert.All(a.Parameters().Concat(b.Parameters()), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.All(a.StateDict().Values, t => Assert.Equal(ScalarType.BFloat16, t.dtype));
        model.Module.to(ScalarType.Float32);
        Assert.All(a.Parameters().Concat(b.Parameters()), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void DisposingTheModelDisposesItsAdapters()
    {
        manual_seed(3);
        // What a plain model leaves live after its Dispose (TorchSharp's own residue, unrelated to adapters).
        var plainStart = Live;
        Model().Dispose();
        var plainResidue = Live - plainStart;

        var before = Live;
        var model = Model();
        var withoutAdapters = Live;
        var a = Add(model, "a", 1);
        var b = a.Clone("b");
        Assert.Equal(withoutAdapters + a.Parameters().Count() + b.Parameters().Count(), Live); // each layer's A and B, nothing else
        model.Dispose(); // not the handles: the model's Dispose reaches the layers
        Assert.Equal(before + plainResidue, Live);
        a.Dispose(); // after the model: nothing left to do, and no error
        b.Dispose();
        Assert.Equal(before + plainResidue, Live);
    }

    [Fact]
    public void DeletingAnAdapterFreesItsLayersAndItsKeys()
    {
        using var model = Model();
        var baseKeys = model.Module.state_dict().Keys.Order(StringComparer.Ordinal).ToList();
        var before = Live;
        using (var a = Add(model, "a", 1))
        {
            Assert.Contains(model.Module.state_dict().Keys, k => k.Contains(".adapters.a.lora_A.weight"));
            Assert.Equal(baseKeys, model.BaseStateDict().Keys.Order(StringComparer.Ordinal));
        }
        Assert.Equal(before, Live);
        Assert.Equal(baseKeys, model.Module.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Empty(model.AdapterNames());
    }

    [Fact]
    public void SetDisableAndDeleteSelectByName()
    {
        using var scope = NewDisposeScope();
        using var model = Model();
        using var ng = no_grad();
        var ids = tensor(new long[] { 1, 5, 9, 3 }, [1, 4]);
        var plain = model.Forward(ids);
        using var a = Add(model, "a", 1);
        using var b = Add(model, "b", 2);
        Assert.Equal(["a", "b"], model.AdapterNames());
        Assert.Null(model.ActiveAdapter());
        Assert.Equal(0f, (model.Forward(ids) - plain).abs().max().item<float>()); // added, not active

        model.SetAdapter("a");
        var withA = model.Forward(ids);
        model.SetAdapter("b");
        var withB = model.Forward(ids);
        Assert.True((withA - plain).abs().max().item<float>() > 1e-3);
        Assert.True((withB - withA).abs().max().item<float>() > 1e-3);

        using (model.UseAdapter("a"))
            Assert.Equal(0f, (model.Forward(ids) - withA).abs().max().item<float>());
        Assert.Equal("b", model.ActiveAdapter());

        using (model.DisableAdapter())
            Assert.Equal(0f, (model.Forward(ids) - plain).abs().max().item<float>());
        Assert.Equal(0f, (model.Forward(ids) - withB).abs().max().item<float>());

        Assert.Throws<ArgumentException>(() => model.SetAdapter("c"));
        Assert.Throws<ArgumentException>(() => model.AddAdapter("a", Config, 3));
        Assert.Throws<ArgumentException>(() => model.AddAdapter("x.y", Config, 3));

        model.DeleteAdapter("b");
        Assert.Null(model.ActiveAdapter()); // deleting the active adapter leaves none active
        Assert.Equal(["a"], model.AdapterNames());
        Assert.Equal(0f, (model.Forward(ids) - plain).abs().max().item<float>());
        model.SetAdapter("a");
        Assert.Equal(0f, (model.Forward(ids) - withA).abs().max().item<float>());
    }

    [Fact]
    public void EachAdapterSavesOnlyItsOwnWeightsUnderPeftKeys()
    {
        using var model = Model();
        using var a = Add(model, "a", 1);
        using var b = Add(model, "b", 2);
        var keys = a.StateDict().Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(b.StateDict().Keys.Order(StringComparer.Ordinal), keys);
        Assert.All(keys, k => Assert.Matches(@"^base_model\.model\.model\.layers\.\d+\.(self_attn|mlp)\.\w+\.lora_[AB]\.weight$", k));
        foreach (var (path, layer) in a.Layers)
        {
            Assert.Equal(layer.A.Handle, a.StateDict()[$"base_model.model.{path}.lora_A.weight"].Handle);
            Assert.Equal(b.Layers[path].B.Handle, b.StateDict()[$"base_model.model.{path}.lora_B.weight"].Handle);
        }
    }
}
