using Muscle.Models;
using Muscle.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

public class AdaptableLinearTests
{
    /// <summary>A LoRA-shaped test double: a Module with its own parameters, registered under the host's adapter name.</summary>
    private sealed class ScaledDelta : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter lora_A;
        private readonly Parameter lora_B;

        public ScaledDelta(long inF, long outF, long rank) : base(nameof(ScaledDelta))
        {
            lora_A = new Parameter(torch.randn(rank, inF));
            lora_B = new Parameter(torch.randn(outF, rank));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) =>
            nn.functional.linear(nn.functional.linear(x, lora_A.to_type(x.dtype)), lora_B.to_type(x.dtype));
    }

    [Theory]
    [InlineData("llama", 14, "model.layers.1.mlp.down_proj", false)]
    [InlineData("qwen2", 14, "model.layers.0.self_attn.k_proj", false)]
    [InlineData("phi", 12, "model.layers.0.self_attn.dense", false)]
    [InlineData("gpt2", 8, "transformer.h.1.attn.c_attn", true)]
    public void Every_block_linear_is_adaptable_and_keyed_by_HF_path(string name, int count, string sample, bool conv1D)
    {
        using var model = CausalLMFactory.Create(TinyConfigs.ByName(name), new Device(DeviceType.META));
        var linears = model.AdaptableLinears();
        Assert.Equal(count, linears.Count);
        Assert.True(linears.ContainsKey(sample), string.Join(", ", linears.Keys));
        Assert.Equal(conv1D, linears[sample].IsConv1D);
        Assert.Equal(conv1D, linears[sample].FanInFanOut);
        var stateKeys = model.Module.state_dict().Keys.ToHashSet();
        Assert.All(linears.Keys, k => Assert.Contains(k + ".weight", stateKeys));
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Active_adapter_changes_output_and_its_keys_sit_under_the_name_segment(string name)
    {
        torch.manual_seed(7);
        using var model = CausalLMFactory.Create(TinyConfigs.ByName(name));
        model.Module.eval();
        using var _ = torch.no_grad();
        using var ids = torch.randint(0, 64, [1, 5], dtype: ScalarType.Int64);
        var keysBefore = model.Module.state_dict().Keys.ToList();
        int paramsBefore = model.Module.parameters().Count();
        using var plain = model.Forward(ids);

        var linears = model.AdaptableLinears();
        foreach (var linear in linears.Values)
            linear.AddAdapter("d", new ScaledDelta(linear.InFeatures, linear.OutFeatures, 2));
        using (var added = model.Forward(ids))
            TensorAssert.Close(plain, added, "an added adapter is inactive until set"); // none active yet
        foreach (var linear in linears.Values) linear.ActiveAdapter = "d";
        using var adapted = model.Forward(ids);
        Assert.True((adapted - plain).abs().max().item<float>() > 1e-3);
        var expectedKeys = keysBefore.Concat(linears.Keys.SelectMany(p => new[] { $"{p}.adapters.d.lora_A", $"{p}.adapters.d.lora_B" }))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expectedKeys, model.Module.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(keysBefore.Order(StringComparer.Ordinal), model.BaseStateDict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(paramsBefore + 2 * linears.Count, model.Module.parameters().Count());

        foreach (var linear in linears.Values)
        {
            linear.ActiveAdapter = null;
            linear.RemoveAdapter("d")!.Dispose();
        }
        Assert.Equal(keysBefore, model.Module.state_dict().Keys.ToList());
        using var again = model.Forward(ids);
        Assert.Equal(0f, (again - plain).abs().max().item<float>());
    }

    [Fact]
    public void Conv1D_layout_computes_x_times_W_plus_b()
    {
        using var conv = new AdaptableLinear(3, 2, hasBias: true, isConv1D: true);
        using var lin = new AdaptableLinear(3, 2, hasBias: true);
        Assert.Equal([3L, 2], conv.Weight.shape);
        Assert.Equal([2L, 3], lin.Weight.shape);
        using (torch.no_grad())
        {
            lin.Weight.copy_(conv.Weight.t());
            conv.Bias!.fill_(0.5);
            lin.Bias!.fill_(0.5);
        }
        using var x = torch.randn(4, 3);
        using var a = conv.call(x);
        using var b = lin.call(x);
        TensorAssert.Close(b, a, "Conv1D vs Linear");
        Assert.Equal(["bias", "weight"], conv.state_dict().Keys.Order(StringComparer.Ordinal));
    }
}
