namespace Muscle.Configuration;

/// <summary>HF activation names the MLPs accept (see <see cref="Muscle.Modules.Activation"/>).</summary>
public static class Activations
{
    /// <summary>gelu_new / gelu_pytorch_tanh / gelu_fast are the tanh approximation; gelu is the exact erf form.</summary>
    public static readonly IReadOnlyList<string> Supported = ["gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "silu", "relu"];

    public static bool IsSupported(string name) => Supported.Contains(name);
}
