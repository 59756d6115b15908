using Muscle.Modules;
using static TorchSharp.torch;

namespace Muscle.Models;

public static class CausalLMExtensions
{
    /// <summary>The device the model's weights live on.</summary>
    public static Device Device(this ICausalLM model) => model.Module.parameters().First().device;

    /// <summary>
    /// The state dict without adapter entries (<c>&lt;linear&gt;.adapters.&lt;name&gt;.*</c>): exactly HF's keys, as a
    /// base checkpoint holds them. Aliases of the live tensors.
    /// </summary>
    public static Dictionary<string, Tensor> BaseStateDict(this ICausalLM model)
    {
        var adapterPrefixes = model.AdaptableLinears().Keys.Select(p => p + "." + AdaptableLinear.AdaptersKey + ".").ToList();
        return model.Module.state_dict().Where(kv => !adapterPrefixes.Any(p => kv.Key.StartsWith(p, StringComparison.Ordinal)))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>Eval mode and no gradients for every base weight: the fixed order is build → load → move → freeze.</summary>
    public static void Freeze(this ICausalLM model)
    {
        model.Module.eval();
        foreach (var p in model.Module.parameters()) p.requires_grad = false;
    }
}
