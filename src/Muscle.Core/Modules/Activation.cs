using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Modules;

/// <summary>HF ACT2FN by name; names are checked by config validation (<see cref="Muscle.Configuration.Activations"/>).</summary>
public static class Activation
{
    private static readonly double Sqrt2OverPi = Math.Sqrt(2.0 / Math.PI);

    public static Tensor Apply(string name, Tensor x) => name switch
    {
        // HF NewGELUActivation, written out as HF does (tanh approximation, in the input dtype).
        "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh" =>
            0.5 * x * (1.0 + torch.tanh(Sqrt2OverPi * (x + 0.044715 * torch.pow(x, 3.0)))),
        "gelu" => nn.functional.gelu(x),
        "silu" => nn.functional.silu(x),
        "relu" => nn.functional.relu(x),
        _ => throw new NotSupportedException($"activation '{name}' is not supported"),
    };
}
