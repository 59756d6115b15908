using Muscle.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Tests.Models;

/// <summary>A forward inside a dispose scope must leave no live tensors behind (per-thread TorchSharp statistics).</summary>
public class LeakTests
{
    private static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Forward_in_a_scope_leaves_no_live_tensors(string name)
    {
        torch.manual_seed(5);
        using var model = CausalLMFactory.Create(TinyConfigs.ByName(name));
        using var ids = torch.randint(0, 64, [2, 6], dtype: ScalarType.Int64);
        using var mask = torch.ones([2, 6], ScalarType.Int64);

        var before = Live;
        using (torch.NewDisposeScope())
        {
            var logits = model.Forward(ids, attentionMask: mask);
            var hidden = model.ForwardHidden(ids);
            var chunk = model.LmHead(hidden.narrow(1, 0, 2));
            Assert.Equal(logits.shape[2], chunk.shape[2]);
        }
        Assert.Equal(before, Live);
    }

    [Theory]
    [MemberData(nameof(TinyConfigs.All), MemberType = typeof(TinyConfigs))]
    public void Cache_holds_tensors_only_until_disposed(string name)
    {
        torch.manual_seed(6);
        using var model = CausalLMFactory.Create(TinyConfigs.ByName(name));
        model.Module.eval();
        using var ids = torch.randint(0, 64, [1, 4], dtype: ScalarType.Int64);

        var before = Live;
        var cache = model.NewCache();
        using (torch.no_grad())
        {
            for (int step = 0; step < 3; step++)
                using (torch.NewDisposeScope())
                    model.Forward(step == 0 ? ids : ids.narrow(1, 0, 1), cache);
        }
        Assert.Equal(6, cache.Length);
        Assert.Equal(before + 2 * model.Config.NumLayers, Live);   // one k and one v per layer, nothing else
        cache.Dispose();
        Assert.Equal(before, Live);
    }
}
