using TorchSharp;
using static TorchSharp.torch;

namespace Muscle.Modules;

/// <summary>
/// Scalars that stay referenced while LibTorch reads them. TorchSharp 0.107 turns a number given to a tensor op (and the
/// alpha = 1 of <c>a + b</c>) into a <see cref="Scalar"/> with a finalizer and nothing else referring to it once its
/// handle is passed on, so a garbage collection started by another thread may free it while the native op still has to
/// read it (a use-after-free; under CPU contention it showed as "Expected false to be true" from c10::Scalar::toFloat in
/// a LoRA forward). TorchSharp's own fix is not released (github.com/dotnet/TorchSharp pull 1434, "Dispose Scalars
/// implicitly created in Tensor operators"). The hot paths (residual adds, the LoRA add and scaling, RMSNorm, rotary,
/// the attention mask, AdamW) pass Scalars from here, which live as long as the process, or from a field or a
/// <c>using</c> that outlives the call; the same ops with the same values, so the numbers do not change.
/// </summary>
public static class KeptScalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary><c>a + b</c> (TorchSharp's operator with alpha = 1), with an alpha that stays alive.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);
}
