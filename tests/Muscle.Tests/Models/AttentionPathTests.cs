using Muscle.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

// Shapes: q [B, H, T, D], k/v [B, Hkv, T, D].

/// <summary>The fused SDPA path (plain causal) against the manual masked path it replaces, values and gradients.</summary>
public class AttentionPathTests
{
    [Theory]
    [InlineData(4, 4, 0.25)]     // MHA, scale 1/sqrt(16): SDPA's own scale
    [InlineData(4, 2, 0.25)]     // GQA
    [InlineData(4, 4, 1.0)]      // GPT-2 without scale_attn_weights: scale folded into q
    public void Fused_causal_equals_manual_masked_attention(int heads, int kvHeads, double scale)
    {
        torch.manual_seed(11);
        using var scope = NewDisposeScope();
        long b = 2, t = 7, d = 16;
        Tensor Leaf(long h) => randn(b, h, t, d).requires_grad_();
        var (q1, k1, v1) = (Leaf(heads), Leaf(kvHeads), Leaf(kvHeads));
        var (q2, k2, v2) = (q1.detach().clone().requires_grad_(), k1.detach().clone().requires_grad_(), v1.detach().clone().requires_grad_());
        var blocked = CausalAttention.BlockedMask(0, t, null, null, CPU);
        Assert.NotNull(blocked);

        var fused = CausalAttention.Attend(q1, k1, v1, null, scale, causal: true);
        var manual = CausalAttention.Attend(q2, k2, v2, blocked, scale);
        TensorAssert.Close(manual, fused, "fused vs manual");

        var upstream = randn(b, heads, t, d);
        (fused * upstream).sum().backward();
        (manual * upstream).sum().backward();
        foreach (var (a, m) in new[] { (q1, q2), (k1, k2), (v1, v2) })
            TensorAssert.Close(m.grad!, a.grad!, "gradient");
    }

    [Fact]
    public void Plain_causal_only_for_right_padding_without_past_or_biting_window()
    {
        using var scope = NewDisposeScope();
        var right = tensor(new long[] { 1, 1, 1, 0, 1, 1, 1, 1 }, [2, 4]);
        var left = tensor(new long[] { 0, 1, 1, 1, 1, 1, 1, 1 }, [2, 4]);
        Assert.True(CausalAttention.IsPlainCausal(0, 4, null, null));
        Assert.True(CausalAttention.IsPlainCausal(0, 4, right, null));
        Assert.True(CausalAttention.IsPlainCausal(0, 4, right, 4));
        Assert.False(CausalAttention.IsPlainCausal(0, 4, left, null));
        Assert.False(CausalAttention.IsPlainCausal(0, 4, null, 3));
        Assert.False(CausalAttention.IsPlainCausal(2, 4, null, null));
        Assert.False(CausalAttention.IsPlainCausal(0, 1, null, null));
        Assert.False(CausalAttention.IsPlainCausal(0, 4, tensor(new long[] { 1, 1, 1 }, [1, 3]), null)); // wrong shape: BlockedMask reports it
    }
}
