using System.Text.Json.Nodes;
using Muscle.Adapters;
using Muscle.IO;
using Muscle.Infrastructure;
using Muscle.Models;
using Muscle.Tests.Models;
using static TorchSharp.torch;

namespace Muscle.Tests.Adapters;

/// <summary>
/// PEFT compatibility against fixtures written by hand to PEFT's layout, with expected logits from the PyTorch
/// reference forward of W + (α/r)·B·A (Fixtures/make_peft_fixtures.py): our loader must read what PEFT writes, and
/// what we write must be what PEFT reads.
/// </summary>
public class PeftAdapterTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "llama_qv", "llama_gqa_untied" },
        { "gpt2_attn", "gpt2" },
    };

    private static string AdapterDir(string name) => ModelFixtures.Path("..", "Adapters", "Fixtures", name);

    private static (ICausalLM Model, Tensor Ids, Tensor Expected) Load(string adapter, string golden)
    {
        var model = CausalLMFactory.FromPretrained(ModelFixtures.Path("Golden", golden));
        model.Freeze();
        var expected = Safetensors.Load(Path.Combine(AdapterDir(adapter), "expected.safetensors"));
        return (model, expected["input_ids"], expected["logits"]);
    }

    private static double MaxDiff(Tensor a, Tensor b) => TensorAssert.MaxDiff(a, b);

    [Theory]
    [MemberData(nameof(Cases))]
    public void PeftFixtureLoadsAndMatchesReferenceLogits(string adapterName, string golden)
    {
        using var scope = NewDisposeScope();
        var (model, ids, expected) = Load(adapterName, golden);
        using var _m = model;
        using var adapter = model.LoadAdapter(AdapterDir(adapterName), "default");
        using var ng = no_grad();
        var baseLogits = model.Forward(ids);
        Assert.True(MaxDiff(baseLogits, expected) > 1e-2, "the fixture adapter must change the logits");
        model.SetAdapter("default");
        TensorAssert.Close(expected, model.Forward(ids), Tolerance.Float32Reference, "attached vs PyTorch");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MergedAndUnmergedLogitsAgree(string adapterName, string golden)
    {
        using var scope = NewDisposeScope();
        var (model, ids, expected) = Load(adapterName, golden);
        using var _m = model;
        using var adapter = model.LoadAdapter(AdapterDir(adapterName), "default");
        using var ng = no_grad();
        model.SetAdapter("default");
        var unmerged = model.Forward(ids).clone();
        adapter.Merge();
        Assert.Null(model.ActiveAdapter());
        var merged = model.Forward(ids);
        TensorAssert.Close(unmerged, merged, Tolerance.Float32, "merged vs unmerged");
        TensorAssert.Close(expected, merged, Tolerance.Float32Reference, "merged vs PyTorch");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SaveThenLoadIsBitExactAndKeepsPeftKeys(string adapterName, string golden)
    {
        using var scope = NewDisposeScope();
        var (model, _, _) = Load(adapterName, golden);
        using var _m = model;
        using var adapter = model.LoadAdapter(AdapterDir(adapterName), "default");
        var dir = Directory.CreateTempSubdirectory("muscle-peft-").FullName;
        try
        {
            adapter.Save(Path.Combine(dir, "a"), "some/base");
            var original = Safetensors.Load(Path.Combine(AdapterDir(adapterName), "adapter_model.safetensors"));
            var written = Safetensors.Load(Path.Combine(dir, "a", "adapter_model.safetensors"));
            Assert.Equal(original.Keys.Order(), written.Keys.Order());
            foreach (var k in original.Keys)
                Assert.Equal(original[k].bytes.ToArray(), written[k].bytes.ToArray());

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "a", "adapter_config.json")))!.AsObject();
            Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
            Assert.Equal("CAUSAL_LM", config["task_type"]!.GetValue<string>());
            Assert.Equal("none", config["bias"]!.GetValue<string>());
            Assert.Equal("some/base", config["base_model_name_or_path"]!.GetValue<string>());
            Assert.Equal(adapter.Config.R, config["r"]!.GetValue<int>());

            using var again = model.LoadAdapter(Path.Combine(dir, "a"), "again");
            foreach (var (path, layer) in adapter.Layers)
            {
                Assert.Equal(layer.A.bytes.ToArray(), again.Layers[path].A.bytes.ToArray());
                Assert.Equal(layer.B.bytes.ToArray(), again.Layers[path].B.bytes.ToArray());
                Assert.Equal(layer.Scaling, again.Layers[path].Scaling);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AFreshAdapterIsPeftInitialisedAndLeavesTheBaseUnchanged()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLMFactory.Create(TinyConfigs.Llama());
        model.Freeze();
        using var ng = no_grad();
        var ids = tensor(new long[] { 1, 5, 9, 3 }, [1, 4]);
        var before = model.Forward(ids).clone();
        using var adapter = model.AddAdapter("default", new LoraConfig { R = 4, LoraAlpha = 8 }, seed: 3);
        // all-linear: every block linear (7 per Llama layer), lm_head excluded
        Assert.Equal(model.AdaptableLinears().Count, adapter.Layers.Count);
        Assert.DoesNotContain(adapter.Layers.Keys, k => k.Contains("lm_head"));
        foreach (var layer in adapter.Layers.Values)
        {
            Assert.Equal(0f, layer.B.abs().max().item<float>());
            var bound = 1 / Math.Sqrt(layer.InFeatures);
            Assert.InRange(layer.A.abs().max().item<float>(), 0.5 * bound, bound);
            Assert.Equal(2.0, layer.Scaling);
        }
        model.SetAdapter("default");
        Assert.Equal(before.data<float>().ToArray(), model.Forward(ids).data<float>().ToArray());
        using var same = model.AddAdapter("same", new LoraConfig { R = 4, LoraAlpha = 8 }, seed: 3);
        Assert.Equal(adapter.Layers.First().Value.A.data<float>().ToArray(), same.Layers.First().Value.A.data<float>().ToArray());
    }

    [Fact]
    public void AnAdapterThatDoesNotFitTheBaseIsOneClearError()
    {
        using var scope = NewDisposeScope();
        using var gpt2 = CausalLMFactory.FromPretrained(ModelFixtures.Path("Golden", "gpt2"));
        var e = Assert.Throws<MuscleInputException>(() => LoraAdapter.Load(AdapterDir("llama_qv"), gpt2, "default"));
        Assert.Contains("model.layers.0.self_attn", e.Message);
        Assert.Contains("does not have", e.Message);
    }

    [Fact]
    public void TargetMatchingFollowsPeft()
    {
        var list = new LoraConfig { TargetModules = ["q_proj", "v_proj"] };
        Assert.True(list.Targets("model.layers.0.self_attn.q_proj"));
        Assert.False(list.Targets("model.layers.0.self_attn.k_proj"));
        Assert.False(list.Targets("model.layers.0.self_attn.xq_proj"));
        var regex = new LoraConfig { TargetRegex = @".*\.1\.self_attn\.(q|k)_proj" };
        Assert.True(regex.Targets("model.layers.1.self_attn.k_proj"));
        Assert.False(regex.Targets("model.layers.0.self_attn.k_proj"));
        var pattern = new LoraConfig { R = 8, RankPattern = new Dictionary<string, int> { ["v_proj"] = 2 } };
        Assert.Equal(2, pattern.RankFor("model.layers.3.self_attn.v_proj"));
        Assert.Equal(8, pattern.RankFor("model.layers.3.self_attn.q_proj"));
    }
}

public class AdapterDTypeTests
{
    [Fact]
    public void LoraWeightsStayFp32OverABf16BaseAndTheOutputKeepsTheBaseDtype()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLMFactory.Create(TinyConfigs.Llama(), dtype: ScalarType.BFloat16);
        model.Freeze();
        using var adapter = model.AddAdapter("default", new LoraConfig { R = 2, LoraAlpha = 4 }, seed: 1);
        Assert.All(adapter.Parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        using (no_grad())
            foreach (var layer in adapter.Layers.Values) layer.B.fill_(0.01);
        model.SetAdapter("default");
        using var ng = no_grad();
        var logits = model.Forward(tensor(new long[] { 1, 2, 3 }, [1, 3]));
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        Assert.True(logits.to_type(ScalarType.Float32).isfinite().all().item<bool>());
        using var clone = adapter.Clone("clone");
        Assert.All(clone.Parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }
}
