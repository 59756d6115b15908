using static TorchSharp.torch;

namespace Muscle.Models;

public static class CausalLMExtensions
{
    /// <summary>The device the model's weights live on.</summary>
    public static Device Device(this ICausalLM model) => model.Module.parameters().First().device;

    /// <summary>Eval mode and no gradients for every base weight: the fixed order is build → load → move → freeze.</summary>
    public static void Freeze(this ICausalLM model)
    {
        model.Module.eval();
        foreach (var p in model.Module.parameters()) p.requires_grad = false;
    }
}
