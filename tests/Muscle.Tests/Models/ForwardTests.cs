using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

public class ForwardTests
{
    private static Tensor Ids(long b, long t, int vocab, int seed)
    {
        var g = new torch.Generator((ulong)seed);
        return torch.randint(0, vocab, [b, t], generator: g, dtype: ScalarType.Int64);
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Forward_gives_logits_of_shape_BTV(string name)
    {
        torch.manual_seed(1);
        var cfg = TinyConfigs.ByName(name);
        using var model = CausalLMFactory.Create(cfg);
        model.Module.eval();
        using var _ = torch.no_grad();
        using var ids = Ids(2, 5, cfg.VocabSize, 3);
        using var logits = model.Forward(ids);
        Assert.Equal([2L, 5, cfg.VocabSize], logits.shape);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Cached_incremental_forward_equals_full_forward(string name)
    {
        torch.manual_seed(2);
        var cfg = TinyConfigs.ByName(name);
        using var model = CausalLMFactory.Create(cfg);
        model.Module.eval();
        using var _ = torch.no_grad();
        using var ids = Ids(2, 9, cfg.VocabSize, 4);
        using var full = model.Forward(ids);

        using var cache = model.NewCache();
        var steps = new List<Tensor>();
        // A 4-token prompt, then one token at a time.
        steps.Add(model.Forward(ids.narrow(1, 0, 4), cache));
        Assert.Equal(4, cache.Length);
        for (int i = 4; i < 9; i++) steps.Add(model.Forward(ids.narrow(1, i, 1), cache));
        Assert.Equal(9, cache.Length);
        using var incremental = torch.cat(steps, 1);
        foreach (var s in steps) s.Dispose();
        TensorAssert.Close(full, incremental, "cached vs full");
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Right_padding_does_not_change_real_positions(string name)
    {
        torch.manual_seed(3);
        var cfg = TinyConfigs.ByName(name);
        using var model = CausalLMFactory.Create(cfg);
        model.Module.eval();
        using var _ = torch.no_grad();
        using var ids = Ids(1, 6, cfg.VocabSize, 5);
        using var alone = model.Forward(ids.narrow(1, 0, 4));
        using var mask = torch.tensor(new long[] { 1, 1, 1, 1, 0, 0 }).unsqueeze(0);
        using var padded = model.Forward(ids, attentionMask: mask);
        TensorAssert.Close(alone, padded.narrow(1, 0, 4), "padded vs alone");
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Bfloat16_forward_is_close_to_float32(string name)
    {
        torch.manual_seed(4);
        var cfg = TinyConfigs.ByName(name);
        using var model = CausalLMFactory.Create(cfg);
        model.Module.eval();
        using var _ = torch.no_grad();
        using var ids = Ids(2, 7, cfg.VocabSize, 6);
        using var fp32 = model.Forward(ids);
        model.Module.to(ScalarType.BFloat16);
        using var bf16 = model.Forward(ids);
        Assert.Equal(ScalarType.BFloat16, bf16.dtype);
        TensorAssert.Close(fp32, bf16, Tolerance.BFloat16Model, "bf16 vs fp32");
    }
}
