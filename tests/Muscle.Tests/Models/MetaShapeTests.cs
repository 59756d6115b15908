using Muscle.Configuration;
using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

/// <summary>Real published configs, built on the meta device (no weight memory), against HF's state_dict() key: shape list.</summary>
public class MetaShapeTests
{
    [Theory]
    [InlineData("Llama-2-7b-hf", "LlamaForCausalLM", 291)]
    [InlineData("phi-2", "PhiForCausalLM", 453)]
    [InlineData("gpt2", "GPT2LMHeadModel", 149)]
    public void Meta_model_has_exactly_HF_keys_and_shapes(string fixture, string architecture, int count)
    {
        var cfg = ModelConfigLoader.Load(ModelFixtures.Path("Fixtures", fixture, "config.json"));
        Assert.Equal(architecture, cfg.Architecture);
        Assert.Empty(cfg.UnimplementedKeys);

        using var model = CausalLMFactory.Create(cfg, new Device(DeviceType.META), ScalarType.BFloat16);
        var stateDict = model.Module.state_dict();
        Assert.All(stateDict.Values, t => Assert.Equal(DeviceType.META, t.device_type));
        var actual = stateDict
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}: [{string.Join(", ", kv.Value.shape)}]")
            .ToList();
        var expected = File.ReadAllLines(ModelFixtures.Path("Fixtures", fixture, "state_dict.approved.txt"))
            .Where(l => l.Length > 0).ToList();

        Assert.Equal(count, expected.Count);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Tied_head_is_one_parameter_listed_once_but_present_in_state_dict()
    {
        var cfg = ModelConfigLoader.Load(ModelFixtures.Path("Fixtures", "gpt2", "config.json"));
        using var model = CausalLMFactory.Create(cfg, new Device(DeviceType.META));
        Assert.Equal(["lm_head.weight"], model.TiedKeys);
        Assert.Equal(148, model.Module.parameters().Count());

        using var tiny = CausalLMFactory.Create(TinyConfigs.Gpt2());
        tiny.Module.to(ScalarType.BFloat16);   // .to() must not split the tie
        var sd = tiny.Module.state_dict();
        using (torch.no_grad()) sd["transformer.wte.weight"].fill_(1.5);
        Assert.Equal(1.5f, sd["lm_head.weight"].to_type(ScalarType.Float32).min().item<float>());
        Assert.Equal(ScalarType.BFloat16, sd["lm_head.weight"].dtype);
    }
}
